//! The docker CLI's context store, read as the CLI writes it: `config.json`'s
//! `currentContext`, one `contexts/meta/<sha256 of the name>/meta.json` per context, and its
//! TLS files under `contexts/tls/<sha256 of the name>/docker/`.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::engine::endpoint::{Endpoint, TlsSettings};

/// The context the docker CLI uses when none is named: `DOCKER_HOST`, else the local socket.
/// It has no files of its own.
pub const DEFAULT_CONTEXT: &str = "default";

/// A docker CLI configuration directory (`$DOCKER_CONFIG`, else `~/.docker`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextStore {
    dir: PathBuf,
}

/// One context, as its `meta.json` and TLS files describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    pub name: String,
    pub description: String,
    /// `Endpoints.docker.Host`; `None` when the context has no docker endpoint.
    pub host: Option<String>,
    /// The files present under `contexts/tls/<sha256>/docker/`; `verify` is false when the
    /// context says `SkipTLSVerify`.
    pub tls: TlsSettings,
    /// The `meta.json` this came from, for messages.
    pub meta: PathBuf,
}

/// A file of the store that cannot be used, and why; in plain words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError {
    pub path: PathBuf,
    pub why: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.why)
    }
}

// The parts of the CLI's files we read; everything else in them is ignored.
#[derive(Deserialize)]
struct ConfigFile {
    #[serde(rename = "currentContext", default)]
    current_context: Option<String>,
}

#[derive(Deserialize)]
struct MetaFile {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Metadata", default)]
    metadata: Option<MetaData>,
    #[serde(rename = "Endpoints", default)]
    endpoints: Option<MetaEndpoints>,
}

#[derive(Deserialize)]
struct MetaData {
    #[serde(rename = "Description", default)]
    description: Option<String>,
}

#[derive(Deserialize)]
struct MetaEndpoints {
    #[serde(default)]
    docker: Option<DockerEndpoint>,
}

#[derive(Deserialize)]
struct DockerEndpoint {
    #[serde(rename = "Host", default)]
    host: Option<String>,
    #[serde(rename = "SkipTLSVerify", default)]
    skip_tls_verify: bool,
}

/// The directory name the CLI gives a context: the hex SHA-256 of its name.
pub fn digest_dir(name: &str) -> String {
    Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl ContextStore {
    pub fn new(dir: impl Into<PathBuf>) -> ContextStore {
        ContextStore { dir: dir.into() }
    }

    /// `$DOCKER_CONFIG`, else `$HOME/.docker`; `None` when neither is set.
    pub fn locate(docker_config: Option<&str>, home: Option<&Path>) -> Option<ContextStore> {
        match docker_config.filter(|d| !d.is_empty()) {
            Some(dir) => Some(ContextStore::new(dir)),
            None => home.map(|h| ContextStore::new(h.join(".docker"))),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn meta_root(&self) -> PathBuf {
        self.dir.join("contexts").join("meta")
    }

    /// `config.json`'s `currentContext`; `None` without the file or the field.
    pub fn current_context(&self) -> Result<Option<String>, StoreError> {
        let path = self.dir.join("config.json");
        let Some(text) = read_if_present(&path)? else {
            return Ok(None);
        };
        let config: ConfigFile = serde_json::from_slice(&text).map_err(|e| StoreError {
            path: path.clone(),
            why: format!("not valid JSON for a docker CLI config: {e}"),
        })?;
        Ok(config.current_context.filter(|c| !c.is_empty()))
    }

    /// The context named `name`; `None` when the store has none by that name.
    pub fn load(&self, name: &str) -> Result<Option<Context>, StoreError> {
        let dir = self.meta_root().join(digest_dir(name));
        let meta = dir.join("meta.json");
        let Some(text) = read_if_present(&meta)? else {
            return Ok(None);
        };
        let context = self.parse(&meta, &text)?;
        if context.name != name {
            return Err(StoreError {
                path: meta,
                why: format!(
                    "names the context {:?}, but its directory is that of {name:?}",
                    context.name
                ),
            });
        }
        Ok(Some(context))
    }

    /// Every context in the store, sorted by name, with the files that could not be read;
    /// an absent store has none.
    pub fn list(&self) -> (Vec<Context>, Vec<StoreError>) {
        let mut contexts = Vec::new();
        let mut broken = Vec::new();
        let root = self.meta_root();
        let entries = match std::fs::read_dir(&root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return (contexts, broken),
            Err(e) => {
                broken.push(StoreError {
                    path: root,
                    why: plain_io(&e),
                });
                return (contexts, broken);
            }
        };
        for entry in entries.flatten() {
            let meta = entry.path().join("meta.json");
            match read_if_present(&meta) {
                Ok(Some(text)) => match self.parse(&meta, &text) {
                    Ok(context) => contexts.push(context),
                    Err(e) => broken.push(e),
                },
                // A directory without meta.json is not a context (the CLI skips it too).
                Ok(None) => {}
                Err(e) => broken.push(e),
            }
        }
        contexts.sort_by(|a, b| a.name.cmp(&b.name));
        broken.sort_by(|a, b| a.path.cmp(&b.path));
        (contexts, broken)
    }

    fn parse(&self, meta: &Path, text: &[u8]) -> Result<Context, StoreError> {
        let file: MetaFile = serde_json::from_slice(text).map_err(|e| StoreError {
            path: meta.to_path_buf(),
            why: format!("not a valid context description: {e}"),
        })?;
        let docker = file.endpoints.and_then(|e| e.docker);
        let tls_dir = self
            .dir
            .join("contexts")
            .join("tls")
            .join(digest_dir(&file.name))
            .join("docker");
        let present = |name: &str| {
            let path = tls_dir.join(name);
            path.is_file().then_some(path)
        };
        let skip_tls_verify = docker.as_ref().is_some_and(|d| d.skip_tls_verify);
        Ok(Context {
            description: file
                .metadata
                .and_then(|m| m.description)
                .unwrap_or_default(),
            host: docker.and_then(|d| d.host).filter(|h| !h.trim().is_empty()),
            tls: TlsSettings {
                ca: present("ca.pem"),
                cert: present("cert.pem"),
                key: present("key.pem"),
                verify: !skip_tls_verify,
            },
            name: file.name,
            meta: meta.to_path_buf(),
        })
    }
}

impl Context {
    /// Where the context points: its host, speaking TLS when the context has TLS files or
    /// skips verification (the CLI's rule). `Err` says why the host cannot be used.
    pub fn endpoint(&self) -> Result<Endpoint, String> {
        let host = self
            .host
            .as_deref()
            .ok_or_else(|| "it has no docker endpoint (Endpoints.docker.Host)".to_string())?;
        let endpoint = Endpoint::parse(host).map_err(|e| e.to_string())?;
        let tls = &self.tls;
        let has_tls = tls.ca.is_some() || tls.cert.is_some() || tls.key.is_some();
        Ok(if has_tls || !tls.verify {
            endpoint.with_tls(tls.clone())
        } else {
            endpoint
        })
    }
}

/// The file's bytes; `None` when it does not exist; any other failure in plain words.
fn read_if_present(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError {
            path: path.to_path_buf(),
            why: format!("cannot be read: {}", plain_io(&e)),
        }),
    }
}

fn plain_io(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A store in a fresh temp directory.
    pub(crate) fn temp_store(what: &str) -> ContextStore {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "imgtui-store-{what}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        ContextStore::new(dir)
    }

    /// Writes a context's meta.json as the docker CLI does.
    pub(crate) fn write_context(store: &ContextStore, name: &str, host: &str, description: &str) {
        let meta = serde_json::json!({
            "Name": name,
            "Metadata": {"Description": description},
            "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}},
        });
        write_meta(store, name, &meta.to_string());
    }

    pub(crate) fn write_meta(store: &ContextStore, name: &str, text: &str) {
        let dir = store.meta_root().join(digest_dir(name));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("meta.json"), text).unwrap();
    }

    #[test]
    fn directories_are_named_by_the_sha256_of_the_name() {
        // `printf default | sha256sum`, as the docker CLI names the directory.
        assert_eq!(
            digest_dir("default"),
            "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"
        );
        assert_eq!(digest_dir("dev").len(), 64);
    }

    #[test]
    fn docker_config_wins_over_home() {
        let home = Path::new("/home/u");
        assert_eq!(
            ContextStore::locate(Some("/etc/dc"), Some(home))
                .unwrap()
                .dir(),
            Path::new("/etc/dc")
        );
        assert_eq!(
            ContextStore::locate(None, Some(home)).unwrap().dir(),
            Path::new("/home/u/.docker")
        );
        assert_eq!(
            ContextStore::locate(Some(""), Some(home)).unwrap().dir(),
            Path::new("/home/u/.docker")
        );
        assert!(ContextStore::locate(None, None).is_none());
    }

    #[test]
    fn reads_a_context_in_the_clis_format() {
        let store = temp_store("format");
        write_meta(
            &store,
            "dev",
            r#"{"Name":"dev","Metadata":{"Description":"the dev box"},"Endpoints":{"docker":{"Host":"unix:///run/dev.sock","SkipTLSVerify":false}}}"#,
        );
        let dev = store.load("dev").unwrap().unwrap();
        assert_eq!(dev.name, "dev");
        assert_eq!(dev.description, "the dev box");
        assert_eq!(dev.host.as_deref(), Some("unix:///run/dev.sock"));
        assert_eq!(
            dev.endpoint().unwrap(),
            Endpoint::Unix("/run/dev.sock".into())
        );
        assert_eq!(store.load("prod").unwrap(), None);
        // Metadata may be empty, as `docker context create` without a description leaves it.
        write_meta(
            &store,
            "bare",
            r#"{"Name":"bare","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://127.0.0.1:2375"}}}"#,
        );
        let bare = store.load("bare").unwrap().unwrap();
        assert_eq!(bare.description, "");
        assert_eq!(
            bare.endpoint().unwrap(),
            Endpoint::Tcp("127.0.0.1:2375".into())
        );
        let (all, broken) = store.list();
        let names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["bare", "dev"]);
        assert!(broken.is_empty());
    }

    #[test]
    fn tls_files_and_skip_verify_make_a_tcp_host_speak_tls() {
        let store = temp_store("tls");
        write_meta(
            &store,
            "remote",
            r#"{"Name":"remote","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://10.1.2.3:2376","SkipTLSVerify":false}}}"#,
        );
        let tls = store
            .dir()
            .join("contexts/tls")
            .join(digest_dir("remote"))
            .join("docker");
        std::fs::create_dir_all(&tls).unwrap();
        for file in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(tls.join(file), "pem").unwrap();
        }
        let remote = store.load("remote").unwrap().unwrap();
        assert_eq!(
            remote.endpoint().unwrap(),
            Endpoint::Tls {
                address: "10.1.2.3:2376".into(),
                settings: TlsSettings {
                    ca: Some(tls.join("ca.pem")),
                    cert: Some(tls.join("cert.pem")),
                    key: Some(tls.join("key.pem")),
                    verify: true,
                },
            }
        );
        write_meta(
            &store,
            "insecure",
            r#"{"Name":"insecure","Endpoints":{"docker":{"Host":"tcp://10.1.2.4:2376","SkipTLSVerify":true}}}"#,
        );
        let insecure = store.load("insecure").unwrap().unwrap();
        assert_eq!(
            insecure.endpoint().unwrap(),
            Endpoint::Tls {
                address: "10.1.2.4:2376".into(),
                settings: TlsSettings {
                    verify: false,
                    ..TlsSettings::default()
                },
            }
        );
    }

    #[test]
    fn broken_files_are_named_with_the_reason() {
        let store = temp_store("broken");
        std::fs::write(store.dir().join("config.json"), "{ not json").unwrap();
        let error = store.current_context().unwrap_err();
        assert_eq!(error.path, store.dir().join("config.json"));
        assert!(error.to_string().contains("not valid JSON"), "{error}");
        write_meta(&store, "bad", "[1, 2]");
        let error = store.load("bad").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("meta.json: not a valid context description"),
            "{error}"
        );
        write_meta(&store, "nohost", r#"{"Name":"nohost","Endpoints":{}}"#);
        let nohost = store.load("nohost").unwrap().unwrap();
        assert!(
            nohost
                .endpoint()
                .unwrap_err()
                .contains("no docker endpoint")
        );
        let (all, broken) = store.list();
        assert_eq!(all.len(), 1);
        assert_eq!(broken.len(), 1);
        // A file that cannot be read at all (root reads anything, so: a directory).
        let unreadable = temp_store("unreadable");
        std::fs::create_dir_all(unreadable.dir().join("config.json")).unwrap();
        assert_eq!(
            unreadable.current_context().unwrap_err().why,
            "cannot be read: it is a directory"
        );
    }

    #[test]
    fn current_context_comes_from_config_json() {
        let store = temp_store("current");
        assert_eq!(store.current_context().unwrap(), None, "no file: none");
        std::fs::write(
            store.dir().join("config.json"),
            r#"{"auths":{},"currentContext":"dev","plugins":{}}"#,
        )
        .unwrap();
        assert_eq!(store.current_context().unwrap().as_deref(), Some("dev"));
        std::fs::write(store.dir().join("config.json"), r#"{"auths":{}}"#).unwrap();
        assert_eq!(store.current_context().unwrap(), None);
    }
}
