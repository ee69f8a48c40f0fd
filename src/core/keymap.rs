//! Keys to actions. The defaults here are the product's contract; the help overlay is
//! generated from this table so it can never disagree with what the keys do.

use super::action::Action;
use super::inspect::InspectTab;
use super::sort::SortKey;
use super::yank::Yank;

/// A key press, independent of any terminal library.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyInput {
    pub key: Key,
    pub ctrl: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Char(char),
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Tab,
    BackTab,
    Enter,
    Esc,
    Backspace,
    Delete,
}

impl KeyInput {
    pub const fn plain(key: Key) -> Self {
        KeyInput { key, ctrl: false }
    }

    pub const fn ch(c: char) -> Self {
        KeyInput::plain(Key::Char(c))
    }

    pub const fn ctrl(c: char) -> Self {
        KeyInput {
            key: Key::Char(c),
            ctrl: true,
        }
    }

    /// How the help overlay writes the key.
    pub fn label(&self) -> String {
        let name = match self.key {
            Key::Char(' ') => "Space".to_string(),
            Key::Char(c) => c.to_string(),
            Key::Up => "↑".into(),
            Key::Down => "↓".into(),
            Key::Left => "←".into(),
            Key::Right => "→".into(),
            Key::PageUp => "PgUp".into(),
            Key::PageDown => "PgDn".into(),
            Key::Home => "Home".into(),
            Key::End => "End".into(),
            Key::Tab => "Tab".into(),
            Key::BackTab => "Shift-Tab".into(),
            Key::Enter => "Enter".into(),
            Key::Esc => "Esc".into(),
            Key::Backspace => "Backspace".into(),
            Key::Delete => "Delete".into(),
        };
        if self.ctrl {
            format!("Ctrl-{name}")
        } else {
            name
        }
    }
}

/// Each action's name in the config file's `[keys]` section.
pub const ACTION_NAMES: &[(&str, Action)] = &[
    ("move_down", Action::Down),
    ("move_up", Action::Up),
    ("page_down", Action::PageDown),
    ("page_up", Action::PageUp),
    ("half_page_down", Action::HalfPageDown),
    ("half_page_up", Action::HalfPageUp),
    ("top", Action::Top),
    ("bottom", Action::Bottom),
    ("sort_size", Action::SortBy(SortKey::Size)),
    ("sort_created", Action::SortBy(SortKey::Created)),
    ("sort_name", Action::SortBy(SortKey::Name)),
    ("sort_containers", Action::SortBy(SortKey::Containers)),
    ("toggle_focus", Action::ToggleFocus),
    ("refresh", Action::Refresh),
    ("toggle_mark", Action::ToggleMark),
    ("mark_all", Action::MarkAll),
    ("delete", Action::Delete),
    ("delete_dangling", Action::DeleteDangling),
    ("prune", Action::Prune),
    ("filter", Action::Filter),
    ("toggle_dangling_only", Action::ToggleDanglingOnly),
    ("toggle_unused_only", Action::ToggleUnusedOnly),
    ("disk_usage", Action::DiskUsage),
    ("inspect", Action::Inspect),
    ("next_tab", Action::NextTab),
    ("config_tab", Action::ShowTab(InspectTab::Config)),
    ("history_tab", Action::ShowTab(InspectTab::History)),
    ("yank_id", Action::Yank(Yank::Id)),
    ("yank_reference", Action::Yank(Yank::Reference)),
    ("switch_context", Action::SwitchContext),
    ("help", Action::ToggleHelp),
    ("back", Action::Back),
    ("quit", Action::Quit),
];

pub fn action_by_name(name: &str) -> Option<Action> {
    ACTION_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, a)| *a)
}

pub fn action_name(action: Action) -> Option<&'static str> {
    ACTION_NAMES
        .iter()
        .find(|(_, a)| *a == action)
        .map(|(n, _)| *n)
}

/// Key names as the config file writes them (besides single characters).
const KEY_NAMES: &[(&str, Key)] = &[
    ("Space", Key::Char(' ')),
    ("Up", Key::Up),
    ("Down", Key::Down),
    ("Left", Key::Left),
    ("Right", Key::Right),
    ("PageUp", Key::PageUp),
    ("PageDown", Key::PageDown),
    ("Home", Key::Home),
    ("End", Key::End),
    ("Tab", Key::Tab),
    ("Shift-Tab", Key::BackTab),
    ("Enter", Key::Enter),
    ("Esc", Key::Esc),
    ("Backspace", Key::Backspace),
    ("Delete", Key::Delete),
];

impl KeyInput {
    /// A key as the config file writes it: "j", "Down", "Ctrl-c", "Space", "Shift-Tab".
    pub fn parse(text: &str) -> Option<KeyInput> {
        if let Some(rest) = text.strip_prefix("Ctrl-") {
            let mut chars = rest.chars();
            return match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_lowercase() => Some(KeyInput::ctrl(c)),
                _ => None,
            };
        }
        if let Some((_, key)) = KEY_NAMES.iter().find(|(n, _)| *n == text) {
            return Some(KeyInput::plain(*key));
        }
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_whitespace() && !c.is_control() => Some(KeyInput::ch(c)),
            _ => None,
        }
    }

    /// The inverse of `parse`.
    pub fn config_name(&self) -> String {
        let name = match KEY_NAMES.iter().find(|(_, k)| *k == self.key) {
            Some((n, _)) => n.to_string(),
            None => match self.key {
                Key::Char(c) => c.to_string(),
                _ => unreachable!("every other key has a name"),
            },
        };
        if self.ctrl {
            format!("Ctrl-{name}")
        } else {
            name
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub keys: Vec<KeyInput>,
    pub action: Action,
    pub help: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyMap {
    bindings: Vec<Binding>,
}

impl Default for KeyMap {
    fn default() -> Self {
        use Key::*;
        let b = |keys: &[KeyInput], action, help| Binding {
            keys: keys.to_vec(),
            action,
            help,
        };
        let k = KeyInput::plain;
        let c = KeyInput::ch;
        KeyMap {
            bindings: vec![
                b(&[c('j'), k(Down)], Action::Down, "move down"),
                b(&[c('k'), k(Up)], Action::Up, "move up"),
                b(&[k(PageDown)], Action::PageDown, "page down"),
                b(&[k(PageUp)], Action::PageUp, "page up"),
                b(
                    &[KeyInput::ctrl('d')],
                    Action::HalfPageDown,
                    "half page down",
                ),
                b(&[KeyInput::ctrl('u')], Action::HalfPageUp, "half page up"),
                b(&[c('g'), k(Home)], Action::Top, "first image"),
                b(&[c('G'), k(End)], Action::Bottom, "last image"),
                b(
                    &[c('S')],
                    Action::SortBy(SortKey::Size),
                    "sort by size (again: reverse)",
                ),
                b(
                    &[c('C')],
                    Action::SortBy(SortKey::Created),
                    "sort by created (again: reverse)",
                ),
                b(
                    &[c('N')],
                    Action::SortBy(SortKey::Name),
                    "sort by name (again: reverse)",
                ),
                b(
                    &[c('U')],
                    Action::SortBy(SortKey::Containers),
                    "sort by containers using it (again: reverse)",
                ),
                b(
                    &[k(Tab), k(BackTab)],
                    Action::ToggleFocus,
                    "focus list / detail pane",
                ),
                b(
                    &[KeyInput::ctrl('r')],
                    Action::Refresh,
                    "re-list all images",
                ),
                b(
                    &[c(' ')],
                    Action::ToggleMark,
                    "mark / unmark the image (and move down)",
                ),
                b(&[c('*')], Action::MarkAll, "mark every image shown"),
                b(
                    &[c('d'), k(Delete)],
                    Action::Delete,
                    "delete marked images, else the selected image or one of its tags",
                ),
                b(
                    &[c('D')],
                    Action::DeleteDangling,
                    "delete all dangling images",
                ),
                b(
                    &[c('P')],
                    Action::Prune,
                    "prune: dangling or unused images, optionally older than…",
                ),
                b(
                    &[c('/')],
                    Action::Filter,
                    "filter: fuzzy text, dangling, in-use, unused, label=k[=v], size>1GB, age>30d, !term",
                ),
                b(
                    &[c('t')],
                    Action::ToggleDanglingOnly,
                    "show only dangling (untagged) images (again: all)",
                ),
                b(
                    &[c('u')],
                    Action::ToggleUnusedOnly,
                    "show only images no container uses (again: all)",
                ),
                b(
                    &[c('I')],
                    Action::DiskUsage,
                    "disk usage (docker system df): compute again",
                ),
                b(
                    &[k(Enter)],
                    Action::Inspect,
                    "inspect the image: config and history (Esc returns)",
                ),
                b(
                    &[k(Right), k(Left)],
                    Action::NextTab,
                    "inspect: the other tab (also Tab, Shift-Tab)",
                ),
                b(
                    &[c('1')],
                    Action::ShowTab(InspectTab::Config),
                    "inspect: Config tab",
                ),
                b(
                    &[c('2')],
                    Action::ShowTab(InspectTab::History),
                    "inspect: History tab",
                ),
                b(
                    &[c('y')],
                    Action::Yank(Yank::Id),
                    "copy the image ID to the clipboard (OSC 52)",
                ),
                b(
                    &[c('Y')],
                    Action::Yank(Yank::Reference),
                    "copy the tag (else repo@digest, else the ID) to the clipboard",
                ),
                b(
                    &[c('c')],
                    Action::SwitchContext,
                    "switch engine: docker contexts and local sockets",
                ),
                b(&[c('?')], Action::ToggleHelp, "this help"),
                b(
                    &[k(Esc)],
                    Action::Back,
                    "close help / inspect / back to list / clear the filter, then marks",
                ),
                b(&[c('q'), KeyInput::ctrl('c')], Action::Quit, "quit"),
            ],
        }
    }
}

impl KeyMap {
    pub fn action_for(&self, input: KeyInput) -> Option<Action> {
        self.bindings
            .iter()
            .find(|b| b.keys.contains(&input))
            .map(|b| b.action)
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// Binds `action` to exactly `keys` instead of its default keys (from the config file).
    pub fn set_keys(&mut self, action: Action, keys: Vec<KeyInput>) {
        if let Some(b) = self.bindings.iter_mut().find(|b| b.action == action) {
            b.keys = keys;
        }
    }

    /// The first key bound to `action`, as the help writes it; `None` when it has none.
    pub fn key_for(&self, action: Action) -> Option<String> {
        self.bindings
            .iter()
            .find(|b| b.action == action)
            .and_then(|b| b.keys.first())
            .map(KeyInput::label)
    }

    /// One row per binding: the keys as written ("j, ↓") and what they do.
    pub fn help_rows(&self) -> Vec<(String, &'static str)> {
        self.bindings
            .iter()
            .map(|b| {
                let keys: Vec<String> = b.keys.iter().map(KeyInput::label).collect();
                (keys.join(", "), b.help)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_keys_are_bound() {
        let map = KeyMap::default();
        let cases = [
            (KeyInput::ch('j'), Action::Down),
            (KeyInput::plain(Key::Down), Action::Down),
            (KeyInput::ch('k'), Action::Up),
            (KeyInput::ch('g'), Action::Top),
            (KeyInput::ch('G'), Action::Bottom),
            (KeyInput::plain(Key::Home), Action::Top),
            (KeyInput::plain(Key::End), Action::Bottom),
            (KeyInput::plain(Key::PageUp), Action::PageUp),
            (KeyInput::plain(Key::PageDown), Action::PageDown),
            (KeyInput::ctrl('d'), Action::HalfPageDown),
            (KeyInput::ctrl('u'), Action::HalfPageUp),
            (KeyInput::ch('S'), Action::SortBy(SortKey::Size)),
            (KeyInput::ch('C'), Action::SortBy(SortKey::Created)),
            (KeyInput::ch('N'), Action::SortBy(SortKey::Name)),
            (KeyInput::ch('U'), Action::SortBy(SortKey::Containers)),
            (KeyInput::plain(Key::Tab), Action::ToggleFocus),
            (KeyInput::ch('?'), Action::ToggleHelp),
            (KeyInput::ch('q'), Action::Quit),
            (KeyInput::ctrl('c'), Action::Quit),
            (KeyInput::ctrl('r'), Action::Refresh),
            (KeyInput::ch(' '), Action::ToggleMark),
            (KeyInput::ch('*'), Action::MarkAll),
            (KeyInput::ch('d'), Action::Delete),
            (KeyInput::plain(Key::Delete), Action::Delete),
            (KeyInput::ch('D'), Action::DeleteDangling),
            (KeyInput::ch('P'), Action::Prune),
            (KeyInput::plain(Key::Esc), Action::Back),
            (KeyInput::ch('/'), Action::Filter),
            (KeyInput::ch('t'), Action::ToggleDanglingOnly),
            (KeyInput::ch('u'), Action::ToggleUnusedOnly),
            (KeyInput::plain(Key::Enter), Action::Inspect),
            (KeyInput::ch('I'), Action::DiskUsage),
            (KeyInput::plain(Key::Right), Action::NextTab),
            (KeyInput::plain(Key::Left), Action::NextTab),
            (KeyInput::ch('1'), Action::ShowTab(InspectTab::Config)),
            (KeyInput::ch('2'), Action::ShowTab(InspectTab::History)),
            (KeyInput::plain(Key::BackTab), Action::ToggleFocus),
            (KeyInput::ch('y'), Action::Yank(Yank::Id)),
            (KeyInput::ch('Y'), Action::Yank(Yank::Reference)),
            (KeyInput::ch('c'), Action::SwitchContext),
        ];
        for (input, action) in cases {
            assert_eq!(map.action_for(input), Some(action), "{}", input.label());
        }
        assert_eq!(map.action_for(KeyInput::ch('x')), None);
    }

    #[test]
    fn no_key_is_bound_twice() {
        let map = KeyMap::default();
        let mut seen = std::collections::HashSet::new();
        for b in &map.bindings {
            for k in &b.keys {
                assert!(seen.insert(*k), "{} bound twice", k.label());
            }
        }
    }

    #[test]
    fn every_binding_has_a_config_name_and_back() {
        let map = KeyMap::default();
        assert_eq!(map.bindings.len(), ACTION_NAMES.len());
        for b in &map.bindings {
            let name = action_name(b.action).expect("named");
            assert_eq!(action_by_name(name), Some(b.action));
        }
        assert_eq!(action_by_name("launch"), None);
    }

    #[test]
    fn key_strings_round_trip() {
        let map = KeyMap::default();
        let mut keys: Vec<KeyInput> = map.bindings.iter().flat_map(|b| b.keys.clone()).collect();
        keys.extend([
            KeyInput::plain(Key::Backspace),
            KeyInput::ch('x'),
            KeyInput::ch('ü'),
            KeyInput::ctrl('z'),
        ]);
        for k in keys {
            assert_eq!(
                KeyInput::parse(&k.config_name()),
                Some(k),
                "{}",
                k.config_name()
            );
        }
        assert_eq!(KeyInput::parse("Ctrl-c"), Some(KeyInput::ctrl('c')));
        assert_eq!(KeyInput::parse("Space"), Some(KeyInput::ch(' ')));
        assert_eq!(
            KeyInput::parse("Shift-Tab"),
            Some(KeyInput::plain(Key::BackTab))
        );
        for bad in ["", "Ctrl-ü", "Ctrl-", "Ctrl-C", "jk", "F1", " ", "down"] {
            assert_eq!(KeyInput::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn set_keys_replaces_an_actions_keys() {
        let mut map = KeyMap::default();
        map.set_keys(Action::Quit, vec![KeyInput::ch('x')]);
        assert_eq!(map.action_for(KeyInput::ch('x')), Some(Action::Quit));
        assert_eq!(map.action_for(KeyInput::ch('q')), None);
        assert!(
            map.help_rows()
                .iter()
                .any(|(k, h)| k == "x" && *h == "quit")
        );
    }

    #[test]
    fn help_lists_every_binding() {
        let rows = KeyMap::default().help_rows();
        assert!(rows.iter().any(|(keys, _)| keys == "j, ↓"));
        assert!(rows.iter().any(|(keys, _)| keys == "q, Ctrl-c"));
        assert!(
            rows.iter()
                .any(|(keys, help)| keys == "Enter" && help.contains("inspect"))
        );
    }
}
