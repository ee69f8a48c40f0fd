//! The last list seen from each engine, kept in the user's cache directory so the next start
//! shows it at once (marked stale, with its age) while the engine lists, which can take
//! most of a minute on Docker 28 with 10,000 images.
//!
//! The file is one header line (format version, host, save time) and then the images in
//! the engine's own `ImageSummary` JSON shape, so reading it goes through the same lenient
//! parser as a live list. Manifests and descriptors are left out to keep it small; the live
//! list brings them. The header also says how long that list took the engine, so the next
//! start knows before reading the images whether the engine is slow (`last_list_took`).

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::wire::parse_image_list;
use crate::core::image::Image;

const FORMAT: u32 = 1;
/// Go's zero time: how an engine says "no date", which the parser maps back to `None`.
const NO_DATE: i64 = -62_135_596_800;
/// A cache bigger than this is not read (a list of 100,000 images is about 60 MB).
const MAX_BYTES: u64 = 512 * 1024 * 1024;

/// The cache file of one engine address.
#[derive(Clone, Debug)]
pub struct ListCache {
    path: PathBuf,
    host: String,
}

#[derive(Serialize, Deserialize)]
struct Header {
    format: u32,
    host: String,
    saved_at: i64,
    /// Milliseconds from the start of the run that saved it to its first list (absent in
    /// files written before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    list_millis: Option<u64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CachedImage<'a> {
    id: &'a str,
    parent_id: &'a str,
    repo_tags: &'a [String],
    repo_digests: &'a [String],
    created: i64,
    size: i64,
    shared_size: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    virtual_size: Option<i64>,
    labels: BTreeMap<&'a str, &'a str>,
    containers: i64,
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl<'a> CachedImage<'a> {
    /// `containers` is the state's count (the engine's own is -1 on old APIs).
    fn new(image: &'a Image, containers: Option<u64>) -> Self {
        CachedImage {
            id: image.id.as_str(),
            parent_id: image.parent_id.as_ref().map_or("", |p| p.as_str()),
            repo_tags: &image.repo_tags,
            repo_digests: &image.repo_digests,
            created: image.created.unwrap_or(NO_DATE),
            size: signed(image.size),
            shared_size: image.shared_size.map_or(-1, signed),
            virtual_size: image.virtual_size.map(signed),
            labels: image
                .labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            containers: containers.map_or(-1, signed),
        }
    }
}

/// A list read back from the cache.
#[derive(Debug, PartialEq)]
pub struct Cached {
    pub images: Vec<Image>,
    pub saved_at: i64,
}

impl ListCache {
    /// The cache file for `host` under `$XDG_CACHE_HOME/imgtui` (else `~/.cache/imgtui`);
    /// `None` when neither is set.
    pub fn for_host(host: &str) -> Option<ListCache> {
        let dir = crate::dirs::user_dir("XDG_CACHE_HOME", ".cache")?;
        Some(ListCache::in_dir(&dir, host))
    }

    /// The cache file for `host` in `dir` (one file per host, named by a hash of it).
    pub fn in_dir(dir: &Path, host: &str) -> ListCache {
        ListCache {
            path: dir.join(format!("list-{:016x}.json", fnv1a(host.as_bytes()))),
            host: host.to_string(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved list, or `None` when there is none or it cannot be used (another format,
    /// another host, too big, damaged): a cache is a convenience, never an error.
    pub fn load(&self) -> Option<Cached> {
        if fs::metadata(&self.path).ok()?.len() > MAX_BYTES {
            return None;
        }
        let bytes = fs::read(&self.path).ok()?;
        let split = bytes.iter().position(|&b| b == b'\n')?;
        let header = self.header(&bytes[..split])?;
        let images = parse_in_halves(&bytes[split + 1..])?;
        Some(Cached {
            images,
            saved_at: header.saved_at,
        })
    }

    /// How long the engine took to give the run that saved the file its first list, read
    /// from the header line alone; `None` when the file or that figure is missing or
    /// unusable.
    pub fn last_list_took(&self) -> Option<Duration> {
        let mut line = Vec::new();
        let file = fs::File::open(&self.path).ok()?;
        BufReader::new(file.take(64 * 1024))
            .read_until(b'\n', &mut line)
            .ok()?;
        let header = self.header(line.strip_suffix(b"\n")?)?;
        header.list_millis.map(Duration::from_millis)
    }

    /// The header line, if it is of this format and this host.
    fn header(&self, line: &[u8]) -> Option<Header> {
        let header: Header = serde_json::from_slice(line).ok()?;
        (header.format == FORMAT && header.host == self.host).then_some(header)
    }

    /// The file's content for `images`, saved at `now`, whose first list took `list_took`.
    pub fn encode<'a>(
        &self,
        images: impl Iterator<Item = (&'a Image, Option<u64>)>,
        now: i64,
        list_took: Option<Duration>,
    ) -> Vec<u8> {
        let header = Header {
            format: FORMAT,
            host: self.host.clone(),
            saved_at: now,
            list_millis: list_took.map(|took| took.as_millis() as u64),
        };
        let list: Vec<CachedImage> = images.map(|(i, c)| CachedImage::new(i, c)).collect();
        let mut out = serde_json::to_vec(&header).expect("a header always serializes");
        out.push(b'\n');
        serde_json::to_writer(&mut out, &list).expect("images always serialize");
        out
    }

    /// Writes `content` (from `encode`) atomically, readable by the user only: a reader
    /// sees the old file or the new one, never half of one.
    pub fn store(&self, content: &[u8]) -> io::Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir)?;
        // Unique per write: the save after the first list may still run when the one on
        // quitting starts.
        static WRITES: AtomicU64 = AtomicU64::new(0);
        let n = WRITES.fetch_add(1, Ordering::Relaxed);
        let temp = self
            .path
            .with_extension(format!("tmp{}-{n}", std::process::id()));
        let written = (|| {
            let mut file = private_file(&temp)?;
            file.write_all(content)?;
            file.sync_all()?;
            fs::rename(&temp, &self.path)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(unix)]
fn private_file(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

/// From this many bytes of list on, `parse_in_halves` splits the work (about 800 images).
const SPLIT_FROM: usize = 256 * 1024;

/// Parses the saved list on two threads, each half of it: parsing is most of the time to
/// the first useful frame (10,000 images: 3.3 MB, 25-55 ms on one core). The halves meet
/// where an image starts, found as the text `},{"Id":"`: every image starts with its id
/// (`CachedImage`'s first field), and that text cannot be inside a string, where the JSON
/// writer escapes every quote.
fn parse_in_halves(body: &[u8]) -> Option<Vec<Image>> {
    const IMAGE_START: &[u8] = b"},{\"Id\":\"";
    let middle = body.len() / 2;
    let Some(at) = (body.len() >= SPLIT_FROM)
        .then(|| memchr::memmem::find(&body[middle..], IMAGE_START))
        .flatten()
    else {
        return parse_image_list(body).ok();
    };
    // `[…}` and `[{"Id":…]`.
    let at = middle + at;
    let mut first = Vec::with_capacity(at + 2);
    first.extend_from_slice(&body[..=at]);
    first.push(b']');
    let mut second = Vec::with_capacity(body.len() - at);
    second.push(b'[');
    second.extend_from_slice(&body[at + 2..]);
    let (first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(|| parse_image_list(&second));
        (parse_image_list(&first), second.join())
    });
    let mut images = first.ok()?;
    images.extend(second.ok()?.ok()?);
    Some(images)
}

/// FNV-1a: a stable file name per host (std's hasher may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::image::ImageId;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("imgtui-cache-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn image(id: &str) -> Image {
        Image {
            id: ImageId::new(id),
            parent_id: Some(ImageId::new("sha256:parent")),
            repo_tags: vec!["app:1".into(), "app:\u{1b}[2J".into()],
            repo_digests: vec!["app@sha256:d".into()],
            created: Some(1_700_000_000),
            size: 12_345,
            shared_size: None,
            virtual_size: Some(12_345),
            labels: vec![("a".into(), "1".into()), ("b".into(), "\u{7}".into())],
            containers: Some(2),
            ..Image::default()
        }
    }

    #[test]
    fn a_saved_list_reads_back_the_same() {
        let dir = temp_dir("roundtrip");
        let cache = ListCache::in_dir(&dir, "unix:///run/docker.sock");
        let undated = Image {
            created: None,
            containers: None,
            parent_id: None,
            ..image("sha256:b")
        };
        let images = vec![image("sha256:a"), undated];
        cache
            .store(&cache.encode(
                images.iter().map(|i| (i, i.containers)),
                1_800_000_000,
                None,
            ))
            .unwrap();
        let cached = cache.load().unwrap();
        assert_eq!(cached.saved_at, 1_800_000_000);
        assert_eq!(cached.images, images);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(cache.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_header_alone_says_how_long_the_list_took() {
        let dir = temp_dir("took");
        let cache = ListCache::in_dir(&dir, "unix:///run/docker.sock");
        assert_eq!(cache.last_list_took(), None, "no file yet");
        let images = [image("sha256:a")];
        let took = Duration::from_millis(88_123);
        let encoded = cache.encode(images.iter().map(|i| (i, None)), 1, Some(took));
        cache.store(&encoded).unwrap();
        assert_eq!(cache.last_list_took(), Some(took));
        assert_eq!(cache.load().unwrap().images.len(), 1);
        // Files saved before the figure was kept still load, without it.
        let older = b"{\"format\":1,\"host\":\"unix:///run/docker.sock\",\"saved_at\":1}\n[]";
        fs::write(cache.path(), older).unwrap();
        assert_eq!(cache.last_list_took(), None);
        assert_eq!(cache.load().unwrap().images, []);
        // Another host's file, or a header without its line end, says nothing.
        cache.store(&encoded).unwrap();
        let other = ListCache {
            path: cache.path().to_path_buf(),
            host: "unix:///b.sock".into(),
        };
        assert_eq!(other.last_list_took(), None);
        fs::write(
            cache.path(),
            &encoded[..encoded.iter().position(|&b| b == b'\n').unwrap()],
        )
        .unwrap();
        assert_eq!(cache.last_list_took(), None);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_big_list_read_in_halves_is_the_list_saved() {
        let dir = temp_dir("halves");
        let cache = ListCache::in_dir(&dir, "unix:///run/docker.sock");
        let mut images: Vec<Image> = (0..3_000)
            .map(|i| Image {
                repo_tags: vec![format!("app-{i}:1")],
                ..image(&format!("sha256:{i:064x}"))
            })
            .collect();
        // A value that spells an image's start, around the middle of the file: escaped in
        // the file, so it is not taken for one.
        let trap = r#"x"},{"Id":"sha256:trap"#.repeat(2_000);
        images[1_500].labels.push(("trap".into(), trap));
        let encoded = cache.encode(images.iter().map(|i| (i, i.containers)), 1, None);
        assert!(encoded.len() > 2 * SPLIT_FROM);
        cache.store(&encoded).unwrap();
        assert_eq!(cache.load().unwrap().images, images);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_count_saved_is_the_one_given_not_the_engines() {
        // Old APIs report -1 containers; the state's count from the container list is saved.
        let dir = temp_dir("counts");
        let cache = ListCache::in_dir(&dir, "unix:///run/docker.sock");
        let unknown = Image {
            containers: None,
            ..image("sha256:a")
        };
        cache
            .store(&cache.encode([(&unknown, Some(3))].into_iter(), 1, None))
            .unwrap();
        assert_eq!(cache.load().unwrap().images[0].containers, Some(3));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn another_host_a_damaged_file_or_none_reads_as_nothing() {
        let dir = temp_dir("unusable");
        let cache = ListCache::in_dir(&dir, "unix:///a.sock");
        assert_eq!(cache.load(), None, "no file yet");
        cache
            .store(&cache.encode([(&image("sha256:a"), None)].into_iter(), 1, None))
            .unwrap();
        // Same file name, other host inside: not ours.
        let other = ListCache {
            path: cache.path().to_path_buf(),
            host: "unix:///b.sock".into(),
        };
        assert_eq!(other.load(), None);
        assert_ne!(
            ListCache::in_dir(&dir, "unix:///b.sock").path(),
            cache.path()
        );
        for damaged in [&b"not json\n[]"[..], b"{\"format\":1}", b""] {
            fs::write(cache.path(), damaged).unwrap();
            assert_eq!(cache.load(), None);
        }
        let mut truncated = cache.encode([(&image("sha256:a"), None)].into_iter(), 1, None);
        truncated.truncate(truncated.len() - 3);
        fs::write(cache.path(), truncated).unwrap();
        assert_eq!(cache.load(), None);
        fs::remove_dir_all(&dir).unwrap();
    }
}
