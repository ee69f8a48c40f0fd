//! Command-line options.

use clap::{Parser, Subcommand};
use clap_complete::Shell;

use crate::core::filter::Filter;
use crate::core::sort::{Sort, SortKey};
use crate::engine::tls::TlsOptions;
use crate::listing::Format;

#[derive(Debug, Parser)]
#[command(
    name = "imgtui",
    version,
    about = "Browse and clean up container images"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Engine address (unix:///path/to/docker.sock, tcp://host:port or
    /// ssh://[user@]host[:port]). Without it and
    /// --context: $DOCKER_HOST, else $DOCKER_CONTEXT, else the docker CLI's current context,
    /// else the first local socket found (see --print-engine).
    #[arg(long, value_name = "URL", global = true)]
    pub host: Option<String>,

    /// Use this docker context (as `docker --context`; `docker context ls` lists them).
    #[arg(long, value_name = "NAME", global = true)]
    pub context: Option<String>,

    /// Speak TLS to a tcp:// engine without checking its certificate (encrypted, but the
    /// engine is not authenticated); like DOCKER_TLS.
    #[arg(long, global = true)]
    pub tls: bool,

    /// Speak TLS to a tcp:// engine and check its certificate against the CA; like
    /// DOCKER_TLS_VERIFY. Files from DOCKER_CERT_PATH (default ~/.docker).
    #[arg(long, global = true)]
    pub tlsverify: bool,

    /// The CA certificate that signed the engine's (default: ca.pem in DOCKER_CERT_PATH).
    #[arg(long, value_name = "FILE", global = true)]
    pub tlscacert: Option<std::path::PathBuf>,

    /// The client certificate (default: cert.pem in DOCKER_CERT_PATH, if there).
    #[arg(long, value_name = "FILE", global = true)]
    pub tlscert: Option<std::path::PathBuf>,

    /// The client certificate's key (default: key.pem in DOCKER_CERT_PATH, if there).
    #[arg(long, value_name = "FILE", global = true)]
    pub tlskey: Option<std::path::PathBuf>,

    /// Initial sort order (default: the config's general.sort, else size).
    #[arg(long, value_name = "KEY", value_parser = parse_sort_key, global = true)]
    pub sort: Option<SortKey>,

    /// Disable every key that deletes, untags or prunes (shown in the status bar).
    #[arg(long)]
    pub read_only: bool,

    /// Start with the sort order reversed.
    #[arg(long, global = true)]
    pub reverse: bool,

    /// Start with this filter, as typed after `/` (e.g. "nginx", "dangling", "size>1GB
    /// !label=keep").
    #[arg(long, value_name = "QUERY", default_value = "", value_parser = parse_filter, global = true)]
    pub filter: String,

    /// Neither show nor save the last list (kept per engine in $XDG_CACHE_HOME/imgtui).
    #[arg(long)]
    pub no_cache: bool,

    /// Write a log to FILE (appending). Without it, RUST_LOG alone logs to
    /// $XDG_STATE_HOME/imgtui/imgtui.log. RUST_LOG sets the detail (default imgtui=info).
    #[arg(long, value_name = "FILE", global = true)]
    pub log_file: Option<std::path::PathBuf>,
    /// Leave the mouse to the terminal (text selection) instead of wheel, click and header
    /// sorting.
    #[arg(long)]
    pub no_mouse: bool,

    /// Read the config from FILE instead of $XDG_CONFIG_HOME/imgtui/config.toml.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<std::path::PathBuf>,

    /// Print the path of the config file in use and exit.
    #[arg(long)]
    pub print_config_path: bool,

    /// Print the default config (every key, commented) and exit.
    #[arg(long)]
    pub print_default_config: bool,

    /// Print the engine imgtui would connect to and how it was found, and exit.
    #[arg(long)]
    pub print_engine: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the images, sorted and filtered as the TUI would show them, and exit.
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Print a completion script for SHELL (bash, zsh, fish, elvish, powershell).
    Completions { shell: Shell },
}

impl Cli {
    /// The TLS flags, to lay over the environment's `TlsOptions`.
    pub fn tls_options(&self) -> TlsOptions {
        TlsOptions {
            tls: self.tls,
            verify: self.tlsverify,
            cert_dir: None,
            ca: self.tlscacert.clone(),
            cert: self.tlscert.clone(),
            key: self.tlskey.clone(),
        }
    }

    /// The flags over the config's sort: `--sort` replaces its key, `--reverse` reverses.
    pub fn sort_over(&self, config: Sort) -> Sort {
        Sort {
            key: self.sort.unwrap_or(config.key),
            reversed: self.reverse || config.reversed,
        }
    }
}

/// Refuses a query that does not parse, with the filter's own message.
fn parse_filter(text: &str) -> Result<String, String> {
    Filter::parse(text)
        .map(|_| text.to_string())
        .map_err(|e| e.to_string())
}

fn parse_sort_key(text: &str) -> Result<SortKey, String> {
    SortKey::parse(text).ok_or_else(|| {
        let names: Vec<&str> = SortKey::ALL.iter().map(|k| k.name()).collect();
        format!("expected one of: {}", names.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sort_and_reverse() {
        let cli = Cli::try_parse_from(["imgtui", "--sort", "created", "--reverse"]).unwrap();
        assert_eq!(
            cli.sort_over(Sort::default()),
            Sort {
                key: SortKey::Created,
                reversed: true
            }
        );
        assert!(Cli::try_parse_from(["imgtui", "--sort", "colour"]).is_err());
        assert!(
            Cli::try_parse_from(["imgtui", "--read-only"])
                .unwrap()
                .read_only
        );
        let cli = Cli::try_parse_from(["imgtui", "--host", "unix:///x.sock"]).unwrap();
        assert_eq!(cli.host.as_deref(), Some("unix:///x.sock"));
        assert_eq!(cli.sort_over(Sort::default()), Sort::default());
    }

    #[test]
    fn flags_win_over_the_configs_sort() {
        let config = Sort {
            key: SortKey::Name,
            reversed: true,
        };
        let cli = Cli::try_parse_from(["imgtui"]).unwrap();
        assert_eq!(cli.sort_over(config), config);
        let cli = Cli::try_parse_from(["imgtui", "--sort", "created"]).unwrap();
        assert_eq!(cli.sort_over(config).key, SortKey::Created);
        let cli = Cli::try_parse_from(["imgtui", "--reverse"]).unwrap();
        assert!(cli.sort_over(Sort::default()).reversed);
        let cli = Cli::try_parse_from(["imgtui", "--config", "/x.toml", "list"]).unwrap();
        assert_eq!(cli.config.as_deref(), Some(std::path::Path::new("/x.toml")));
    }

    #[test]
    fn tls_flags_are_read_like_the_docker_clis() {
        let cli = Cli::try_parse_from([
            "imgtui",
            "list",
            "--tlsverify",
            "--tlscacert",
            "/c/ca.pem",
            "--tlskey",
            "/c/k.pem",
        ])
        .unwrap();
        let options = cli.tls_options();
        assert!(options.verify && !options.tls);
        assert_eq!(
            options.ca.as_deref(),
            Some(std::path::Path::new("/c/ca.pem"))
        );
        assert_eq!(
            options.key.as_deref(),
            Some(std::path::Path::new("/c/k.pem"))
        );
        assert_eq!(options.cert, None);
        assert!(Cli::try_parse_from(["imgtui", "--tls"]).unwrap().tls);
    }

    #[test]
    fn context_and_print_engine_parse_anywhere() {
        let cli = Cli::try_parse_from(["imgtui", "--context", "dev", "--print-engine"]).unwrap();
        assert_eq!(cli.context.as_deref(), Some("dev"));
        assert!(cli.print_engine);
        let cli = Cli::try_parse_from(["imgtui", "list", "--context", "prod"]).unwrap();
        assert_eq!(cli.context.as_deref(), Some("prod"));
        assert!(!cli.print_engine);
        assert!(Cli::try_parse_from(["imgtui", "--context"]).is_err());
    }

    #[test]
    fn no_mouse_turns_the_mouse_off() {
        assert!(!Cli::try_parse_from(["imgtui"]).unwrap().no_mouse);
        assert!(
            Cli::try_parse_from(["imgtui", "--no-mouse"])
                .unwrap()
                .no_mouse
        );
        assert!(Cli::try_parse_from(["imgtui", "--no-mouse=yes"]).is_err());
    }

    #[test]
    fn a_filter_that_does_not_parse_is_refused_with_the_reason() {
        let cli = Cli::try_parse_from(["imgtui", "--filter", "dangling size>1GB"]).unwrap();
        assert_eq!(cli.filter, "dangling size>1GB");
        let err = Cli::try_parse_from(["imgtui", "--filter", "size>"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("size>"), "{err}");
        assert_eq!(Cli::try_parse_from(["imgtui"]).unwrap().filter, "");
    }

    #[test]
    fn list_takes_the_same_view_options_before_or_after_it() {
        for args in [
            &[
                "imgtui", "list", "--sort", "name", "--filter", "dangling", "--format", "json",
            ][..],
            &[
                "imgtui", "--sort", "name", "--filter", "dangling", "list", "--format", "json",
            ],
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            assert!(matches!(
                cli.command,
                Some(Command::List {
                    format: Format::Json
                })
            ));
            assert_eq!(cli.sort_over(Sort::default()).key, SortKey::Name);
            assert_eq!(cli.filter, "dangling");
        }
        let cli = Cli::try_parse_from(["imgtui", "list"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::List {
                format: Format::Table
            })
        ));
        assert!(Cli::try_parse_from(["imgtui", "list", "--format", "xml"]).is_err());
        assert!(Cli::try_parse_from(["imgtui", "completions", "fish"]).is_ok());
        assert!(Cli::try_parse_from(["imgtui", "completions", "tcsh"]).is_err());
    }
}
