//! Logs go to a file, never to the screen (the TUI owns it). Off unless asked for: with
//! `--log-file PATH`, or with `RUST_LOG` set (then to the default file in the state dir).
//! `RUST_LOG` sets what is logged (`imgtui=debug`, `debug`); the default is `imgtui=info`.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use tracing_subscriber::EnvFilter;

/// What gets logged when `RUST_LOG` says nothing.
const DEFAULT_DIRECTIVES: &str = "imgtui=info";

/// `$XDG_STATE_HOME/imgtui/imgtui.log`, else `~/.local/state/imgtui/imgtui.log`.
pub fn default_path() -> Option<PathBuf> {
    Some(crate::dirs::user_dir("XDG_STATE_HOME", ".local/state")?.join("imgtui.log"))
}

/// Where to log: `--log-file` if given, else the default file when `RUST_LOG` is set, else
/// nowhere.
pub fn chosen_path(log_file: Option<&Path>, rust_log: Option<&str>) -> Option<PathBuf> {
    match (log_file, rust_log) {
        (Some(path), _) => Some(path.to_path_buf()),
        (None, Some(directives)) if !directives.trim().is_empty() => default_path(),
        _ => None,
    }
}

/// Starts logging to `path` (appending; created 0600, since image names and labels can be
/// private). Returns an error naming the file when it cannot be opened or `RUST_LOG` does
/// not parse: asking for logs and silently getting none would be worse.
pub fn init(path: &Path, rust_log: Option<&str>) -> Result<()> {
    let directives = rust_log
        .filter(|d| !d.trim().is_empty())
        .unwrap_or(DEFAULT_DIRECTIVES);
    let filter = EnvFilter::builder()
        .parse(directives)
        .with_context(|| format!("RUST_LOG={directives:?} does not parse"))?;
    let file =
        open(path).with_context(|| format!("cannot open the log file {}", path.display()))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot start logging: {e}"))?;
    Ok(())
}

fn open(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_only_when_asked_and_the_flag_wins() {
        assert_eq!(chosen_path(None, None), None);
        assert_eq!(chosen_path(None, Some("  ")), None);
        let flag = Path::new("/tmp/x.log");
        assert_eq!(chosen_path(Some(flag), None), Some(flag.to_path_buf()));
        assert_eq!(
            chosen_path(Some(flag), Some("debug")),
            Some(flag.to_path_buf())
        );
        // RUST_LOG alone logs to the default file (when a home is known).
        assert_eq!(chosen_path(None, Some("debug")), default_path());
    }
}
