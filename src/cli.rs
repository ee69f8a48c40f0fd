//! Command-line options.

use clap::Parser;

use crate::core::sort::{Sort, SortKey};

#[derive(Debug, Parser)]
#[command(
    name = "imgtui",
    version,
    about = "Browse and clean up container images"
)]
pub struct Cli {
    /// Engine address (unix:///path/to/docker.sock or tcp://host:port); default: $DOCKER_HOST,
    /// else unix:///var/run/docker.sock.
    #[arg(long, value_name = "URL")]
    pub host: Option<String>,

    /// Initial sort order.
    #[arg(long, value_name = "KEY", default_value = "size", value_parser = parse_sort_key)]
    pub sort: SortKey,

    /// Disable every key that deletes, untags or prunes (shown in the status bar).
    #[arg(long)]
    pub read_only: bool,

    /// Start with the sort order reversed.
    #[arg(long)]
    pub reverse: bool,

    /// Neither show nor save the last list (kept per engine in $XDG_CACHE_HOME/imgtui).
    #[arg(long)]
    pub no_cache: bool,
}

impl Cli {
    pub fn initial_sort(&self) -> Sort {
        Sort {
            key: self.sort,
            reversed: self.reverse,
        }
    }
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
            cli.initial_sort(),
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
        assert_eq!(cli.initial_sort(), Sort::default());
    }
}
