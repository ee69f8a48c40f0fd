//! One connected engine: negotiates the API version and reads images, containers and events.

use std::collections::HashMap;
use std::time::Duration;

use bytes::BytesMut;
use http_body_util::BodyExt;
use hyper::body::Incoming;

use super::endpoint::Endpoint;
use super::error::EngineError;
use super::http::{self, BodyLimits};
use super::mutate::bollard_client;
use super::wire::{self, EventWire, ImageInspectWire, InfoWire, VersionWire};
use crate::core::action::EngineInfo;
use crate::core::disk::DfReport;
use crate::core::image::{ContainerRef, Image, ImageId};
use crate::core::inspect::InspectData;

/// The newest API we know; newer engines are spoken to in this version.
pub const MAX_API: ApiVersion = ApiVersion {
    major: 1,
    minor: 51,
};
const MIN_API: ApiVersion = ApiVersion {
    major: 1,
    minor: 24,
};
/// The longest `GET /info` may take (it only feeds the header).
const INFO_LIMIT: Duration = Duration::from_secs(5);

/// How long each kind of request may take, and how much it may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Version, inspect, the container list, subscribing to events.
    pub quick: Duration,
    /// The image list: Docker 28's containerd store needs ~45 s for 10,000 images.
    pub list: Duration,
    /// Deleting a large image or pruning many can take minutes on a slow disk.
    pub write: Duration,
    pub body: BodyLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            quick: Duration::from_secs(30),
            list: Duration::from_secs(900),
            write: Duration::from_secs(600),
            body: BodyLimits::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiVersion {
    pub major: u32,
    pub minor: u32,
}

impl ApiVersion {
    pub fn parse(text: &str) -> Option<ApiVersion> {
        let (major, minor) = text.trim().split_once('.')?;
        Some(ApiVersion {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
        })
    }

    pub const fn at_least(self, major: u32, minor: u32) -> bool {
        self.major > major || (self.major == major && self.minor >= minor)
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[derive(Clone, Debug)]
pub struct Engine {
    endpoint: Endpoint,
    limits: Limits,
    api: ApiVersion,
    info: EngineInfo,
    /// For writes (see `mutate`); shares our transport.
    docker: bollard::Docker,
}

impl Engine {
    /// Connects and agrees on an API version (`reach`), then learns what the engine is
    /// (`describe`).
    pub async fn connect(endpoint: Endpoint) -> Result<Engine, EngineError> {
        Engine::connect_with(endpoint, Limits::default()).await
    }

    /// `connect` with other time and size limits (tests use short ones).
    pub async fn connect_with(endpoint: Endpoint, limits: Limits) -> Result<Engine, EngineError> {
        let mut engine = Engine::reach(endpoint, limits).await?;
        engine.info = engine.describe().await?;
        Ok(engine)
    }

    /// Agrees on an API version through `GET /_ping`, whose headers name the engine's API
    /// (and Podman's own version): under a millisecond, where `GET /version` takes 15 ms on
    /// Docker 20.10 and 0.4 s on Podman 4.3. So the list can be asked for at once, with
    /// `describe` beside it. An engine whose ping does not say is asked `/version` instead.
    pub async fn reach(endpoint: Endpoint, limits: Limits) -> Result<Engine, EngineError> {
        let ping = match http::headers(&endpoint, "/_ping", limits.quick, limits.body).await {
            Ok(headers) => Some(headers),
            Err(error) if error.is_connection_problem() => return Err(error),
            // A proxy or an old engine without the endpoint.
            Err(_) => None,
        };
        let said = ping.and_then(|headers| {
            let api = headers.get("api-version")?.to_str().ok()?;
            let podman = headers.contains_key("libpod-api-version");
            Some((
                ApiVersion::parse(api)?,
                if podman { "Podman" } else { "Docker" },
            ))
        });
        let (server, product) = match said {
            Some(said) => said,
            None => {
                let version = version(&endpoint, limits).await?;
                let server = ApiVersion::parse(&version.api_version).ok_or_else(|| {
                    EngineError::BadResponse {
                        what: "GET /version".into(),
                        why: format!("no API version in {:?}", version.api_version),
                    }
                })?;
                (server, version.product())
            }
        };
        if server < MIN_API {
            return Err(EngineError::UnsupportedApi {
                version: server.to_string(),
            });
        }
        let api = server.min(MAX_API);
        let info = EngineInfo {
            host: endpoint.to_string(),
            product: product.to_string(),
            api_version: api.to_string(),
            ..EngineInfo::default()
        };
        let docker = bollard_client(&endpoint, api, limits.write.as_secs());
        Ok(Engine {
            endpoint,
            limits,
            api,
            info,
            docker,
        })
    }

    /// What the engine is (`GET /version`: product, version, platform), for the status bar,
    /// refusing an engine that no longer speaks our newest API (it is newer than imgtui).
    pub async fn describe(&self) -> Result<EngineInfo, EngineError> {
        let version = version(&self.endpoint, self.limits).await?;
        if let Some(min) = ApiVersion::parse(&version.min_api_version)
            && min > MAX_API
        {
            return Err(EngineError::ApiTooNew {
                minimum: min.to_string(),
                ours: MAX_API.to_string(),
            });
        }
        // The address and API are what `reach` agreed on.
        Ok(EngineInfo {
            product: version.product().to_string(),
            version: version.version,
            os: version.os,
            arch: version.arch,
            ..self.info.clone()
        })
    }

    /// What `describe` learnt, for everything this engine does next (Podman's quirks).
    pub fn set_info(&mut self, info: EngineInfo) {
        self.info = info;
    }

    pub fn info(&self) -> &EngineInfo {
        &self.info
    }

    /// Where the engine keeps images (`GET /info`), for the header; `None` when it did not
    /// say within a few seconds (the header does without it).
    pub async fn storage(&self) -> Option<String> {
        let limit = self.limits.quick.min(INFO_LIMIT);
        let path = self.path("/info");
        let answer = http::get(&self.endpoint, &path, limit, self.limits.body).await;
        match answer.and_then(|body| parse::<InfoWire>(&body, "GET /info")) {
            Ok(info) => Some(info.storage()),
            Err(error) => {
                tracing::warn!(error = ?error.to_string(), "GET /info failed; storage unknown");
                None
            }
        }
    }

    /// Podman's Docker-compatible API: some answers need reading differently.
    pub fn is_podman(&self) -> bool {
        self.info.product == "Podman"
    }

    pub fn api(&self) -> ApiVersion {
        self.api
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub(super) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub(super) fn docker(&self) -> &bollard::Docker {
        &self.docker
    }

    fn path(&self, path: &str) -> String {
        format!("/v{}{}", self.api, path)
    }

    /// `GET /images/json`, with the per-platform manifests where the API has them.
    pub async fn list_images(&self) -> Result<Vec<Image>, EngineError> {
        let path = self.list_images_path();
        // Docker 28's containerd store fails a whole list with 404 ("content digest … not
        // found") when an image is removed while it lists (a prune beside us); the next list
        // is whole again, so ask again a few times before reporting it.
        let pauses = [100, 200, 400].map(Duration::from_millis);
        let asked = std::time::Instant::now();
        let mut body = self
            .get_again_while(&path, EngineError::is_not_found, pauses)
            .await?;
        // The engine's part of a list (from the request to the whole body), apart from
        // ours (parsing it, showing it): the real-engine benchmark reads this line.
        tracing::info!(
            path,
            bytes = body.len(),
            micros = asked.elapsed().as_micros() as u64,
            "image list received"
        );
        // Podman answers 200 with an empty body to a query option it does not take (it does
        // so for `digests`); the plain list is then what it can give.
        if body.is_empty() && path.contains('?') {
            tracing::info!(
                path,
                "empty answer to the image list; asking without options"
            );
            let plain = self.path("/images/json");
            body = http::get(&self.endpoint, &plain, self.limits.list, self.limits.body).await?;
        }
        self.images_from(&body)
    }

    /// An image list body, read for this engine: Podman's `SharedSize` is always 0 whether
    /// layers are shared or not, so it is taken as unknown.
    fn images_from(&self, body: &[u8]) -> Result<Vec<Image>, EngineError> {
        if body.is_empty() {
            return Err(bad("GET /images/json", "the engine sent an empty answer"));
        }
        let mut images = wire::parse_image_list(body).map_err(|e| bad("GET /images/json", e))?;
        if self.is_podman() {
            for image in &mut images {
                image.shared_size = None;
            }
        }
        Ok(images)
    }

    /// The exact query `list_images` sends (benchmarks time the bare request against it).
    pub fn list_images_path(&self) -> String {
        if self.api.at_least(1, 47) {
            self.path("/images/json?manifests=1")
        } else {
            self.path("/images/json")
        }
    }

    /// One image by id or reference; `Err(Status 404)` when there is none.
    pub async fn inspect_image(&self, name: &str) -> Result<Image, EngineError> {
        let query = if self.api.at_least(1, 48) {
            "?manifests=1"
        } else {
            ""
        };
        let path = self.path(&format!("/images/{}/json{query}", encode_path(name)));
        let body = http::get(&self.endpoint, &path, self.limits.quick, self.limits.body).await?;
        let inspect: ImageInspectWire = parse(&body, "GET /images/{id}/json")?;
        Ok(Image::from(inspect))
    }

    /// The inspect view's details: config and history, fetched concurrently.
    pub async fn inspect_details(&self, id: &str) -> Result<InspectData, EngineError> {
        let config_path = self.path(&format!("/images/{}/json", encode_path(id)));
        let history_path = self.path(&format!("/images/{}/history", encode_path(id)));
        let (config, history) = tokio::try_join!(
            http::get(
                &self.endpoint,
                &config_path,
                self.limits.quick,
                self.limits.body
            ),
            http::get(
                &self.endpoint,
                &history_path,
                self.limits.quick,
                self.limits.body
            ),
        )?;
        Ok(InspectData {
            config: wire::parse_image_config(&config)
                .map_err(|e| bad("GET /images/{id}/json", e))?,
            history: wire::parse_history(&history)
                .map_err(|e| bad("GET /images/{id}/history", e))?,
        })
    }

    /// `GET /system/df` for images (`type=image` from API 1.42; older engines ignore it and
    /// compute everything). Bounded like a full list: the engine walks every layer.
    pub async fn disk_usage(&self) -> Result<DfReport, EngineError> {
        let path = if self.api.at_least(1, 42) {
            self.path("/system/df?type=image")
        } else {
            self.path("/system/df")
        };
        // The engine computes one disk usage at a time and refuses a second ("a disk usage
        // operation is already running", e.g. a `docker system df` beside us, or the one a
        // quitting imgtui left running); that one will end, so wait for it (up to the list
        // time limit) rather than show its refusal.
        let limit = self.limits.list;
        let mut waited = Duration::ZERO;
        let pauses = std::iter::successors(Some(Duration::from_millis(100)), |pause| {
            Some((*pause * 2).min(Duration::from_secs(2)))
        })
        .take_while(move |pause| {
            let more = waited < limit;
            waited += *pause;
            more
        });
        let body = self.get_again_while(&path, is_busy, pauses).await?;
        wire::parse_disk_usage(&body, self.is_podman()).map_err(|e| bad("GET /system/df", e))
    }

    /// `GET path`, asked again after each of `pauses` while the failure is one that passes
    /// (`passing`: the engine was busy with something else); then whatever it answers.
    async fn get_again_while(
        &self,
        path: &str,
        passing: impl Fn(&EngineError) -> bool,
        pauses: impl IntoIterator<Item = Duration>,
    ) -> Result<bytes::Bytes, EngineError> {
        let mut pauses = pauses.into_iter();
        loop {
            match http::get(&self.endpoint, path, self.limits.list, self.limits.body).await {
                Err(error) if passing(&error) => match pauses.next() {
                    Some(pause) => {
                        tracing::info!(path, error = ?error.to_string(), "asking again");
                        tokio::time::sleep(pause).await;
                    }
                    None => return Err(error),
                },
                result => return result,
            }
        }
    }

    /// Only the dangling images (`filters={"dangling":["true"]}`): the prune re-check.
    pub async fn list_dangling_images(&self) -> Result<Vec<Image>, EngineError> {
        let filters = encode_query(r#"{"dangling":["true"]}"#);
        let path = self.path(&format!("/images/json?filters={filters}"));
        let body = http::get(&self.endpoint, &path, self.limits.list, self.limits.body).await?;
        self.images_from(&body)
    }

    /// The containers (running or not) using each image id.
    pub async fn containers_by_image(
        &self,
    ) -> Result<HashMap<ImageId, Vec<ContainerRef>>, EngineError> {
        let path = self.path("/containers/json?all=1");
        let body = http::get(&self.endpoint, &path, self.limits.quick, self.limits.body).await?;
        wire::parse_containers(&body).map_err(|e| bad("GET /containers/json", e))
    }

    /// Subscribes to image events and container create/destroy. Returns once the engine has
    /// accepted the subscription, so nothing that happens after this call is missed.
    /// Podman says `remove` where Docker says `destroy` (a container), `build` for a new
    /// image (Docker tags it) and `loadfromarchive` for `load`; engines ignore names they do
    /// not use.
    pub async fn events(&self) -> Result<EventStream, EngineError> {
        let filters = r#"{"type":["image","container"],"event":["create","destroy","remove","delete","import","load","loadfromarchive","pull","build","tag","untag"]}"#;
        let path = self.path(&format!("/events?filters={}", encode_query(filters)));
        let body = http::open(&self.endpoint, &path, self.limits.quick, self.limits.body).await?;
        Ok(EventStream {
            body,
            buffer: BytesMut::new(),
        })
    }
}

/// `GET /version`, unversioned: it is how an engine says which versions it speaks.
async fn version(endpoint: &Endpoint, limits: Limits) -> Result<VersionWire, EngineError> {
    let body = http::get(endpoint, "/version", limits.quick, limits.body).await?;
    parse(&body, "GET /version")
}

/// The engine's event stream: one JSON object per line.
pub struct EventStream {
    body: Incoming,
    buffer: BytesMut,
}

/// Longest event line we accept; real ones are a few hundred bytes.
const MAX_EVENT_LINE: usize = 1 << 20;

impl EventStream {
    /// The next event; `Ok(None)` when the engine closed the stream. Cancel-safe: what was
    /// read stays in the buffer.
    pub async fn next(&mut self) -> Result<Option<EventWire>, EngineError> {
        loop {
            if let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
                let line = self.buffer.split_to(end + 1);
                let line = line.strip_suffix(b"\n").unwrap_or(&line);
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                // One unreadable event must not end the stream.
                return Ok(Some(serde_json::from_slice(line).unwrap_or_default()));
            }
            if self.buffer.len() > MAX_EVENT_LINE {
                return Err(EngineError::TooLarge {
                    what: "GET /events".into(),
                    limit: MAX_EVENT_LINE,
                });
            }
            match self.body.frame().await {
                None => return Ok(None),
                Some(Err(e)) => return Err(http::io_error("GET /events", e)),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.buffer.extend_from_slice(&data);
                    }
                }
            }
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, EngineError> {
    serde_json::from_slice(body).map_err(|e| bad(what, e))
}

/// The engine's "one disk usage at a time" refusal. Docker 20.10 says it with 409 where it
/// counts containers and volumes, but with 500 where it counts layers; the words are the
/// same.
fn is_busy(error: &EngineError) -> bool {
    matches!(error, EngineError::Status { status: 409 | 500, message } if message.contains("disk usage operation is already running"))
}

fn bad(what: &str, err: impl std::fmt::Display) -> EngineError {
    EngineError::BadResponse {
        what: what.to_string(),
        why: err.to_string(),
    }
}

/// Percent-encodes everything but unreserved characters (for a query value).
pub(super) fn encode_query(text: &str) -> String {
    percent_encode(text, b"")
}

/// Encodes an image name for a path segment; `/`, `:` and `@` stay, as the engine expects.
fn encode_path(name: &str) -> String {
    percent_encode(name, b"/:@")
}

/// Percent-encodes every byte but the unreserved ones and `keep`.
fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_compare_numerically() {
        let v = |s| ApiVersion::parse(s).unwrap();
        assert!(v("1.41") < v("1.51"));
        assert!(v("1.9") < v("1.10"));
        assert!(v("1.47").at_least(1, 47));
        assert!(!v("1.46").at_least(1, 47));
        assert_eq!(v("1.52").min(MAX_API), MAX_API);
        assert_eq!(ApiVersion::parse("x"), None);
    }

    #[test]
    fn encoding() {
        assert_eq!(
            encode_query(r#"{"a":["b"]}"#),
            "%7B%22a%22%3A%5B%22b%22%5D%7D"
        );
        assert_eq!(
            encode_path("localhost:5000/team/app:1.2"),
            "localhost:5000/team/app:1.2"
        );
        assert_eq!(encode_path("a b?#"), "a%20b%3F%23");
    }
}
