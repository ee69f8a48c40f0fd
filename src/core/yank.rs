//! `y` / `Y`: what to copy to the clipboard. The core only decides the text and says what it
//! is; the shell writes it to the terminal (OSC 52, see `crate::clipboard`).

use std::fmt;

use super::action::Command;
use super::image::Image;
use super::sanitize::sanitize;
use super::state::{AppState, Level};

/// What the user asked to copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Yank {
    /// `y`: the full image ID.
    Id,
    /// `Y`: a reference that names the image: its tag, else repo@digest, else the ID.
    Reference,
}

/// What the copied text is, for the status message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Copied {
    Id,
    Tag,
    Digest,
    /// `Y` on an image with neither a tag nor a digest.
    IdForLackOfReference,
}

impl fmt::Display for Copied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Copied::Id | Copied::IdForLackOfReference => "image ID",
            Copied::Tag => "tag",
            Copied::Digest => "digest reference",
        })
    }
}

/// The text to copy for `what` from `image`, and what it is.
pub fn yank_text(image: &Image, what: Yank) -> (String, Copied) {
    let id = || image.id.as_str().to_string();
    match what {
        Yank::Id => (id(), Copied::Id),
        Yank::Reference => {
            if let Some(tag) = image.primary_reference() {
                (tag.to_string(), Copied::Tag)
            } else if let Some(digest) = image.repo_digests.first() {
                (digest.clone(), Copied::Digest)
            } else {
                (id(), Copied::IdForLackOfReference)
            }
        }
    }
}

/// The text to copy from the selected image; `None` when nothing is selected.
pub fn yank(state: &AppState, what: Yank) -> Option<(String, Copied)> {
    state.selected().map(|image| yank_text(image, what))
}

/// How the status bar shows a copied text: sanitized, and long ones (IDs, digests) cut.
fn shown(text: &str) -> String {
    const MAX: usize = 60;
    let safe = sanitize(text);
    // An ID: the algorithm and the first hex digits are enough to recognise it.
    if let Some(hex) = safe.strip_prefix("sha256:") {
        let short: String = hex.chars().take(12).collect();
        return format!("sha256:{short}…");
    }
    if safe.chars().count() > MAX {
        let cut: String = safe.chars().take(MAX - 1).collect();
        format!("{cut}…")
    } else {
        safe.into_owned()
    }
}

/// The status message after copying `text` as `copied`.
pub fn message(text: &str, copied: Copied) -> String {
    let why = match copied {
        Copied::IdForLackOfReference => " (it has no tag or digest)",
        _ => "",
    };
    format!("copied {copied} {} to the clipboard{why}", shown(text))
}

impl AppState {
    /// `y` / `Y`: a `Command::Copy` and a notice saying what was copied.
    pub(super) fn yank_selected(&mut self, what: Yank) -> Vec<Command> {
        match yank(self, what) {
            Some((text, copied)) => {
                self.notify(Level::Info, message(&text, copied));
                vec![Command::Copy(text)]
            }
            None => {
                self.notify(Level::Info, "No image selected: nothing to copy.");
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::action::{Action, EngineEvent, Message};
    use crate::core::image::ImageId;
    use crate::core::sort::Sort;

    const ID: &str = "sha256:1d53ef105045c334553a7c252fbd4edf0a17b2f20fbf8f513eacff74d228dfdc";

    fn image(tags: &[&str], digests: &[&str]) -> Image {
        Image {
            id: ImageId::new(ID),
            repo_tags: tags.iter().map(|t| t.to_string()).collect(),
            repo_digests: digests.iter().map(|d| d.to_string()).collect(),
            ..Image::default()
        }
    }

    fn state_with(images: Vec<Image>) -> AppState {
        let mut state = AppState::new(Sort::default(), "unix:///test.sock");
        state.update(Message::Engine(EngineEvent::Listed {
            generation: 0,
            images,
        }));
        state
    }

    #[test]
    fn y_copies_the_full_id() {
        let state = state_with(vec![image(&["app:1"], &["app@sha256:aa"])]);
        assert_eq!(yank(&state, Yank::Id), Some((ID.to_string(), Copied::Id)));
    }

    #[test]
    fn shift_y_prefers_the_tag_then_the_digest_then_the_id() {
        let tagged = image(&["app:1", "app:latest"], &["app@sha256:aa"]);
        assert_eq!(
            yank_text(&tagged, Yank::Reference),
            ("app:1".to_string(), Copied::Tag)
        );
        let digest_only = image(&[], &["app@sha256:aa", "other@sha256:bb"]);
        assert_eq!(
            yank_text(&digest_only, Yank::Reference),
            ("app@sha256:aa".to_string(), Copied::Digest)
        );
        let dangling = image(&[], &[]);
        assert_eq!(
            yank_text(&dangling, Yank::Reference),
            (ID.to_string(), Copied::IdForLackOfReference)
        );
        assert!(message(ID, Copied::IdForLackOfReference).contains("no tag or digest"));
    }

    #[test]
    fn nothing_selected_copies_nothing() {
        let mut state = state_with(vec![]);
        assert_eq!(yank(&state, Yank::Id), None);
        assert!(
            state
                .update(Message::Action(Action::Yank(Yank::Id)))
                .is_empty()
        );
        assert!(
            state
                .notice
                .as_ref()
                .unwrap()
                .text
                .contains("nothing to copy")
        );
    }

    #[test]
    fn the_action_emits_a_copy_and_says_what_was_copied() {
        let mut state = state_with(vec![image(&["\u{1b}]0;pwned\u{7}:1"], &[])]);
        let commands = state.update(Message::Action(Action::Yank(Yank::Id)));
        assert_eq!(commands, [Command::Copy(ID.to_string())]);
        assert_eq!(
            state.notice.as_ref().unwrap().text,
            "copied image ID sha256:1d53ef105045… to the clipboard"
        );
        let commands = state.update(Message::Action(Action::Yank(Yank::Reference)));
        assert_eq!(commands, [Command::Copy("\u{1b}]0;pwned\u{7}:1".into())]);
        let text = &state.notice.as_ref().unwrap().text;
        assert_eq!(text, "copied tag \\x1b]0;pwned\\x07:1 to the clipboard");
    }

    #[test]
    fn long_references_are_cut_in_the_message() {
        let long = "r".repeat(200);
        let text = message(&long, Copied::Tag);
        assert!(text.chars().count() < 100, "{text}");
        assert!(text.contains('…'));
    }
}
