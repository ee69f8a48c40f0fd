//! Where the engine is: parsing `DOCKER_HOST`-style URLs and opening a byte stream to it.

use std::fmt;
use std::path::PathBuf;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};

use super::error::EngineError;
use super::ssh;
use super::tls;

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
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
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
    /// A name or an IP address (IPv6 without brackets).
    pub host: String,
    pub port: Option<u16>,
    /// The engine's socket on the remote host, when not its default (`ssh://h/run/d.sock`).
    pub path: Option<String>,
}

/// Anything we can speak HTTP over.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

impl Endpoint {
    /// Parses `unix:///path`, `tcp://host:port`, `http://host:port`,
    /// `ssh://[user@]host[:port][/socket]` or a bare socket path.
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
        if let Some(rest) = url.strip_prefix("ssh://") {
            return parse_ssh(rest)
                .map(Endpoint::Ssh)
                .map_err(|why| unsupported(&why));
        }
        match url.split_once("://") {
            Some((scheme, _)) => Err(unsupported(&format!(
                "the {scheme}:// scheme is not supported (use unix://, tcp:// or ssh://)"
            ))),
            None => Err(unsupported(
                "expected unix:///path/to/docker.sock or tcp://host:port",
            )),
        }
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
            Endpoint::Tcp(address) => {
                return Ok(Box::pin(tcp(self, address).await?));
            }
            // Their failures are their own kinds, already in plain words.
            Endpoint::Tls { address, settings } => {
                return tls::connect(self, address, settings).await;
            }
            Endpoint::Ssh(target) => return ssh::connect(self, target),
        };
        result.map_err(|err| EngineError::from_connect(self, err))
    }
}

/// A TCP connection to `address` for `endpoint` (plain, or under TLS), without Nagle's
/// delay: requests are small and answered at once.
pub(super) async fn tcp(endpoint: &Endpoint, address: &str) -> Result<TcpStream, EngineError> {
    let stream = TcpStream::connect(address)
        .await
        .map_err(|err| EngineError::from_connect(endpoint, err))?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// `[user@]host[:port][/socket]` after `ssh://`, as the docker CLI reads it.
fn parse_ssh(rest: &str) -> Result<SshTarget, String> {
    if rest.contains(['?', '#']) {
        return Err("an ssh:// address takes no query or fragment".into());
    }
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, ""),
    };
    let (user, host_port) = match authority.rsplit_once('@') {
        Some((user, host_port)) => (Some(user), host_port),
        None => (None, authority),
    };
    if let Some(user) = user {
        if user.contains(':') {
            return Err(
                "a password in the address is not supported (use a key, or ssh-agent)".into(),
            );
        }
        if user.is_empty() {
            return Err("the user name before @ is empty".into());
        }
    }
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or("an IPv6 address misses its closing ]")?;
        match after {
            "" => (host, None),
            _ => (
                host,
                Some(after.strip_prefix(':').ok_or("expected :port after ]")?),
            ),
        }
    } else {
        match host_port.split_once(':') {
            Some((_, port)) if port.contains(':') => {
                return Err("an IPv6 address needs brackets: ssh://[::1]:22".into());
            }
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err("no host name".into());
    }
    let plain = |text: &str| {
        !text.starts_with('-') && !text.chars().any(|c| c.is_whitespace() || c.is_control())
    };
    if !plain(host) || !user.is_none_or(plain) {
        return Err("the user or host name has spaces, control characters or a leading -".into());
    }
    let port = match port {
        None => None,
        Some(port) => match port.parse::<u16>() {
            Ok(port) if port > 0 => Some(port),
            _ => return Err(format!("{port:?} is not a port number")),
        },
    };
    let path = match path {
        "" | "/" => None,
        // It becomes part of the remote command line: only characters no shell reads.
        path if path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b)) =>
        {
            Some(path.to_string())
        }
        _ => return Err("the socket path may only have letters, digits and / . _ -".into()),
    };
    Ok(SshTarget {
        user: user.map(str::to_string),
        host: host.to_string(),
        port,
        path,
    })
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Unix(path) => write!(f, "unix://{}", path.display()),
            Endpoint::Tcp(address) | Endpoint::Tls { address, .. } => {
                write!(f, "tcp://{address}")
            }
            Endpoint::Ssh(SshTarget {
                user,
                host,
                port,
                path,
            }) => {
                write!(f, "ssh://")?;
                if let Some(user) = user {
                    write!(f, "{user}@")?;
                }
                if host.contains(':') {
                    write!(f, "[{host}]")?;
                } else {
                    write!(f, "{host}")?;
                }
                if let Some(port) = port {
                    write!(f, ":{port}")?;
                }
                write!(f, "{}", path.as_deref().unwrap_or_default())
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

    fn verified() -> TlsSettings {
        TlsSettings {
            ca: Some("/c/ca.pem".into()),
            verify: true,
            ..TlsSettings::default()
        }
    }

    #[test]
    fn tls_settings_make_a_tcp_host_speak_tls() {
        let with_tls = |url: &str| Endpoint::parse(url).unwrap().with_tls(verified());
        assert_eq!(
            with_tls("tcp://10.0.0.5:2376"),
            Endpoint::Tls {
                address: "10.0.0.5:2376".into(),
                settings: verified(),
            }
        );
        // A unix socket or ssh needs no TLS.
        assert_eq!(
            with_tls(&format!("unix://{DEFAULT_SOCKET}")),
            Endpoint::Unix(PathBuf::from(DEFAULT_SOCKET))
        );
        assert!(matches!(with_tls("ssh://h"), Endpoint::Ssh(_)));
        assert_eq!(
            Endpoint::parse("tcp://h:2375").unwrap(),
            Endpoint::Tcp("h:2375".into())
        );
        // The address shown (and the cache's key) stays the URL the user gave.
        assert_eq!(with_tls("tcp://h:2376").to_string(), "tcp://h:2376");
    }

    fn ssh(user: Option<&str>, host: &str, port: Option<u16>, path: Option<&str>) -> Endpoint {
        Endpoint::Ssh(SshTarget {
            user: user.map(str::to_string),
            host: host.to_string(),
            port,
            path: path.map(str::to_string),
        })
    }

    #[test]
    fn parses_ssh_addresses() {
        let cases = [
            ("ssh://host", ssh(None, "host", None, None)),
            ("ssh://me@host", ssh(Some("me"), "host", None, None)),
            (
                "ssh://me@host:2222",
                ssh(Some("me"), "host", Some(2222), None),
            ),
            ("ssh://10.1.2.3:22", ssh(None, "10.1.2.3", Some(22), None)),
            (
                "ssh://me@[::1]:2222",
                ssh(Some("me"), "::1", Some(2222), None),
            ),
            ("ssh://[fe80::1]", ssh(None, "fe80::1", None, None)),
            ("ssh://host/", ssh(None, "host", None, None)),
            (
                "ssh://me@host/run/user/1000/docker.sock",
                ssh(Some("me"), "host", None, Some("/run/user/1000/docker.sock")),
            ),
        ];
        for (url, want) in cases {
            assert_eq!(Endpoint::parse(url).unwrap(), want, "{url}");
        }
    }

    #[test]
    fn bad_ssh_addresses_are_refused_in_plain_words() {
        let says = |url: &str| Endpoint::parse(url).unwrap_err().to_string();
        assert!(says("ssh://me:secret@host").contains("password in the address is not supported"));
        assert!(says("ssh://::1").contains("needs brackets"));
        assert!(says("ssh://host:ssh").contains("\"ssh\" is not a port number"));
        assert!(says("ssh://host:0").contains("not a port number"));
        assert!(says("ssh://").contains("no host name"));
        assert!(says("ssh://@host").contains("user name before @ is empty"));
        assert!(says("ssh://-oProxyCommand=x").contains("leading -"));
        assert!(says("ssh://host?x=1").contains("no query"));
        assert!(says("ssh://host/a;rm -rf").contains("socket path"));
        assert!(says("ssh://[::1").contains("closing ]"));
    }

    #[test]
    fn ssh_addresses_display_as_given() {
        for url in [
            "ssh://host",
            "ssh://me@host:2222",
            "ssh://me@[::1]:2222",
            "ssh://h/run/d.sock",
        ] {
            assert_eq!(Endpoint::parse(url).unwrap().to_string(), url);
        }
    }
}
