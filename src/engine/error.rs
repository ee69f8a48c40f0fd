//! Engine failures, in words a user can act on. `Display` is what the status bar shows.

use std::fmt;
use std::io;

use super::endpoint::Endpoint;

#[derive(Debug)]
pub enum EngineError {
    BadHost {
        host: String,
        why: String,
    },
    SocketMissing {
        host: String,
    },
    PermissionDenied {
        host: String,
    },
    Refused {
        host: String,
    },
    Connect {
        host: String,
        err: io::Error,
    },
    /// The TLS handshake (or the TLS material for it) failed; `why` says what to fix.
    Tls {
        host: String,
        why: String,
    },
    /// Plain HTTP reached a port that speaks TLS (the engine said so with a 400).
    NeedsTls {
        host: String,
    },
    /// `ssh … docker system dial-stdio` failed; `why` is what ssh or the remote shell said.
    Ssh {
        host: String,
        why: String,
    },
    Timeout {
        what: String,
        secs: u64,
    },
    /// The connection broke mid-request.
    Io {
        what: String,
        err: String,
    },
    /// The engine answered with an error status.
    Status {
        status: u16,
        message: String,
    },
    /// The engine answered something we cannot read.
    BadResponse {
        what: String,
        why: String,
    },
    TooLarge {
        what: String,
        limit: usize,
    },
    UnsupportedApi {
        version: String,
    },
    /// The engine's oldest API is newer than the newest imgtui speaks.
    ApiTooNew {
        minimum: String,
        ours: String,
    },
}

impl EngineError {
    pub fn from_connect(endpoint: &Endpoint, err: io::Error) -> Self {
        let host = endpoint.to_string();
        match err.kind() {
            io::ErrorKind::NotFound => EngineError::SocketMissing { host },
            io::ErrorKind::PermissionDenied => EngineError::PermissionDenied { host },
            io::ErrorKind::ConnectionRefused => EngineError::Refused { host },
            _ => EngineError::Connect { host, err },
        }
    }

    /// Whether the engine itself is out of reach (as opposed to one request failing).
    pub fn is_connection_problem(&self) -> bool {
        matches!(
            self,
            EngineError::SocketMissing { .. }
                | EngineError::PermissionDenied { .. }
                | EngineError::Refused { .. }
                | EngineError::Connect { .. }
                | EngineError::Tls { .. }
                | EngineError::NeedsTls { .. }
                | EngineError::Ssh { .. }
                | EngineError::Io { .. }
                | EngineError::Timeout { .. }
        )
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, EngineError::Status { status: 404, .. })
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::BadHost { host, why } => {
                write!(f, "cannot use engine address {host}: {why}")
            }
            EngineError::SocketMissing { host } => write!(
                f,
                "no engine at {host}: the socket does not exist (is Docker running? set DOCKER_HOST or --host)"
            ),
            EngineError::PermissionDenied { host } => write!(
                f,
                "permission denied on {host}: add your user to the docker group (then log in again) or use a rootless engine's socket"
            ),
            EngineError::Refused { host } => {
                write!(f, "connection refused at {host}: the engine is not running")
            }
            EngineError::Connect { host, err } => write!(f, "cannot connect to {host}: {err}"),
            EngineError::Tls { host, why } => write!(f, "TLS with {host} failed: {why}"),
            EngineError::NeedsTls { host } => write!(
                f,
                "the engine at {host} speaks TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH \
                 (or pass --tlsverify)"
            ),
            EngineError::Ssh { host, why } => write!(f, "ssh to {host} failed: {why}"),
            EngineError::Timeout { what, secs } => {
                write!(f, "the engine did not answer {what} within {secs} s")
            }
            EngineError::Io { what, err } => write!(f, "connection lost during {what}: {err}"),
            EngineError::Status { status, message } => {
                let message = message.trim();
                if message.is_empty() {
                    write!(f, "the engine answered HTTP {status}")
                } else {
                    write!(f, "the engine answered HTTP {status}: {message}")
                }
            }
            EngineError::BadResponse { what, why } => {
                write!(f, "unreadable answer to {what}: {why}")
            }
            EngineError::TooLarge { what, limit } => write!(
                f,
                "the answer to {what} is larger than {} MB; refusing to read it",
                limit / 1_000_000
            ),
            EngineError::UnsupportedApi { version } => write!(
                f,
                "the engine speaks API {version}, older than 1.24 which imgtui needs"
            ),
            EngineError::ApiTooNew { minimum, ours } => write!(
                f,
                "the engine needs API {minimum} or newer, but this imgtui speaks at most {ours}: \
                 update imgtui"
            ),
        }
    }
}

impl std::error::Error for EngineError {}

/// A transport's own failure (TLS, ssh) on its way through hyper, which only carries
/// `io::Error`s: the stream wraps it, `EngineError::carried` unwraps it at the other end, so
/// the user reads "ssh to … failed: Permission denied" rather than "connection closed".
#[derive(Debug)]
pub struct Carried(pub EngineError);

impl Carried {
    pub fn into_io(error: EngineError) -> io::Error {
        io::Error::other(Carried(error))
    }
}

impl fmt::Display for Carried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Carried {}

impl EngineError {
    /// The transport failure somewhere in `error`'s chain, if there is one. `io::Error`
    /// hides what it wraps from `source()`, so each link is also looked into.
    pub fn carried(error: &(dyn std::error::Error + 'static)) -> Option<EngineError> {
        let mut link = Some(error);
        while let Some(error) = link {
            if let Some(Carried(found)) = error.downcast_ref::<Carried>() {
                return Some(found.copy_transport());
            }
            link = match error.downcast_ref::<io::Error>() {
                Some(io) => io
                    .get_ref()
                    .map(|inner| inner as &(dyn std::error::Error + 'static)),
                None => error.source(),
            };
        }
        None
    }

    /// A copy of a transport failure (the only kinds `Carried` holds in practice).
    fn copy_transport(&self) -> EngineError {
        match self {
            EngineError::Tls { host, why } => EngineError::Tls {
                host: host.clone(),
                why: why.clone(),
            },
            EngineError::Ssh { host, why } => EngineError::Ssh {
                host: host.clone(),
                why: why.clone(),
            },
            other => EngineError::Io {
                what: "a request".into(),
                err: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect_error(kind: io::ErrorKind) -> String {
        let endpoint = Endpoint::parse("unix:///run/docker.sock").unwrap();
        EngineError::from_connect(&endpoint, io::Error::from(kind)).to_string()
    }

    #[test]
    fn connection_failures_say_what_to_do() {
        assert_eq!(
            connect_error(io::ErrorKind::NotFound),
            "no engine at unix:///run/docker.sock: the socket does not exist (is Docker running? \
             set DOCKER_HOST or --host)"
        );
        let denied = connect_error(io::ErrorKind::PermissionDenied);
        assert!(denied.starts_with("permission denied on unix:///run/docker.sock"));
        assert!(denied.contains("docker group") && denied.contains("rootless"));
        assert_eq!(
            connect_error(io::ErrorKind::ConnectionRefused),
            "connection refused at unix:///run/docker.sock: the engine is not running"
        );
    }

    #[test]
    fn transport_failures_survive_the_trip_through_io_errors() {
        let ssh = EngineError::Ssh {
            host: "me@h".into(),
            why: "me@h: Permission denied (publickey).".into(),
        };
        let once = Carried::into_io(ssh);
        // hyper wraps the stream's error once more; io::Error hides it from source().
        let twice = io::Error::new(io::ErrorKind::BrokenPipe, once);
        let found = EngineError::carried(&twice).expect("found through two io::Errors");
        assert_eq!(
            found.to_string(),
            "ssh to me@h failed: me@h: Permission denied (publickey)."
        );
        assert!(found.is_connection_problem());
        assert!(EngineError::carried(&io::Error::other("plain")).is_none());
    }

    #[test]
    fn tls_failures_say_what_to_set() {
        let needs = EngineError::NeedsTls {
            host: "tcp://h:2376".into(),
        };
        assert_eq!(
            needs.to_string(),
            "the engine at tcp://h:2376 speaks TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH \
             (or pass --tlsverify)"
        );
        let tls = EngineError::Tls {
            host: "tcp://h:2376".into(),
            why: "the engine's certificate has expired".into(),
        };
        assert_eq!(
            tls.to_string(),
            "TLS with tcp://h:2376 failed: the engine's certificate has expired"
        );
        assert!(needs.is_connection_problem() && tls.is_connection_problem());
    }

    #[test]
    fn messages_are_sentences_not_debug_output() {
        let errors = [
            EngineError::Timeout {
                what: "GET /images/json".into(),
                secs: 900,
            },
            EngineError::Status {
                status: 500,
                message: " ".into(),
            },
            EngineError::TooLarge {
                what: "GET /images/json".into(),
                limit: 1 << 30,
            },
            EngineError::UnsupportedApi {
                version: "1.18".into(),
            },
        ];
        let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "the engine did not answer GET /images/json within 900 s",
                "the engine answered HTTP 500",
                "the answer to GET /images/json is larger than 1073 MB; refusing to read it",
                "the engine speaks API 1.18, older than 1.24 which imgtui needs",
            ]
        );
        for text in texts {
            assert!(!text.contains('{') && !text.contains("Error"), "{text}");
        }
    }
}
