//! Which engine to talk to, decided as the docker CLI decides it, and how it was decided:
//! `--context`, else `--host`, else `DOCKER_HOST`, else `DOCKER_CONTEXT`, else config.json's
//! `currentContext`, else the `default` context. `default` means `DOCKER_HOST`, and where
//! the CLI would then try only `/var/run/docker.sock`, we look for a local socket
//! (`discover`). Giving both `--host` and `--context` is refused, as the CLI refuses it.

use std::fmt;
use std::path::{Path, PathBuf};

use super::discover::{self, Candidate, Places};
use super::store::{ContextStore, DEFAULT_CONTEXT, StoreError};
use crate::engine::endpoint::Endpoint;
use crate::engine::tls::TlsOptions;

/// Everything resolution reads from the outside, gathered once (`from_process`), so that
/// resolution itself is a function of its arguments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    /// `--host URL`.
    pub host_flag: Option<String>,
    /// `--context NAME`.
    pub context_flag: Option<String>,
    pub docker_host: Option<String>,
    pub docker_context: Option<String>,
    pub docker_config: Option<String>,
    /// TLS for a `tcp://` `--host`/`DOCKER_HOST`: `DOCKER_TLS_VERIFY`, `DOCKER_TLS`,
    /// `DOCKER_CERT_PATH`, with the `--tls*` flags over them (set by the caller).
    pub tls: TlsOptions,
    /// `HOME`, `XDG_RUNTIME_DIR`, `XDG_CONFIG_HOME`: where sockets and the store are.
    pub places: Places,
}

impl Environment {
    /// The flags given (TLS flags over the TLS variables), and the process's variables
    /// (empty ones count as unset).
    pub fn from_process(
        host_flag: Option<String>,
        context_flag: Option<String>,
        tls_flags: TlsOptions,
    ) -> Environment {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let path = |name: &str| var(name).map(PathBuf::from);
        Environment {
            host_flag,
            context_flag,
            docker_host: var("DOCKER_HOST"),
            docker_context: var("DOCKER_CONTEXT"),
            docker_config: var("DOCKER_CONFIG"),
            tls: TlsOptions::from_env().overridden_by(tls_flags),
            places: Places {
                home: path("HOME"),
                xdg_runtime_dir: path("XDG_RUNTIME_DIR"),
                xdg_config_home: path("XDG_CONFIG_HOME"),
                colima_home: path("COLIMA_HOME"),
            },
        }
    }

    /// The docker CLI's configuration directory (`$DOCKER_CONFIG`, else `~/.docker`).
    pub fn store(&self) -> Option<ContextStore> {
        ContextStore::locate(self.docker_config.as_deref(), self.places.home.as_deref())
    }
}

/// What named a context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContextFrom {
    Flag,
    Env,
    Config,
    /// Chosen in the running imgtui (the context picker).
    Picker,
}

impl ContextFrom {
    fn describe(self) -> &'static str {
        match self {
            ContextFrom::Flag => "--context",
            ContextFrom::Env => "DOCKER_CONTEXT",
            ContextFrom::Config => "config.json's currentContext",
            ContextFrom::Picker => "the picker",
        }
    }
}

/// How the engine was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    HostFlag,
    DockerHost,
    Context { name: String, from: ContextFrom },
    Found(Candidate),
}

impl Source {
    /// A few words for the status bar: `context dev`, `DOCKER_HOST`, `rootless Docker`.
    pub fn label(&self) -> String {
        match self {
            Source::HostFlag => "--host".into(),
            Source::DockerHost => "DOCKER_HOST".into(),
            Source::Context { name, .. } => format!("context {name}"),
            Source::Found(candidate) => candidate.kind.name().into(),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::HostFlag => write!(f, "--host"),
            Source::DockerHost => write!(f, "DOCKER_HOST"),
            Source::Context { name, from } => {
                write!(f, "context {name} (from {})", from.describe())
            }
            Source::Found(candidate) => write!(
                f,
                "found {} ({})",
                candidate.path.display(),
                candidate.kind.name()
            ),
        }
    }
}

/// The engine to talk to and how it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub endpoint: Endpoint,
    pub source: Source,
}

/// Why no engine could be chosen; each says what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocateError {
    HostAndContext,
    /// `--host` or `DOCKER_HOST` does not parse.
    BadHost {
        from: &'static str,
        why: String,
    },
    UnknownContext {
        name: String,
        from: ContextFrom,
        /// Where the contexts were looked for; `None` without HOME and DOCKER_CONFIG.
        store: Option<PathBuf>,
        known: Vec<String>,
    },
    /// config.json or a meta.json that cannot be read or parsed.
    BadFile(StoreError),
    /// The context exists but its endpoint cannot be used.
    UnusableContext {
        name: String,
        meta: PathBuf,
        why: String,
    },
    NothingFound {
        tried: Vec<Candidate>,
    },
}

impl fmt::Display for LocateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocateError::HostAndContext => write!(
                f,
                "--host and --context both name an engine; give only one of them"
            ),
            LocateError::BadHost { from, why } => write!(f, "{from}: {why}"),
            LocateError::UnknownContext {
                name,
                from,
                store,
                known,
            } => {
                write!(
                    f,
                    "there is no docker context named {name:?} (from {}",
                    from.describe()
                )?;
                if let Some(store) = store {
                    write!(f, ", looked for in {}", store.join("contexts").display())?;
                }
                write!(f, "); known contexts: {}", known.join(", "))
            }
            LocateError::BadFile(error) => write!(f, "cannot use {error}"),
            LocateError::UnusableContext { name, meta, why } => write!(
                f,
                "the docker context {name:?} ({}) cannot be used: {why}",
                meta.display()
            ),
            LocateError::NothingFound { tried } => {
                writeln!(
                    f,
                    "no engine found: none is configured (--host, --context, DOCKER_HOST, \
                     DOCKER_CONTEXT, a current docker context) and none of these sockets exists:"
                )?;
                for candidate in tried {
                    writeln!(f, "  {candidate}")?;
                }
                write!(
                    f,
                    "Start the engine, or name it: --host unix:///path/to/docker.sock, \
                     DOCKER_HOST, or a docker context (docker context use NAME)."
                )
            }
        }
    }
}

impl std::error::Error for LocateError {}

/// The engine the settings name, or the first local socket found. `is_socket` checks a
/// path (`discover::is_socket` outside tests).
pub fn locate(
    env: &Environment,
    is_socket: &dyn Fn(&Path) -> bool,
) -> Result<Located, LocateError> {
    if env.host_flag.is_some() && env.context_flag.is_some() {
        return Err(LocateError::HostAndContext);
    }
    let named = if let Some(name) = &env.context_flag {
        Some((name.clone(), ContextFrom::Flag))
    } else if env.host_flag.is_some() || env.docker_host.is_some() {
        // The `default` context, which takes them.
        None
    } else if let Some(name) = &env.docker_context {
        Some((name.clone(), ContextFrom::Env))
    } else {
        match env.store() {
            Some(store) => store
                .current_context()
                .map_err(LocateError::BadFile)?
                .map(|name| (name, ContextFrom::Config)),
            None => None,
        }
    };
    match named {
        Some((name, from)) if name != DEFAULT_CONTEXT => context(env, &name, from),
        _ => default_context(env, is_socket),
    }
}

/// The `default` context: `--host`, else `DOCKER_HOST`, else a local socket.
pub fn default_context(
    env: &Environment,
    is_socket: &dyn Fn(&Path) -> bool,
) -> Result<Located, LocateError> {
    if let Some(host) = &env.host_flag {
        return host_endpoint(host, "--host", env, Source::HostFlag);
    }
    if let Some(host) = &env.docker_host {
        return host_endpoint(host, "DOCKER_HOST", env, Source::DockerHost);
    }
    discover::discover(&env.places, is_socket)
        .map(socket)
        .map_err(|tried| LocateError::NothingFound { tried })
}

/// A named context from the store (`default` is not in it: see `default_context`).
pub fn context(env: &Environment, name: &str, from: ContextFrom) -> Result<Located, LocateError> {
    let store = env.store();
    let loaded = match &store {
        Some(store) => store.load(name).map_err(LocateError::BadFile)?,
        None => None,
    };
    let Some(context) = loaded else {
        let mut known = vec![DEFAULT_CONTEXT.to_string()];
        if let Some(store) = &store {
            known.extend(store.list().0.into_iter().map(|c| c.name));
        }
        return Err(LocateError::UnknownContext {
            name: name.to_string(),
            from,
            store: store.map(|s| s.dir().to_path_buf()),
            known,
        });
    };
    let endpoint = context
        .endpoint()
        .map_err(|why| LocateError::UnusableContext {
            name: name.to_string(),
            meta: context.meta.clone(),
            why,
        })?;
    Ok(Located {
        endpoint,
        source: Source::Context {
            name: name.to_string(),
            from,
        },
    })
}

/// A socket the discovery found (the picker offers them): no resolution needed.
pub fn socket(candidate: Candidate) -> Located {
    Located {
        endpoint: Endpoint::Unix(candidate.path.clone()),
        source: Source::Found(candidate),
    }
}

/// `--host`/`DOCKER_HOST`; a `tcp://` one speaks TLS when the TLS options ask for it (the
/// files default to `~/.docker`, the client certificate only where it exists).
fn host_endpoint(
    host: &str,
    from: &'static str,
    env: &Environment,
    source: Source,
) -> Result<Located, LocateError> {
    let bad = |why: String| LocateError::BadHost { from, why };
    let endpoint = Endpoint::parse(host).map_err(|e| bad(e.to_string()))?;
    let endpoint = match endpoint {
        Endpoint::Tcp(_) => {
            let home = env.places.home.as_deref();
            match env.tls.settings(home, |path| path.exists()).map_err(bad)? {
                Some(settings) => endpoint.with_tls(settings),
                None => endpoint,
            }
        }
        other => other,
    };
    Ok(Located { endpoint, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connect::store::tests::{temp_store, write_context, write_meta};

    const SOCKETS: &[&str] = &["/run/user/7/docker.sock"];

    fn sockets(path: &Path) -> bool {
        SOCKETS.iter().any(|s| Path::new(s) == path)
    }

    /// An environment whose store is `store`, with a rootless socket present.
    fn env(store: &ContextStore) -> Environment {
        Environment {
            docker_config: Some(store.dir().display().to_string()),
            places: Places {
                home: Some("/home/nobody-here".into()),
                xdg_runtime_dir: Some("/run/user/7".into()),
                ..Places::default()
            },
            ..Environment::default()
        }
    }

    fn store_with_contexts() -> ContextStore {
        let store = temp_store("resolve");
        write_context(&store, "flag", "unix:///flag.sock", "");
        write_context(&store, "envctx", "unix:///env.sock", "");
        write_context(&store, "current", "unix:///current.sock", "");
        std::fs::write(
            store.dir().join("config.json"),
            r#"{"currentContext":"current"}"#,
        )
        .unwrap();
        store
    }

    fn host_of(located: &Located) -> String {
        located.endpoint.to_string()
    }

    #[test]
    fn precedence_follows_the_docker_cli() {
        let store = store_with_contexts();
        let base = env(&store);
        let all = Environment {
            context_flag: Some("flag".into()),
            docker_host: Some("unix:///docker-host.sock".into()),
            docker_context: Some("envctx".into()),
            ..base.clone()
        };
        // (what is set, the endpoint, the source as printed)
        let cases: Vec<(Environment, &str, &str)> = vec![
            (
                all.clone(),
                "unix:///flag.sock",
                "context flag (from --context)",
            ),
            (
                Environment {
                    context_flag: None,
                    host_flag: Some("unix:///host-flag.sock".into()),
                    ..all.clone()
                },
                "unix:///host-flag.sock",
                "--host",
            ),
            (
                Environment {
                    context_flag: None,
                    ..all.clone()
                },
                "unix:///docker-host.sock",
                "DOCKER_HOST",
            ),
            (
                Environment {
                    context_flag: None,
                    docker_host: None,
                    ..all.clone()
                },
                "unix:///env.sock",
                "context envctx (from DOCKER_CONTEXT)",
            ),
            (
                base.clone(),
                "unix:///current.sock",
                "context current (from config.json's currentContext)",
            ),
            // The `default` context, by any route, means DOCKER_HOST or a found socket.
            (
                Environment {
                    context_flag: Some("default".into()),
                    docker_host: Some("unix:///docker-host.sock".into()),
                    ..base.clone()
                },
                "unix:///docker-host.sock",
                "DOCKER_HOST",
            ),
            (
                Environment {
                    docker_context: Some("default".into()),
                    ..base.clone()
                },
                "unix:///run/user/7/docker.sock",
                "found /run/user/7/docker.sock (rootless Docker)",
            ),
        ];
        for (env, host, source) in cases {
            let located = locate(&env, &sockets).unwrap();
            assert_eq!(host_of(&located), host, "{env:?}");
            assert_eq!(located.source.to_string(), source, "{env:?}");
        }
        let error = locate(
            &Environment {
                host_flag: Some("unix:///x.sock".into()),
                ..all
            },
            &sockets,
        )
        .unwrap_err();
        assert_eq!(error, LocateError::HostAndContext);
    }

    #[test]
    fn config_json_saying_default_or_nothing_means_discovery() {
        let store = temp_store("nothing");
        let located = locate(&env(&store), &sockets).unwrap();
        assert_eq!(located.source.label(), "rootless Docker");
        assert_eq!(
            located.endpoint,
            Endpoint::Unix("/run/user/7/docker.sock".into())
        );
        std::fs::write(
            store.dir().join("config.json"),
            r#"{"currentContext":"default"}"#,
        )
        .unwrap();
        assert_eq!(locate(&env(&store), &sockets).unwrap(), located);
    }

    #[test]
    fn an_unknown_context_lists_the_known_ones() {
        let store = store_with_contexts();
        let error = locate(
            &Environment {
                docker_context: Some("prod".into()),
                ..env(&store)
            },
            &sockets,
        )
        .unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with(
                "there is no docker context named \"prod\" (from DOCKER_CONTEXT, looked for in "
            ),
            "{text}"
        );
        assert!(
            text.ends_with("); known contexts: default, current, envctx, flag"),
            "{text}"
        );
    }

    #[test]
    fn broken_files_and_endpointless_contexts_are_explained() {
        let store = temp_store("broken-resolve");
        std::fs::write(store.dir().join("config.json"), "{\"currentContext\": 3}").unwrap();
        let text = locate(&env(&store), &sockets).unwrap_err().to_string();
        assert!(text.starts_with("cannot use "), "{text}");
        assert!(text.contains("config.json: not valid JSON"), "{text}");
        // DOCKER_HOST wins, so the broken config is never read.
        let with_host = Environment {
            docker_host: Some("unix:///h.sock".into()),
            ..env(&store)
        };
        assert_eq!(
            locate(&with_host, &sockets).unwrap().source,
            Source::DockerHost
        );

        write_meta(
            &store,
            "k8s",
            r#"{"Name":"k8s","Endpoints":{"kubernetes":{}}}"#,
        );
        let text = locate(
            &Environment {
                context_flag: Some("k8s".into()),
                ..env(&store)
            },
            &sockets,
        )
        .unwrap_err()
        .to_string();
        assert!(text.starts_with("the docker context \"k8s\" ("), "{text}");
        assert!(
            text.ends_with("cannot be used: it has no docker endpoint (Endpoints.docker.Host)"),
            "{text}"
        );

        write_context(&store, "pipe", "npipe:////./pipe/docker_engine", "");
        let text = locate(
            &Environment {
                context_flag: Some("pipe".into()),
                ..env(&store)
            },
            &sockets,
        )
        .unwrap_err()
        .to_string();
        assert!(text.contains("npipe:// scheme is not supported"), "{text}");
    }

    #[test]
    fn nothing_found_lists_every_place_tried_and_what_to_do() {
        let store = temp_store("none");
        let error = locate(&env(&store), &|_| false).unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("no engine found"), "{text}");
        for place in [
            "  /var/run/docker.sock (standard socket)",
            "  /run/user/7/docker.sock (rootless Docker)",
            "  /home/nobody-here/.docker/run/docker.sock (Docker Desktop)",
            "  /run/podman/podman.sock (Podman)",
        ] {
            assert!(text.contains(place), "{place} missing from:\n{text}");
        }
        assert!(
            text.contains("--host unix:///path/to/docker.sock, DOCKER_HOST, or a docker context")
        );
    }

    #[test]
    fn tls_options_make_a_tcp_host_speak_tls_and_leave_others_alone() {
        use crate::engine::endpoint::TlsSettings;
        let tls = TlsOptions {
            verify: true,
            cert_dir: Some("/certs".into()),
            ..TlsOptions::default()
        };
        let located = |docker_host: &str, tls: &TlsOptions| {
            let env = Environment {
                docker_host: Some(docker_host.into()),
                tls: tls.clone(),
                ..Environment::default()
            };
            locate(&env, &|_: &Path| false).unwrap().endpoint
        };
        // No client certificate on disk here: only the CA is named.
        assert_eq!(
            located("tcp://10.0.0.5:2376", &tls),
            Endpoint::Tls {
                address: "10.0.0.5:2376".into(),
                settings: TlsSettings {
                    ca: Some("/certs/ca.pem".into()),
                    verify: true,
                    ..TlsSettings::default()
                },
            }
        );
        assert!(matches!(located("ssh://me@h", &tls), Endpoint::Ssh(_)));
        assert_eq!(
            located("tcp://10.0.0.5:2375", &TlsOptions::default()),
            Endpoint::Tcp("10.0.0.5:2375".into())
        );
        // Verify with nowhere to find ca.pem is a mistake of the set-up, said before start.
        let nowhere = TlsOptions {
            verify: true,
            ..TlsOptions::default()
        };
        let env = Environment {
            docker_host: Some("tcp://h:2376".into()),
            tls: nowhere,
            ..Environment::default()
        };
        let error = locate(&env, &|_: &Path| false).unwrap_err().to_string();
        assert!(
            error.starts_with("DOCKER_HOST: ") && error.contains("ca.pem"),
            "{error}"
        );
    }

    #[test]
    fn a_bad_host_says_where_it_came_from() {
        let store = temp_store("badhost");
        let error = locate(
            &Environment {
                docker_host: Some("docker.sock".into()),
                ..env(&store)
            },
            &sockets,
        )
        .unwrap_err();
        assert!(error.to_string().starts_with("DOCKER_HOST: "), "{error}");
        let error = locate(
            &Environment {
                host_flag: Some("ftp://x".into()),
                ..env(&store)
            },
            &sockets,
        )
        .unwrap_err();
        assert!(error.to_string().starts_with("--host: "), "{error}");
    }
}
