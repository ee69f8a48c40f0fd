//! The engine picker (`c`): the docker contexts and the local sockets found, one of which
//! is connected now; Enter switches to another without restarting. The shell reads the
//! context store and does the switching; this holds the list, the keys and what a switch
//! does to the state (the old engine's images, marks and requests are forgotten; the
//! filter and sort stay).

use super::action::{Command, EngineStatus};
use super::keymap::{Key, KeyInput};
use super::state::{AppState, Level};

/// What choosing an entry connects to; the shell resolves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChoiceTarget {
    /// A docker context by name (`default`: DOCKER_HOST or a local socket).
    Context(String),
    /// A socket the discovery found, by path.
    Socket(String),
}

/// One row of the picker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineChoice {
    /// The context's name, or what the socket belongs to ("rootless Docker").
    pub name: String,
    /// The address, as the user would write it; empty when unknown.
    pub host: String,
    pub description: String,
    pub target: ChoiceTarget,
    /// The engine connected now.
    pub current: bool,
    /// Why this entry cannot be used (a broken meta.json), shown instead of connecting.
    pub problem: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picker {
    pub choices: Vec<EngineChoice>,
    pub selected: usize,
}

/// A key while the picker is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickerInput {
    Up,
    Down,
    Top,
    Bottom,
    Accept,
    Cancel,
    Quit,
}

impl PickerInput {
    /// j/k/↑/↓ move, g/G/Home/End jump, Enter connects, Esc or q closes, Ctrl-C quits.
    pub fn from_key(key: KeyInput) -> Option<PickerInput> {
        if key.ctrl {
            return (key.key == Key::Char('c')).then_some(PickerInput::Quit);
        }
        Some(match key.key {
            Key::Char('k') | Key::Up | Key::PageUp => PickerInput::Up,
            Key::Char('j') | Key::Down | Key::PageDown => PickerInput::Down,
            Key::Char('g') | Key::Home => PickerInput::Top,
            Key::Char('G') | Key::End => PickerInput::Bottom,
            Key::Enter => PickerInput::Accept,
            Key::Esc | Key::Char('q') => PickerInput::Cancel,
            _ => return None,
        })
    }
}

/// The shell switched to another engine: where it is, how it was chosen, and the first
/// listing generation of its worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Switched {
    pub host: String,
    pub source: String,
    pub generation: u64,
}

impl AppState {
    /// The shell's list of engines: opens the picker on the current one.
    pub(super) fn open_picker(&mut self, choices: Vec<EngineChoice>) {
        if self.dialog.is_some() {
            return;
        }
        let selected = choices.iter().position(|c| c.current).unwrap_or(0);
        self.help_open = false;
        self.picker = Some(Picker { choices, selected });
    }

    pub(super) fn picker_input(&mut self, input: PickerInput) -> Vec<Command> {
        let Some(picker) = self.picker.as_mut() else {
            return Vec::new();
        };
        let last = picker.choices.len().saturating_sub(1);
        match input {
            PickerInput::Up => picker.selected = picker.selected.saturating_sub(1),
            PickerInput::Down => picker.selected = (picker.selected + 1).min(last),
            PickerInput::Top => picker.selected = 0,
            PickerInput::Bottom => picker.selected = last,
            PickerInput::Cancel => self.picker = None,
            PickerInput::Quit => self.should_quit = true,
            PickerInput::Accept => {
                let Some(choice) = picker.choices.get(picker.selected).cloned() else {
                    self.picker = None;
                    return Vec::new();
                };
                if let Some(problem) = choice.problem {
                    // Stay open: another entry may do.
                    self.notify(
                        Level::Error,
                        format!("{} cannot be used: {problem}", choice.name),
                    );
                    return Vec::new();
                }
                self.picker = None;
                if choice.current {
                    return Vec::new();
                }
                return vec![Command::SwitchEngine(choice.target)];
            }
        }
        Vec::new()
    }

    /// Now talking to another engine: nothing of the old one is kept but the view (sort,
    /// filter). A removal still running there goes on there, unreported here: its operation
    /// id is dropped (and ids are never reused), and results of the old listing generations
    /// are ignored.
    pub(super) fn switched(&mut self, switched: Switched) {
        let abandoned = self.operation.take().is_some();
        self.forget_images();
        self.listing = super::state::Listing {
            generation: switched.generation.max(self.listing.generation + 1),
            ..Default::default()
        };
        self.engine = EngineStatus::Connecting {
            host: switched.host.clone(),
            attempt: 1,
        };
        self.engine_source = switched.source.clone();
        self.last_error = None;
        self.dialog = None;
        self.picker = None;
        self.inspect = Default::default();
        self.disk = Default::default();
        let mut text = format!("switched to {} ({})", switched.source, switched.host);
        if abandoned {
            text.push_str("; the clean-up running on the previous engine goes on there");
        }
        self.notify(Level::Info, text);
    }

    /// The shell could not switch (the context vanished or broke meanwhile).
    pub(super) fn switch_failed(&mut self, error: String) {
        self.notify(Level::Error, error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::action::{Action, EngineEvent, Message};
    use crate::core::cleanup::Outcome;
    use crate::core::image::{Image, ImageId};
    use crate::core::keymap::KeyMap;
    use crate::core::sort::Sort;

    fn image(id: &str, tag: &str) -> Image {
        Image {
            id: ImageId::new(id),
            size: 10,
            created: Some(1),
            repo_tags: vec![tag.to_string()],
            ..Image::default()
        }
    }

    fn choice(name: &str, current: bool) -> EngineChoice {
        EngineChoice {
            name: name.into(),
            host: format!("unix:///{name}.sock"),
            description: String::new(),
            target: ChoiceTarget::Context(name.into()),
            current,
            problem: None,
        }
    }

    fn state() -> AppState {
        let mut state = AppState::new(Sort::default(), "unix:///old.sock");
        state.engine_source = "context old".into();
        state.update(Message::Engine(EngineEvent::Status(
            EngineStatus::Connected(Default::default()),
        )));
        state.update(Message::Engine(EngineEvent::Listed {
            generation: 0,
            images: vec![image("a", "app:1"), image("b", "app:2")],
        }));
        // No container uses them, so they can be deleted without forcing.
        state.update(Message::Engine(EngineEvent::Containers {
            generation: 0,
            by_image: Default::default(),
        }));
        state
    }

    fn key(state: &AppState, k: KeyInput) -> Option<Message> {
        state.message_for(k, &KeyMap::default())
    }

    #[test]
    fn c_asks_for_the_list_and_the_answer_opens_the_picker_on_the_current_engine() {
        let mut state = state();
        let message = key(&state, KeyInput::ch('c')).unwrap();
        assert_eq!(message, Message::Action(Action::SwitchContext));
        assert_eq!(state.update(message), [Command::ListEngines]);
        assert!(state.picker.is_none(), "opens with the list");
        state.update(Message::EngineChoices(vec![
            choice("default", false),
            choice("old", true),
            choice("new", false),
        ]));
        assert_eq!(state.picker.as_ref().unwrap().selected, 1);
        // Keys now go to the picker, not the list.
        assert_eq!(
            key(&state, KeyInput::ch('j')),
            Some(Message::Picker(PickerInput::Down))
        );
        assert_eq!(
            key(&state, KeyInput::ch('d')),
            None,
            "delete does nothing under the picker"
        );
        state.update(Message::Picker(PickerInput::Down));
        state.update(Message::Picker(PickerInput::Down));
        assert_eq!(
            state.picker.as_ref().unwrap().selected,
            2,
            "stops at the end"
        );
        state.update(Message::Picker(PickerInput::Top));
        state.update(Message::Picker(PickerInput::Up));
        assert_eq!(state.picker.as_ref().unwrap().selected, 0);
        state.update(Message::Picker(PickerInput::Bottom));
        let commands = state.update(Message::Picker(PickerInput::Accept));
        assert_eq!(
            commands,
            [Command::SwitchEngine(ChoiceTarget::Context("new".into()))]
        );
        assert!(state.picker.is_none());
    }

    #[test]
    fn esc_closes_and_the_current_engine_is_not_reconnected() {
        let mut state = state();
        state.update(Message::EngineChoices(vec![choice("old", true)]));
        assert!(
            state
                .update(Message::Picker(PickerInput::Accept))
                .is_empty()
        );
        assert!(state.picker.is_none());
        state.update(Message::EngineChoices(vec![choice("old", true)]));
        state.update(Message::Picker(PickerInput::Cancel));
        assert!(state.picker.is_none());
        assert_eq!(state.len(), 2, "nothing changed");
        state.update(Message::EngineChoices(vec![]));
        assert!(
            state
                .update(Message::Picker(PickerInput::Accept))
                .is_empty()
        );
        assert!(state.picker.is_none(), "an empty picker closes too");
    }

    #[test]
    fn a_broken_entry_says_why_and_stays_open() {
        let mut state = state();
        let mut broken = choice("bad", false);
        broken.problem = Some("meta.json: not a valid context description".into());
        state.update(Message::EngineChoices(vec![broken]));
        assert!(
            state
                .update(Message::Picker(PickerInput::Accept))
                .is_empty()
        );
        assert!(state.picker.is_some());
        assert!(
            state
                .notice
                .as_ref()
                .unwrap()
                .text
                .contains("not a valid context")
        );
    }

    #[test]
    fn a_switch_forgets_the_old_engine_but_keeps_the_view() {
        let mut state = state();
        state.set_query("app".into());
        state.update(Message::Action(Action::ToggleMark));
        assert_eq!(state.marked().0, 1);
        // A delete confirmed on the old engine, still running.
        state.update(Message::Action(Action::Delete));
        let commands = state.update(Message::Dialog(crate::core::dialog::DialogInput::Confirm));
        let Some(Command::Remove {
            operation, jobs, ..
        }) = commands.into_iter().next()
        else {
            panic!("a removal starts");
        };
        assert!(state.operation.is_some());
        let old_generation = state.listing.generation;

        state.update(Message::Switched(Switched {
            host: "unix:///new.sock".into(),
            source: "context new".into(),
            generation: old_generation + 1,
        }));
        assert_eq!(state.len(), 0, "the old engine's images are gone");
        assert_eq!(state.marked().0, 0);
        assert!(state.operation.is_none());
        assert!(!state.listing.loaded);
        assert_eq!(state.query.text, "app", "the filter stays");
        assert_eq!(state.engine_source, "context new");
        assert_eq!(
            state.engine,
            EngineStatus::Connecting {
                host: "unix:///new.sock".into(),
                attempt: 1
            }
        );
        assert!(
            state
                .notice
                .as_ref()
                .unwrap()
                .text
                .contains("goes on there")
        );

        // What the old engine still reports is not the new engine's.
        state.update(Message::Engine(EngineEvent::JobDone {
            operation,
            id: jobs[0].target.id.clone(),
            outcome: Outcome::Deleted,
        }));
        assert!(state.dialog.is_none(), "no report of the old removal");
        state.update(Message::Engine(EngineEvent::Listed {
            generation: old_generation,
            images: vec![image("stale", "old:1")],
        }));
        assert_eq!(state.len(), 0, "the old engine's late list is dropped");
        state.update(Message::Engine(EngineEvent::Listed {
            generation: old_generation + 1,
            images: vec![image("n", "app:new")],
        }));
        assert_eq!(state.len(), 1);
        assert_eq!(state.selected().unwrap().id.as_str(), "n");
        // A new removal gets an id the old one never had.
        state.update(Message::Engine(EngineEvent::Status(
            EngineStatus::Connected(Default::default()),
        )));
        state.update(Message::Engine(EngineEvent::Containers {
            generation: old_generation + 1,
            by_image: Default::default(),
        }));
        state.update(Message::Action(Action::Delete));
        let commands = state.update(Message::Dialog(crate::core::dialog::DialogInput::Confirm));
        let Some(Command::Remove { operation: new, .. }) = commands.into_iter().next() else {
            panic!("a removal starts");
        };
        assert_ne!(new, operation);
    }

    #[test]
    fn picker_keys() {
        let input = PickerInput::from_key;
        assert_eq!(input(KeyInput::plain(Key::Down)), Some(PickerInput::Down));
        assert_eq!(input(KeyInput::ch('k')), Some(PickerInput::Up));
        assert_eq!(
            input(KeyInput::plain(Key::Enter)),
            Some(PickerInput::Accept)
        );
        assert_eq!(input(KeyInput::plain(Key::Esc)), Some(PickerInput::Cancel));
        assert_eq!(input(KeyInput::ch('q')), Some(PickerInput::Cancel));
        assert_eq!(input(KeyInput::ctrl('c')), Some(PickerInput::Quit));
        assert_eq!(input(KeyInput::ch('x')), None);
    }
}
