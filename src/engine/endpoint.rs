//! Where the engine is: parsing `DOCKER_HOST`-style URLs and opening a byte stream to it.

use std::fmt;
use std::path::PathBuf;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};

use super::error::EngineError;

pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Unix(PathBuf),
    /// `host:port`, plain HTTP.
    Tcp(String),
    /// `host:port`, HTTP over TLS (`DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`, or a context's
    /// TLS material).
    Tls {
        address: String,
        settings: TlsSettings,
    },
    /// `ssh://[user@]host[:port]`: HTTP over `ssh … docker system dial-stdio`, the docker
    /// CLI's convention, so the remote needs only the docker CLI and the user's ssh set-up.
    Ssh(SshTarget),
}

/// Where the TLS material is and whether the engine's certificate is checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// The CA bundle that signed the engine's certificate (`ca.pem`).
    pub ca: Option<PathBuf>,
    /// The client certificate and its key (`cert.pem`, `key.pem`), when the engine asks.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// `false` only when asked for (`DOCKER_TLS` without verify, a context's
    /// `SkipTLSVerify`): the connection is encrypted but the engine is not authenticated.
    pub verify: bool,
}

/// An `ssh://` destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SshTarget {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

/// Anything we can speak HTTP over.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

impl Endpoint {
    /// Parses `unix:///path`, `tcp://host:port`, `http://host:port` or a bare socket path.
    pub fn parse(url: &str) -> Result<Endpoint, EngineError> {
        let url = url.trim();
        let unsupported = |why: &str| EngineError::BadHost {
            host: url.to_string(),
            why: why.to_string(),
        };
        if let Some(path) = url.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(unsupported("the socket path is empty"));
            }
            return Ok(Endpoint::Unix(PathBuf::from(path)));
        }
        if url.starts_with('/') {
            return Ok(Endpoint::Unix(PathBuf::from(url)));
        }
        let rest = url
            .strip_prefix("tcp://")
            .or_else(|| url.strip_prefix("http://"));
        if let Some(rest) = rest {
            let authority = rest.split('/').next().unwrap_or_default();
            if authority.is_empty() {
                return Err(unsupported("no host name"));
            }
            let has_port = authority
                .rsplit_once(':')
                .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            let authority = if has_port {
                authority.to_string()
            } else {
                format!("{authority}:2375")
            };
            return Ok(Endpoint::Tcp(authority));
        }
        match url.split_once("://") {
            Some((scheme, _)) => Err(unsupported(&format!(
                "the {scheme}:// scheme is not supported yet (use unix:// or tcp://)"
            ))),
            None => Err(unsupported(
                "expected unix:///path/to/docker.sock or tcp://host:port",
            )),
        }
    }

    /// The host to use when nothing is configured: `DOCKER_HOST`, else the standard socket.
    pub fn from_env() -> Result<Endpoint, EngineError> {
        let tls = std::env::var("DOCKER_TLS_VERIFY").is_ok_and(|v| !v.is_empty() && v != "0");
        Endpoint::from_vars(std::env::var("DOCKER_HOST").ok().as_deref(), tls)
    }

    /// `from_env` on given values: `DOCKER_HOST` and whether `DOCKER_TLS_VERIFY` is set.
    pub fn from_vars(docker_host: Option<&str>, tls_verify: bool) -> Result<Endpoint, EngineError> {
        let endpoint = match docker_host {
            Some(host) if !host.trim().is_empty() => Endpoint::parse(host)?,
            _ => Endpoint::Unix(PathBuf::from(DEFAULT_SOCKET)),
        };
        // Speaking plain HTTP to a TLS port would fail with a confusing error later.
        if tls_verify && matches!(endpoint, Endpoint::Tcp(_)) {
            return Err(EngineError::BadHost {
                host: endpoint.to_string(),
                why: "DOCKER_TLS_VERIFY is set, but TLS connections are not supported yet; \
                      use the engine's unix socket (or an ssh tunnel to it)"
                    .into(),
            });
        }
        Ok(endpoint)
    }

    /// A context's TLS material on its host: a `tcp://` host then speaks TLS (as the docker
    /// CLI does when a context has TLS files or `SkipTLSVerify`); other hosts stay as they are.
    pub fn with_tls(self, settings: TlsSettings) -> Endpoint {
        match self {
            Endpoint::Tcp(address) => Endpoint::Tls { address, settings },
            other => other,
        }
    }

    pub async fn connect(&self) -> Result<Pin<Box<dyn Stream>>, EngineError> {
        let result: std::io::Result<Pin<Box<dyn Stream>>> = match self {
            Endpoint::Unix(path) => UnixStream::connect(path)
                .await
                .map(|s| Box::pin(s) as Pin<Box<dyn Stream>>),
            Endpoint::Tcp(address) => TcpStream::connect(address.as_str()).await.map(|s| {
                let _ = s.set_nodelay(true);
                Box::pin(s) as Pin<Box<dyn Stream>>
            }),
            // TODO(issue 7): the TLS and ssh transports.
            Endpoint::Tls { .. } | Endpoint::Ssh(_) => {
                Err(std::io::Error::other("this transport is not built yet"))
            }
        };
        result.map_err(|err| EngineError::from_connect(self, err))
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Unix(path) => write!(f, "unix://{}", path.display()),
            Endpoint::Tcp(address) | Endpoint::Tls { address, .. } => {
                write!(f, "tcp://{address}")
            }
            Endpoint::Ssh(SshTarget { user, host, port }) => {
                write!(f, "ssh://")?;
                if let Some(user) = user {
                    write!(f, "{user}@")?;
                }
                write!(f, "{host}")?;
                match port {
                    Some(port) => write!(f, ":{port}"),
                    None => Ok(()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_forms() {
        assert_eq!(
            Endpoint::parse("unix:///var/run/docker.sock").unwrap(),
            Endpoint::Unix("/var/run/docker.sock".into())
        );
        assert_eq!(
            Endpoint::parse("/tmp/d.sock").unwrap(),
            Endpoint::Unix("/tmp/d.sock".into())
        );
        assert_eq!(
            Endpoint::parse("tcp://127.0.0.1:2376").unwrap(),
            Endpoint::Tcp("127.0.0.1:2376".into())
        );
        assert_eq!(
            Endpoint::parse("tcp://localhost").unwrap(),
            Endpoint::Tcp("localhost:2375".into())
        );
        assert_eq!(
            Endpoint::parse("tcp://[::1]:2375").unwrap(),
            Endpoint::Tcp("[::1]:2375".into())
        );
    }

    #[test]
    fn rejects_what_it_cannot_speak_in_plain_words() {
        let err = Endpoint::parse("npipe:////./pipe/docker_engine").unwrap_err();
        assert!(
            err.to_string().contains("npipe:// scheme is not supported"),
            "{err}"
        );
        assert!(Endpoint::parse("unix://").is_err());
        assert!(Endpoint::parse("tcp://").is_err());
        assert!(Endpoint::parse("docker.sock").is_err());
    }

    #[test]
    fn display_round_trips() {
        for url in ["unix:///a/b.sock", "tcp://127.0.0.1:2375"] {
            assert_eq!(Endpoint::parse(url).unwrap().to_string(), url);
        }
    }

    #[test]
    fn tls_verify_with_a_tcp_host_is_refused_plainly() {
        let error = Endpoint::from_vars(Some("tcp://10.0.0.5:2376"), true).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("TLS connections are not supported yet")
        );
        // A unix socket needs no TLS; without DOCKER_HOST the standard socket is used.
        assert_eq!(
            Endpoint::from_vars(None, true).unwrap(),
            Endpoint::Unix(PathBuf::from(DEFAULT_SOCKET))
        );
        assert!(Endpoint::from_vars(Some("tcp://h:2375"), false).is_ok());
    }
}
