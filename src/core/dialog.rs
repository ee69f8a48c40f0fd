//! The modal dialogs of a clean-up: what they hold and the keys they understand. While one is
//! open, keys go to it and nothing else; nothing is sent to the engine until the user confirms.

use super::cleanup::{Job, Outcome, Plan, PruneOptions, Target};
use super::image::ImageId;
use super::keymap::{Key, KeyInput};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dialog {
    /// Shows a plan; `y`/Enter runs it, `n`/Esc cancels.
    Confirm(Confirm),
    /// `d` on an image with several tags: untag one of them, or delete the image.
    Choose(Choose),
    /// `P`: prune options, with the preview they give, updated as they change.
    Prune(PruneForm),
    /// The engine refused (409); `f` forces, anything else leaves it.
    Conflict(Conflict),
    /// Every result of a bulk removal.
    Report(Report),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirm {
    pub plan: Plan,
    /// Set when one image is selected that containers use: `f` then forces its removal.
    pub can_force: bool,
    pub scroll: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choose {
    pub image: ImageId,
    pub references: Vec<String>,
    /// An index into `references`, or `references.len()` for "delete the image".
    pub selected: usize,
}

impl Choose {
    pub fn choices(&self) -> usize {
        self.references.len() + 1
    }

    /// The tag the selected choice removes; `None` for "delete the image".
    pub fn chosen_reference(&self) -> Option<&str> {
        self.references.get(self.selected).map(String::as_str)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PruneField {
    #[default]
    Scope,
    OlderThan,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PruneForm {
    pub options: PruneOptions,
    pub field: PruneField,
    /// The "older than" duration as typed (empty: any age).
    pub older_than: String,
    /// Why `older_than` cannot be used; the form cannot be confirmed meanwhile.
    pub error: Option<String>,
    pub plan: Plan,
    pub scroll: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub job: Job,
    pub message: String,
    /// Containers using the image, by name, when we know them.
    pub containers: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub title: String,
    pub results: Vec<(Target, Outcome)>,
    pub scroll: usize,
}

/// A key as a dialog understands it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogInput {
    Confirm,
    Cancel,
    Force,
    Up,
    Down,
    /// Left/Right/Space: change the value of the focused choice.
    Toggle,
    NextField,
    Char(char),
    Erase,
    Quit,
}

impl DialogInput {
    /// The fixed keys of every dialog (listed in the help): `y`/Enter, `n`/Esc, `f`, `j`/`k`.
    /// Letters that are duration units (`s m h d w`) are left for typing.
    pub fn from_key(key: KeyInput) -> Option<DialogInput> {
        if key.ctrl {
            return (key.key == Key::Char('c')).then_some(DialogInput::Quit);
        }
        Some(match key.key {
            Key::Char('y') | Key::Enter => DialogInput::Confirm,
            Key::Char('n') | Key::Esc => DialogInput::Cancel,
            Key::Char('f') => DialogInput::Force,
            Key::Char('k') | Key::Up | Key::PageUp => DialogInput::Up,
            Key::Char('j') | Key::Down | Key::PageDown => DialogInput::Down,
            Key::Char(' ') | Key::Left | Key::Right => DialogInput::Toggle,
            Key::Tab | Key::BackTab => DialogInput::NextField,
            Key::Backspace | Key::Delete => DialogInput::Erase,
            Key::Char(c) => DialogInput::Char(c),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirm_and_cancel_keys() {
        let input = |k| DialogInput::from_key(k);
        assert_eq!(input(KeyInput::ch('y')), Some(DialogInput::Confirm));
        assert_eq!(
            input(KeyInput::plain(Key::Enter)),
            Some(DialogInput::Confirm)
        );
        assert_eq!(input(KeyInput::ch('n')), Some(DialogInput::Cancel));
        assert_eq!(input(KeyInput::plain(Key::Esc)), Some(DialogInput::Cancel));
        assert_eq!(input(KeyInput::ch('f')), Some(DialogInput::Force));
        assert_eq!(input(KeyInput::ctrl('c')), Some(DialogInput::Quit));
        assert_eq!(input(KeyInput::ctrl('d')), None);
        // Duration units are typed, not bound.
        for unit in ['s', 'm', 'h', 'd', 'w', '7'] {
            assert_eq!(input(KeyInput::ch(unit)), Some(DialogInput::Char(unit)));
        }
        // Capital Y is not a confirmation.
        assert_eq!(input(KeyInput::ch('Y')), Some(DialogInput::Char('Y')));
    }
}
