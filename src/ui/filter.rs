//! The filter bar above the status bar: the query while it is typed or applied, how many
//! images it lets through, and why it does not parse.

use ratatui::text::{Line, Span};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use super::theme;
use crate::core::sanitize::sanitize;
use crate::core::state::AppState;

/// Whether the filter bar has a line: while a query is typed or applied.
pub fn shown(state: &AppState) -> bool {
    state.query.editing || !state.query.text.is_empty()
}

/// The bar's line, `None` when there is no query and no prompt.
pub fn line(state: &AppState, width: u16) -> Option<Line<'static>> {
    if !shown(state) {
        return None;
    }
    let query = &state.query;
    let counts = format!("  {} of {} shown", state.len(), state.totals().count);
    let hint = if query.editing {
        " · Enter keeps · Esc clears"
    } else {
        " · / edits · Esc clears"
    };
    let error = query
        .error
        .as_deref()
        .map(|e| format!("  ✗ {}", sanitize(e)));
    let label = if query.editing { " / " } else { " filter: " };
    // The query gets what the label, the caret and the counts leave; while typing, its end
    // (where the caret is) is what matters, so a long one loses its start.
    let fixed = label.width() + 1 + counts.width();
    let room = usize::from(width).saturating_sub(fixed);
    let mut spans = vec![
        Span::styled(label, theme::key()),
        Span::raw(tail(&sanitize(&query.text), room)),
    ];
    if query.editing {
        spans.push(Span::styled(" ", theme::selected()));
    }
    match error {
        Some(error) => spans.push(Span::styled(error, theme::error())),
        None => {
            spans.push(Span::styled(counts, theme::header()));
            spans.push(Span::styled(hint, theme::dim()));
        }
    }
    Some(Line::from(spans))
}

/// The last `width` columns of `text`, led by `…` when some were cut.
fn tail(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut kept: Vec<&str> = Vec::new();
    let mut used = 1; // the ellipsis
    for g in text.graphemes(true).rev() {
        if used + g.width() > width {
            break;
        }
        used += g.width();
        kept.push(g);
    }
    kept.reverse();
    if width == 0 {
        return String::new();
    }
    format!("…{}", kept.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_queries_keep_their_end() {
        assert_eq!(tail("nginx", 10), "nginx");
        assert_eq!(tail("abcdefghij", 5), "…ghij");
        assert_eq!(tail("漢字漢字", 5), "…漢字");
        assert_eq!(tail("abc", 0), "");
    }
}
