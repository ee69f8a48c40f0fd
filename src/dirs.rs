//! Where imgtui keeps per-user files: `$XDG_…_HOME/imgtui`, else the XDG default under
//! `$HOME`.

use std::path::PathBuf;

/// `$<var>/imgtui`, else `$HOME/<fallback>/imgtui` (e.g. `XDG_CACHE_HOME`, `.cache`); `None`
/// when neither is set.
pub fn user_dir(var: &str, fallback: &str) -> Option<PathBuf> {
    let base = std::env::var_os(var)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|d| !d.is_empty())
                .map(|h| PathBuf::from(h).join(fallback))
        })?;
    Some(base.join("imgtui"))
}
