//! Text helpers for drawing: engine strings are sanitized here, and long values are cut to
//! display width (wide and combining characters counted right).

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use ratatui::style::Style;
use ratatui::text::Span;

use crate::core::sanitize::sanitize;

/// The longest stretch of one value the detail pane will show (a label may be megabytes).
pub const MAX_VALUE_CHARS: usize = 4096;

/// Sanitized text, cut to `MAX_VALUE_CHARS` with a note of what was left out.
pub fn safe(text: &str) -> Cow<'_, str> {
    if text.len() <= MAX_VALUE_CHARS {
        return sanitize(text);
    }
    let cut = text
        .char_indices()
        .nth(MAX_VALUE_CHARS)
        .map_or(text.len(), |(i, _)| i);
    let rest = text.len() - cut;
    Cow::Owned(format!("{}… ({rest} more bytes)", sanitize(&text[..cut])))
}

/// `text` sanitized and cut to `width` columns like `fit`, with the characters at
/// `positions` (char indices into the raw `text`, ascending, as the filter reports them)
/// drawn in `style`. An escaped character is highlighted whole.
pub fn highlighted(
    text: &str,
    positions: &[u32],
    width: usize,
    style: Style,
) -> Vec<Span<'static>> {
    let mut pieces: Vec<(String, bool)> = Vec::new();
    let mut buf = [0u8; 4];
    for (index, c) in text.chars().enumerate() {
        let hit = positions.binary_search(&(index as u32)).is_ok();
        let shown = sanitize(c.encode_utf8(&mut buf));
        match pieces.last_mut() {
            Some((piece, was_hit)) if *was_hit == hit => piece.push_str(&shown),
            _ => pieces.push((shown.into_owned(), hit)),
        }
    }
    let whole: String = pieces.iter().map(|(p, _)| p.as_str()).collect();
    let cut = fit(&whole, width);
    let mut spans = Vec::new();
    // `fit` keeps a prefix (plus `…` when it cut): take that many chars of the pieces.
    let mut keep = match &cut {
        Cow::Borrowed(_) => usize::MAX,
        Cow::Owned(cut) => cut.chars().count().saturating_sub(usize::from(width > 0)),
    };
    for (piece, hit) in pieces {
        if keep == 0 {
            break;
        }
        let taken: String = piece.chars().take(keep).collect();
        keep = keep.saturating_sub(taken.chars().count());
        spans.push(if hit {
            Span::styled(taken, style)
        } else {
            Span::raw(taken)
        });
    }
    if matches!(cut, Cow::Owned(_)) && width > 0 {
        spans.push(Span::raw("…"));
    }
    spans
}

/// `text` cut to `width` columns, ending in `…` when something was cut.
pub fn fit(text: &str, width: usize) -> Cow<'_, str> {
    if text.width() <= width {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut used = 0;
    for g in text.graphemes(true) {
        let w = g.width();
        if used + w + 1 > width {
            break;
        }
        out.push_str(g);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    Cow::Owned(out)
}

/// Splits `text` into pieces of at most `width` columns. Measured per grapheme cluster, as
/// the terminal draws them ("❤️" is a heart and a variation selector, two columns).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for g in text.graphemes(true) {
        let w = g.width();
        if used + w > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        line.push_str(g);
        used += w;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Splits prose into lines of at most `width` columns, between words where it can.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let needed = if line.is_empty() {
            word.width()
        } else {
            line.width() + 1 + word.width()
        };
        if needed <= width {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut pieces = wrap(word, width);
        line = pieces.pop().unwrap_or_default();
        lines.extend(pieces);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(spans: &[Span]) -> (String, String) {
        let text = spans.iter().map(|s| s.content.as_ref()).collect();
        let hits = spans
            .iter()
            .filter(|s| s.style != Style::default())
            .map(|s| s.content.as_ref())
            .collect::<Vec<_>>()
            .join("|");
        (text, hits)
    }

    #[test]
    fn highlights_follow_escapes_and_cuts() {
        let style = Style::new().bold();
        let spans = highlighted("nginx:1.25", &[0, 1, 6], 80, style);
        assert_eq!(render(&spans), ("nginx:1.25".into(), "ng|1".into()));
        // An escape is highlighted whole and shifts nothing after it.
        let spans = highlighted("a\u{1b}b", &[], 80, style);
        assert_eq!(render(&spans).0, "a\\x1bb");
        let spans = highlighted("a\x1bb", &[1, 2], 80, style);
        assert_eq!(render(&spans), ("a\\x1bb".into(), "\\x1bb".into()));
        // Cut to width: the highlight stops where the text does, and the ellipsis is plain.
        let spans = highlighted("abcdefgh", &[4, 5, 6], 6, style);
        assert_eq!(render(&spans), ("abcde…".into(), "e".into()));
        assert_eq!(render(&highlighted("abc", &[0], 0, style)).0, "");
    }

    #[test]
    fn fit_cuts_with_an_ellipsis_by_width() {
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("imgtui-test/busybox:latest", 10), "imgtui-te…");
        assert_eq!(fit("漢字漢字", 5), "漢字…");
        assert_eq!(fit("abc", 0), "");
        assert!(fit("🦀🦀🦀🦀", 5).width() <= 5);
        assert_eq!(fit("❤️❤️❤️", 5), "❤️❤️…");
    }

    #[test]
    fn wrap_respects_display_width() {
        assert_eq!(wrap("abcdef", 4), ["abcd", "ef"]);
        assert_eq!(wrap("漢字漢字", 5), ["漢字", "漢字"]);
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(wrap("ab", 0), ["a", "b"]);
        for line in wrap("🦀🦀🦀x漢", 3) {
            assert!(line.width() <= 3);
        }
    }

    #[test]
    fn wrap_words_breaks_between_words() {
        assert_eq!(
            wrap_words("one two three four", 9),
            ["one two", "three", "four"]
        );
        assert_eq!(wrap_words("abcdefghij k", 4), ["abcd", "efgh", "ij k"]);
        assert_eq!(wrap_words("", 4), [""]);
        for line in wrap_words("漢字漢字 🦀🦀 x", 3) {
            assert!(line.width() <= 3, "{line}");
        }
    }

    #[test]
    fn safe_cuts_huge_values_and_escapes() {
        let huge = "x".repeat(1_000_000);
        let shown = safe(&huge);
        assert!(shown.len() < 5000);
        assert!(shown.ends_with("(995904 more bytes)"));
        assert_eq!(safe("\u{1b}[2J"), "\\x1b[2J");
    }
}
