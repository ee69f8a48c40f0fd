//! Changes to the engine (remove, untag, prune), through bollard's typed API carried over
//! our own transport. Reads stay on our lenient wire types: bollard's read models are strict
//! (an unknown container state or a missing field fails a whole list), its write responses
//! are small and stable.

use std::collections::HashMap;

use bollard::models::ImageDeleteResponseItem;
use bollard::query_parameters::{PruneImagesOptions, RemoveImageOptions};
use bollard::{BollardRequest, ClientVersion, Docker};

use super::client::{ApiVersion, Engine, encode_query};
use super::endpoint::Endpoint;
use super::error::EngineError;
use super::http;
use crate::core::image::ImageId;

/// What one removal did, as the engine reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Removed {
    /// A reference was removed; the image may remain.
    Untagged(String),
    /// An image (or one of its layers) was deleted.
    Deleted(String),
}

/// The engine's report of a prune.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub removed: Vec<Removed>,
    pub space_reclaimed: u64,
}

/// Which images a prune may remove; the engine applies these filters itself, atomically.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PruneFilter {
    /// `true`: only dangling images; `false`: every image no container uses.
    pub dangling_only: bool,
    /// Only images created before this (a Go duration like `24h`, or a timestamp).
    pub until: Option<String>,
}

/// A bollard client whose every request goes through `http::send` on `endpoint`.
pub(super) fn bollard_client(endpoint: &Endpoint, api: ApiVersion, timeout_secs: u64) -> Docker {
    let endpoint = endpoint.clone();
    let transport = move |request: BollardRequest| {
        let endpoint = endpoint.clone();
        async move {
            http::send(&endpoint, request)
                .await
                .map_err(|e| bollard::errors::Error::IOError {
                    err: std::io::Error::other(e.to_string()),
                })
        }
    };
    let version = ClientVersion {
        major_version: api.major as usize,
        minor_version: api.minor as usize,
    };
    // Only fails on an unparsable address, and ours is a constant.
    Docker::connect_with_custom_transport(transport, Some("http://docker"), timeout_secs, &version)
        .expect("a constant client address")
}

impl Engine {
    /// `DELETE /images/{name}`: by `repo:tag` this untags; by id it deletes the image.
    /// Without `force` the engine refuses (409) an image a container uses, or an id that
    /// several repositories reference. Always `noprune`: untagged parent images stay (the
    /// user was not shown them).
    pub async fn remove_image(&self, name: &str, force: bool) -> Result<Vec<Removed>, EngineError> {
        tracing::info!(name = ?name, force, "DELETE /images/{{name}} (noprune)");
        let options = RemoveImageOptions {
            force,
            noprune: true,
            ..Default::default()
        };
        let items = self
            .docker()
            .remove_image(name, Some(options), None)
            .await
            .map_err(|e| from_bollard("DELETE /images", e, self.limits().write.as_secs()))?;
        Ok(removed(items))
    }

    /// `POST /images/prune` with the engine-side filters.
    pub async fn prune_images(&self, filter: &PruneFilter) -> Result<PruneReport, EngineError> {
        if self.is_podman() && !filter.dangling_only {
            return self.podman_prune_unused(filter).await;
        }
        tracing::info!(?filter, "POST /images/prune");
        let mut filters = HashMap::new();
        filters.insert(
            "dangling".to_string(),
            vec![filter.dangling_only.to_string()],
        );
        if let Some(until) = &filter.until {
            filters.insert("until".to_string(), vec![until.clone()]);
        }
        let options = PruneImagesOptions {
            filters: Some(filters),
        };
        let response = self
            .docker()
            .prune_images(Some(options))
            .await
            .map_err(|e| from_bollard("POST /images/prune", e, self.limits().write.as_secs()))?;
        Ok(PruneReport {
            removed: removed(response.images_deleted.unwrap_or_default()),
            space_reclaimed: response.space_reclaimed.unwrap_or(0).max(0) as u64,
        })
    }
}

impl Engine {
    /// Podman's compatible prune always adds `dangling=true` itself, so `dangling=false`
    /// fails ("specifying dangling filter more than once with different values"); its own
    /// API's `all=true` is the same prune (every image no container uses), with the same
    /// `until`.
    async fn podman_prune_unused(&self, filter: &PruneFilter) -> Result<PruneReport, EngineError> {
        let mut path = "/v4.0.0/libpod/images/prune?all=true".to_string();
        if let Some(until) = &filter.until {
            let filters = serde_json::json!({ "until": [until] }).to_string();
            path.push_str(&format!("&filters={}", encode_query(&filters)));
        }
        tracing::info!(
            ?filter,
            path,
            "POST libpod images/prune (Podman, all unused)"
        );
        let what = "POST /libpod/images/prune";
        let body = http::post(
            self.endpoint(),
            &path,
            self.limits().write,
            self.limits().body,
        )
        .await?;
        podman_prune_report(&body).map_err(|e| EngineError::BadResponse {
            what: what.into(),
            why: e.to_string(),
        })
    }
}

/// Podman's own prune answer: `[{"Id": "<hex>", "Size": n, "Err": "..."?}]` (`null` when
/// nothing went); an entry with an error was not removed.
fn podman_prune_report(body: &[u8]) -> Result<PruneReport, serde_json::Error> {
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(rename = "Id", default)]
        id: String,
        #[serde(rename = "Size", default)]
        size: Option<i64>,
        #[serde(rename = "Err", default)]
        err: Option<String>,
    }
    let entries: Option<Vec<Entry>> = serde_json::from_slice(body)?;
    let mut report = PruneReport::default();
    for entry in entries.unwrap_or_default() {
        if entry.err.as_deref().is_some_and(|e| !e.is_empty()) || entry.id.is_empty() {
            continue;
        }
        report.space_reclaimed += entry.size.unwrap_or(0).max(0) as u64;
        report.removed.push(Removed::Deleted(
            ImageId::new(entry.id).as_str().to_string(),
        ));
    }
    Ok(report)
}

fn removed(items: Vec<ImageDeleteResponseItem>) -> Vec<Removed> {
    items
        .into_iter()
        .flat_map(|i| {
            let untagged = i.untagged.map(Removed::Untagged);
            // Podman reports deleted ids as bare hex; ours carry `sha256:`.
            let deleted = i
                .deleted
                .map(|id| Removed::Deleted(ImageId::new(id).as_str().to_string()));
            untagged.into_iter().chain(deleted)
        })
        .collect()
}

fn from_bollard(what: &str, err: bollard::errors::Error, timeout_secs: u64) -> EngineError {
    match err {
        bollard::errors::Error::DockerResponseServerError {
            status_code,
            message,
        } => EngineError::Status {
            status: status_code,
            message,
        },
        bollard::errors::Error::RequestTimeoutError => EngineError::Timeout {
            what: what.to_string(),
            secs: timeout_secs,
        },
        other => EngineError::Io {
            what: what.to_string(),
            err: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podmans_own_prune_answer() {
        // Podman 4.3's POST /libpod/images/prune?all=true, one image removed.
        let hex = "377283d303500d479af4391635b4175ce62cf743d5bebf30efed6b97806d12c8";
        let body = format!(r#"[{{"Id":"{hex}","Size":11329}},{{"Id":"abc","Err":"in use"}}]"#);
        let report = podman_prune_report(body.as_bytes()).unwrap();
        assert_eq!(report.removed, [Removed::Deleted(format!("sha256:{hex}"))]);
        assert_eq!(report.space_reclaimed, 11_329);
        assert_eq!(
            podman_prune_report(b"null").unwrap(),
            PruneReport::default()
        );
        assert_eq!(podman_prune_report(b"[]").unwrap(), PruneReport::default());
        assert!(podman_prune_report(b"{").is_err());
        assert_eq!(
            encode_query(r#"{"until":["1"]}"#),
            "%7B%22until%22%3A%5B%221%22%5D%7D"
        );
    }

    #[test]
    fn podman_bare_deleted_ids_get_the_algorithm() {
        let hex = "674afcbad25aa2e385effc9b2f5296f34d482b8bef673982c94a78298e56bcf5";
        // Podman 4.3's answer to DELETE /images/{id} and to a prune.
        let items: Vec<ImageDeleteResponseItem> = serde_json::from_str(&format!(
            r#"[{{"Untagged":"localhost/ptest/del:1"}},{{"Deleted":"{hex}"}}]"#
        ))
        .unwrap();
        assert_eq!(
            removed(items),
            [
                Removed::Untagged("localhost/ptest/del:1".into()),
                Removed::Deleted(format!("sha256:{hex}")),
            ]
        );
    }
}
