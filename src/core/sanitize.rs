//! Strings from the engine are written by whoever built the image. Before any of them reaches
//! the terminal, every character that could steer it (C0/C1 controls, DEL, which start escape
//! sequences or move the cursor) or reorder or hide text (bidi overrides, zero-width
//! characters) is replaced by a visible escape such as `\x1b` or `\u{202e}`.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not be written to a terminal as it is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() // C0, DEL and C1 (U+0080..=U+009F)
        || matches!(c,
            '\u{061C}'                // Arabic letter mark
            | '\u{200B}'..='\u{200F}' // zero-width space/joiners, LRM, RLM
            | '\u{2028}' | '\u{2029}' // line and paragraph separators
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{FEFF}'              // zero-width no-break space
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations
        )
}

/// The text with every unsafe character shown as an escape. Borrows when nothing needs
/// escaping, which is the common case.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn escape_into(out: &mut String, c: char) {
    let _ = match c {
        '\n' => write!(out, "\\n"),
        '\r' => write!(out, "\\r"),
        '\t' => write!(out, "\\t"),
        c if (c as u32) < 0x100 => write!(out, "\\x{:02x}", c as u32),
        c => write!(out, "\\u{{{:x}}}", c as u32),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(
            sanitize("nginx:1.25 ünïcödé 漢字 🦀"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escape_sequences_are_made_visible() {
        assert_eq!(sanitize("\u{1b}]0;pwned\u{7}"), "\\x1b]0;pwned\\x07");
        assert_eq!(sanitize("\u{1b}[2J"), "\\x1b[2J");
        assert_eq!(sanitize("a\rb\u{8}c\u{7f}"), "a\\rb\\x08c\\x7f");
        assert_eq!(sanitize("\u{9b}31m"), "\\x9b31m");
        assert_eq!(sanitize("abc\u{202e}def"), "abc\\u{202e}def");
        assert_eq!(sanitize("a\u{200d}b\u{feff}"), "a\\u{200d}b\\u{feff}");
        assert_eq!(sanitize("line\nnext\t"), "line\\nnext\\t");
    }

    #[test]
    fn output_never_contains_unsafe_characters() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        assert!(!sanitize(&all).chars().any(is_unsafe));
    }
}
