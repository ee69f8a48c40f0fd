//! The top line: which engine this is. Product and version, the API version spoken, where
//! it keeps images, its OS/architecture and the address; before the first connection, the
//! address and "connecting".

use ratatui::text::{Line, Span};

use super::text::fit;
use super::theme;
use crate::core::sanitize::sanitize;
use crate::core::state::{AppState, EngineStatus};

const SEPARATOR: &str = " · ";

/// The header for a line `width` cells wide. Parts that do not fit are left out whole, the
/// least important first (address, OS/arch, API, storage); the product and version stay,
/// cut if they must be.
pub fn line(state: &AppState, width: u16) -> Line<'static> {
    let width = usize::from(width);
    let (first, rest) = parts(state);
    // `rest` is in order of importance; keep the longest prefix that fits.
    let mut kept = rest.len();
    while kept > 0 && total_width(&first, &rest[..kept]) > width {
        kept -= 1;
    }
    let first = fit(&format!(" {first}"), width).into_owned();
    let mut spans = vec![Span::styled(first, theme::header())];
    for part in &rest[..kept] {
        spans.push(Span::styled(SEPARATOR, theme::dim()));
        spans.push(Span::raw(part.clone()));
    }
    Line::from(spans)
}

/// The always-shown part, and the others from most to least important. Every engine
/// string is sanitized here.
fn parts(state: &AppState) -> (String, Vec<String>) {
    match &state.engine {
        EngineStatus::Connected(info) => {
            let mut first = sanitize(&info.product).into_owned();
            if !info.version.is_empty() {
                first.push(' ');
                first.push_str(&sanitize(&info.version));
            }
            let mut rest = Vec::new();
            if !info.storage.is_empty() {
                rest.push(sanitize(&info.storage).into_owned());
            }
            if !info.api_version.is_empty() {
                rest.push(format!("API {}", sanitize(&info.api_version)));
            }
            let platform: Vec<&str> = [info.os.as_str(), info.arch.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect();
            if !platform.is_empty() {
                rest.push(sanitize(&platform.join("/")).into_owned());
            }
            if !info.host.is_empty() {
                rest.push(sanitize(&info.host).into_owned());
            }
            (first, rest)
        }
        EngineStatus::Connecting { host, .. } => {
            (format!("connecting to {}", sanitize(host)), Vec::new())
        }
        EngineStatus::Unreachable { host, .. } => (
            "not connected".to_string(),
            vec![sanitize(host).into_owned()],
        ),
    }
}

fn total_width(first: &str, rest: &[String]) -> usize {
    let width = |s: &str| Span::raw(s).width();
    1 + width(first)
        + rest
            .iter()
            .map(|part| SEPARATOR.chars().count() + width(part))
            .sum::<usize>()
}
