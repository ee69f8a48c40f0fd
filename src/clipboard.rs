//! Copying to the clipboard with OSC 52 (`ESC ] 52 ; c ; <base64> BEL`): the terminal puts
//! the text on the system clipboard, also over ssh. The text is base64, so nothing in it can
//! steer the terminal.
//!
//! Inside tmux the plain sequence is written too: tmux's default `set-clipboard external`
//! takes OSC 52 from applications and sets its own buffer and the outer terminal's clipboard.
//! Wrapping it in tmux's DCS passthrough would bypass that (and needs `allow-passthrough`), so
//! it is not done; with `set-clipboard off` tmux drops it.

use std::io::{self, Write};

/// Standard base64 (RFC 4648, with padding), by the base64 crate bollard brings in.
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The OSC 52 sequence that puts `text` on the clipboard.
pub fn osc52(text: &str) -> String {
    format!("\u{1b}]52;c;{}\u{7}", base64(text.as_bytes()))
}

/// Writes the sequence to `out` (the terminal) and flushes it.
pub fn copy(out: &mut impl Write, text: &str) -> io::Result<()> {
    out.write_all(osc52(text).as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain:?}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd, 0x00]), "//79AA==");
    }

    #[test]
    fn osc52_is_the_exact_sequence() {
        let id = "sha256:1d53ef105045c334553a7c252fbd4edf0a17b2f20fbf8f513eacff74d228dfdc";
        let mut out = Vec::new();
        copy(&mut out, id).unwrap();
        let expected = b"\x1b]52;c;c2hhMjU2OjFkNTNlZjEwNTA0NWMzMzQ1NTNhN2MyNTJmYmQ0ZWRmMGExN2IyZjIwZmJmOGY1MTNlYWNmZjc0ZDIyOGRmZGM=\x07";
        assert_eq!(out, expected);
        // Hostile text stays inside the base64.
        let hostile = osc52("\u{1b}]0;pwned\u{7}");
        assert_eq!(hostile, "\u{1b}]52;c;G10wO3B3bmVkBw==\u{7}");
    }
}
