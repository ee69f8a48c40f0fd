//! The core's own image model: what the engine told us, normalised at the edge so that
//! engine quirks (nulls, `-1`, `<none>` placeholders, missing fields) never reach the core.

use std::fmt;

/// An image id exactly as the engine reports it (normally `sha256:<64 hex>`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageId(String);

impl ImageId {
    /// A bare 64-digit hex id (Podman's events, delete answers and disk usage) gets the
    /// `sha256:` its lists and inspect answers carry, so both name the same image.
    pub fn new(id: impl Into<String>) -> Self {
        let id = id.into();
        if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Self(format!("sha256:{id}"));
        }
        Self(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 12-character form `docker image ls` shows: the hex part, without the algorithm.
    pub fn short(&self) -> &str {
        let hex = self.0.split_once(':').map_or(self.0.as_str(), |(_, h)| h);
        match hex.char_indices().nth(12) {
            Some((end, _)) => &hex[..end],
            None => hex,
        }
    }

    /// Whether `text` names this image: the full id, the hex alone, or a prefix of the hex
    /// as short as Docker accepts.
    pub fn matches(&self, text: &str) -> bool {
        let hex = self.0.split_once(':').map_or(self.0.as_str(), |(_, h)| h);
        let text_hex = text.split_once(':').map_or(text, |(_, h)| h);
        !text_hex.is_empty() && hex.starts_with(text_hex)
    }
}

impl fmt::Display for ImageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One image, as listed by `GET /images/json` (the engine's `ImageSummary`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Image {
    pub id: ImageId,
    /// Absent for images without a parent (the engine sends "").
    pub parent_id: Option<ImageId>,
    /// Real references only: the `<none>:<none>` placeholder is dropped at the edge.
    pub repo_tags: Vec<String>,
    pub repo_digests: Vec<String>,
    /// Seconds since the epoch; `None` where the engine sent Go's zero time (year 1). Docker
    /// 28 sends 0 for "no date", indistinguishable from a real 1970 date, so 0 is kept.
    pub created: Option<i64>,
    pub size: u64,
    /// `None` when the engine did not compute it (`-1`).
    pub shared_size: Option<u64>,
    /// Only sent by engines older than API 1.44.
    pub virtual_size: Option<u64>,
    /// Sorted by key.
    pub labels: Vec<(String, String)>,
    /// What the engine reported; `None` for `-1` (not computed). The state prefers its own
    /// count from the container list, see `AppState::containers_of`.
    pub containers: Option<u64>,
    pub manifests: Vec<Manifest>,
    pub descriptor: Option<Descriptor>,
}

impl Image {
    /// Dangling: no tag names it any more.
    pub fn is_dangling(&self) -> bool {
        self.repo_tags.is_empty()
    }

    /// The reference shown in the list: the first tag (`None` for a dangling image).
    pub fn primary_reference(&self) -> Option<&str> {
        self.repo_tags.first().map(String::as_str)
    }
}

/// A container that uses an image (what "in use" means for a prune).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerRef {
    /// Its name without the leading `/`, or its short id when it has none.
    pub name: String,
    pub running: bool,
}

impl fmt::Display for ContainerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.running { "running" } else { "stopped" };
        write!(f, "{} ({state})", self.name)
    }
}

/// An OCI content descriptor (API 1.48+).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    pub platform: Option<Platform>,
    /// Sorted by key.
    pub annotations: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ManifestKind {
    Image,
    Attestation,
    Other(String),
}

impl fmt::Display for ManifestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManifestKind::Image => f.write_str("image"),
            ManifestKind::Attestation => f.write_str("attestation"),
            ManifestKind::Other(kind) => f.write_str(kind),
        }
    }
}

/// One manifest of an image (API 1.47+ with `manifests=1`).
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    pub id: String,
    pub kind: ManifestKind,
    pub descriptor: Descriptor,
    pub available: bool,
    /// Bytes of the manifest's content (config and layers) in the store.
    pub content_size: u64,
    /// Content plus unpacked snapshots.
    pub total_size: u64,
    /// For image manifests: the platform and the unpacked size.
    pub platform: Option<Platform>,
    pub unpacked_size: Option<u64>,
    /// For attestations: the digest of the image manifest they describe.
    pub attests: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let os = if self.os.is_empty() { "?" } else { &self.os };
        let arch = if self.architecture.is_empty() {
            "?"
        } else {
            &self.architecture
        };
        write!(f, "{os}/{arch}")?;
        match &self.variant {
            Some(variant) if !variant.is_empty() => write!(f, "/{variant}"),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_hex_ids_get_the_algorithm() {
        let hex = "834905a9c759cb8f997fb80974bb439adfcc37fcafa88362a8a14f23a9e5588a";
        let full = format!("sha256:{hex}");
        assert_eq!(ImageId::new(hex), ImageId::new(full.clone()));
        assert_eq!(ImageId::new(hex).as_str(), full);
        // Only exactly 64 hex digits: short ids, names and other strings stay as they are.
        assert_eq!(ImageId::new("834905a9c759").as_str(), "834905a9c759");
        assert_eq!(ImageId::new(&hex[1..]).as_str(), &hex[1..]);
        let not_hex = format!("{}g", &hex[1..]);
        assert_eq!(ImageId::new(not_hex.clone()).as_str(), not_hex);
    }

    #[test]
    fn short_id_drops_algorithm_and_keeps_twelve() {
        let id =
            ImageId::new("sha256:1d53ef105045c334553a7c252fbd4edf0a17b2f20fbf8f513eacff74d228dfdc");
        assert_eq!(id.short(), "1d53ef105045");
        assert_eq!(ImageId::new("abc").short(), "abc");
        assert_eq!(ImageId::new("").short(), "");
    }

    #[test]
    fn id_matches_prefixes_only() {
        let id = ImageId::new("sha256:1d53ef105045c334");
        assert!(id.matches("1d53ef"));
        assert!(id.matches("sha256:1d53"));
        assert!(!id.matches("53ef"));
        assert!(!id.matches(""));
    }

    #[test]
    fn platform_display_includes_variant_when_set() {
        let mut p = Platform {
            os: "linux".into(),
            architecture: "arm64".into(),
            variant: Some("v8".into()),
        };
        assert_eq!(p.to_string(), "linux/arm64/v8");
        p.variant = None;
        assert_eq!(p.to_string(), "linux/arm64");
    }
}
