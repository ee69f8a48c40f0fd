//! The filter prompt (`/`): which keys type into the query and what each does to it. The
//! query itself is parsed and applied by `AppState::set_query`.

use super::action::{Action, Message, QueryInput};
use super::keymap::{Key, KeyInput};
use super::state::AppState;

impl AppState {
    pub(super) fn query_input(&mut self, input: QueryInput) {
        if !self.query.editing || self.dialog.is_some() {
            return;
        }
        let mut text = self.query.text.clone();
        match input {
            QueryInput::Insert(c) => text.push(c),
            QueryInput::Backspace => {
                text.pop();
            }
            QueryInput::DeleteWord => {
                let kept = text.trim_end().rfind(' ').map_or(0, |i| i + 1);
                text.truncate(kept);
            }
            QueryInput::Clear => text.clear(),
            // A query that does not parse keeps the prompt open on its error.
            QueryInput::Accept => {
                self.query.editing = self.query.error.is_some();
                return;
            }
            QueryInput::Cancel => {
                self.query.editing = false;
                text.clear();
            }
        }
        self.set_query(text);
    }
}

/// Keys in the filter prompt: text goes into the query; arrows and pages still move the
/// selection, so a match can be picked without leaving the prompt.
pub(super) fn query_message(key: KeyInput) -> Option<Message> {
    let input = match (key.key, key.ctrl) {
        (Key::Char('c'), true) => return Some(Message::Action(Action::Quit)),
        (Key::Char('u'), true) => QueryInput::Clear,
        (Key::Char('w'), true) => QueryInput::DeleteWord,
        (Key::Char(c), false) => QueryInput::Insert(c),
        (Key::Backspace, _) => QueryInput::Backspace,
        (Key::Enter, _) => QueryInput::Accept,
        (Key::Esc, _) => QueryInput::Cancel,
        (Key::Up, _) => return Some(Message::Action(Action::Up)),
        (Key::Down, _) => return Some(Message::Action(Action::Down)),
        (Key::PageUp, _) => return Some(Message::Action(Action::PageUp)),
        (Key::PageDown, _) => return Some(Message::Action(Action::PageDown)),
        _ => return None,
    };
    Some(Message::Query(input))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::core::action::{Action, EngineEvent, EngineInfo, EngineStatus, Message, QueryInput};
    use crate::core::dialog::Dialog;
    use crate::core::filter::Filter;
    use crate::core::image::{ContainerRef, Image, ImageId};
    use crate::core::keymap::KeyMap;
    use crate::core::sort::{Sort, SortKey};

    fn image(id: &str, size: u64, tags: &[&str]) -> Image {
        Image {
            id: ImageId::new(format!("sha256:{id}")),
            size,
            created: Some(1_000),
            repo_tags: tags.iter().map(|t| t.to_string()).collect(),
            ..Image::default()
        }
    }

    /// Six images, largest first: two nginx, a redis, a postgres and two dangling ones.
    fn state() -> AppState {
        let mut state = AppState::new(Sort::default(), "unix:///test.sock");
        state.update(Message::Engine(EngineEvent::Listed {
            generation: 0,
            images: vec![
                image("a1", 600, &["nginx:1.25", "web/nginx:latest"]),
                image("b2", 500, &["redis:7"]),
                image("c3", 400, &[]),
                image("d4", 300, &["nginx:1.24"]),
                image("e5", 200, &["postgres:16"]),
                image("f6", 100, &[]),
            ],
        }));
        state
    }

    fn shown(state: &AppState) -> Vec<&str> {
        state
            .shown_images()
            .map(|i| &i.id.as_str()["sha256:".len()..])
            .collect()
    }

    fn selected(state: &AppState) -> &str {
        &state.selected().unwrap().id.as_str()["sha256:".len()..]
    }

    fn act(state: &mut AppState, action: Action) {
        state.update(Message::Action(action));
    }

    fn type_text(state: &mut AppState, text: &str) {
        for c in text.chars() {
            state.update(Message::Query(QueryInput::Insert(c)));
        }
    }

    fn key(state: &mut AppState, key: KeyInput) {
        if let Some(message) = state.message_for(key, &KeyMap::default()) {
            state.update(message);
        }
    }

    #[test]
    fn typing_filters_as_you_go_and_enter_keeps_it() {
        let mut state = state();
        key(&mut state, KeyInput::ch('/'));
        assert!(state.query.editing);
        // While the prompt is open, letters type: `q`, `d` and `j` are not their actions.
        for c in "ngx".chars() {
            key(&mut state, KeyInput::ch(c));
        }
        assert_eq!(shown(&state), ["a1", "d4"]);
        assert_eq!(state.totals().count, 6, "the totals count every image");
        assert!(!state.should_quit);
        key(&mut state, KeyInput::plain(Key::Enter));
        assert!(!state.query.editing);
        assert_eq!(state.query.text, "ngx");
        assert_eq!(shown(&state), ["a1", "d4"], "Enter keeps the filter");
        // Keys are actions again.
        key(&mut state, KeyInput::ch('j'));
        assert_eq!(selected(&state), "d4");
    }

    #[test]
    fn arrows_move_while_typing_and_the_selection_survives_when_it_still_matches() {
        let mut state = state();
        act(&mut state, Action::Down);
        act(&mut state, Action::Down);
        act(&mut state, Action::Down);
        assert_eq!(selected(&state), "d4");
        act(&mut state, Action::Filter);
        type_text(&mut state, "nginx");
        assert_eq!(selected(&state), "d4", "still shown, so still selected");
        assert_eq!(state.cursor(), 1);
        key(&mut state, KeyInput::plain(Key::Up));
        assert_eq!(selected(&state), "a1");
        assert!(state.query.editing, "arrows do not close the prompt");
        // A selected image the filter hides gives way to the row at its position.
        type_text(&mut state, ":1.24");
        assert_eq!(shown(&state), ["d4"]);
        assert_eq!(selected(&state), "d4");
    }

    #[test]
    fn esc_in_the_prompt_clears_the_filter_and_esc_after_clears_filter_then_marks() {
        let mut state = state();
        act(&mut state, Action::Filter);
        type_text(&mut state, "redis");
        key(&mut state, KeyInput::plain(Key::Esc));
        assert!(!state.query.editing);
        assert_eq!(state.query.text, "");
        assert_eq!(shown(&state).len(), 6);

        act(&mut state, Action::Top);
        act(&mut state, Action::ToggleMark); // a1
        act(&mut state, Action::Filter);
        type_text(&mut state, "redis");
        key(&mut state, KeyInput::plain(Key::Enter));
        act(&mut state, Action::ToggleMark); // b2
        assert_eq!(state.marked().0, 2, "a hidden mark stays");
        act(&mut state, Action::Back);
        assert_eq!(state.query.text, "", "the first Esc clears the filter");
        assert_eq!(state.marked().0, 2, "and keeps the marks");
        act(&mut state, Action::Back);
        assert_eq!(state.marked().0, 0, "the second clears the marks");
    }

    #[test]
    fn a_query_that_does_not_parse_keeps_the_last_good_one_and_the_prompt() {
        let mut state = state();
        act(&mut state, Action::Filter);
        type_text(&mut state, "size>");
        assert_eq!(state.query.text, "size>");
        let error = state.query.error.clone().expect("an error");
        assert!(error.contains("size>"), "{error}");
        // What stays applied is the last query that parsed, "size" (a fuzzy term).
        assert_eq!(state.filter(), &Filter::parse("size").unwrap());
        assert!(shown(&state).is_empty());
        state.update(Message::Query(QueryInput::Accept));
        assert!(state.query.editing, "Enter does not close on an error");
        type_text(&mut state, "350");
        assert_eq!(state.query.error, None);
        assert_eq!(shown(&state), ["a1", "b2", "c3"]);
        state.update(Message::Query(QueryInput::DeleteWord));
        assert_eq!(state.query.text, "");
        type_text(&mut state, "nginx dangl");
        state.update(Message::Query(QueryInput::DeleteWord));
        assert_eq!(state.query.text, "nginx ");
        state.update(Message::Query(QueryInput::Backspace));
        assert_eq!(state.query.text, "nginx");
        state.update(Message::Query(QueryInput::Clear));
        assert_eq!(state.query.text, "");
    }

    #[test]
    fn quick_toggles_add_and_remove_their_term() {
        let mut state = state();
        act(&mut state, Action::ToggleDanglingOnly);
        assert_eq!(state.query.text, "dangling");
        assert_eq!(shown(&state), ["c3", "f6"]);
        act(&mut state, Action::ToggleDanglingOnly);
        assert_eq!(state.query.text, "");
        assert_eq!(shown(&state).len(), 6);

        // `unused` needs the container list: until it arrives no image is known unused.
        act(&mut state, Action::ToggleUnusedOnly);
        assert_eq!(state.query.text, "unused");
        assert!(shown(&state).is_empty());
        let running = vec![ContainerRef {
            name: "web".into(),
            running: true,
        }];
        let by_image = HashMap::from([(ImageId::new("sha256:a1"), running)]);
        state.update(Message::Engine(EngineEvent::Containers {
            generation: 0,
            by_image,
        }));
        assert_eq!(shown(&state), ["b2", "c3", "d4", "e5", "f6"]);
        act(&mut state, Action::ToggleDanglingOnly);
        assert_eq!(state.query.text, "unused dangling");
        assert_eq!(shown(&state), ["c3", "f6"]);
    }

    #[test]
    fn sorting_and_engine_events_keep_working_while_filtered() {
        let mut state = state();
        state.set_query("nginx".into());
        act(&mut state, Action::SortBy(SortKey::Size));
        assert_eq!(shown(&state), ["d4", "a1"], "reversed, still filtered");
        // A new matching image appears in its place; one that does not stays hidden.
        for (id, tag) in [("g7", "nginx:1.26"), ("h8", "alpine:3")] {
            state.update(Message::Engine(EngineEvent::ImageChanged {
                generation: 0,
                image: Box::new(image(id, 350, &[tag])),
            }));
        }
        assert_eq!(shown(&state), ["d4", "g7", "a1"]);
        // The tag moves to another image: the old one is dangling now.
        state.set_query("dangling".into());
        assert_eq!(shown(&state), ["f6", "c3"]);
        state.update(Message::Engine(EngineEvent::ImageChanged {
            generation: 0,
            image: Box::new(image("b9", 50, &["nginx:1.24"])),
        }));
        assert_eq!(shown(&state), ["f6", "d4", "c3"]);
        state.update(Message::Engine(EngineEvent::ImageGone {
            generation: 0,
            id: ImageId::new("sha256:f6"),
        }));
        assert_eq!(shown(&state), ["d4", "c3"]);
    }

    #[test]
    fn narrowing_while_typing_gives_what_a_fresh_filter_gives() {
        let queries = [
            "n",
            "ng",
            "ngi",
            "nginx",
            "nginx:",
            "nginx:1.2",
            "nginx:1.25",
        ];
        let mut typed = state();
        for query in queries {
            typed.set_query(query.to_string());
            let mut fresh = state();
            fresh.set_query(query.to_string());
            assert_eq!(shown(&typed), shown(&fresh), "{query}");
        }
        // And back out again (Backspace returns to what each step let through).
        for query in queries.iter().rev() {
            typed.set_query(query.to_string());
            let mut fresh = state();
            fresh.set_query(query.to_string());
            assert_eq!(shown(&typed), shown(&fresh), "{query}");
        }
    }

    #[test]
    fn backspace_after_container_counts_changed_counts_them_anew() {
        let mut typed = state();
        typed.update(Message::Engine(EngineEvent::Containers {
            generation: 0,
            by_image: HashMap::new(),
        }));
        typed.set_query("unused".into());
        typed.set_query("unused p".into());
        assert_eq!(shown(&typed), ["e5"]);
        let user = ContainerRef {
            name: "db".into(),
            running: true,
        };
        typed.update(Message::Engine(EngineEvent::Containers {
            generation: 0,
            by_image: HashMap::from([(ImageId::new("sha256:e5"), vec![user])]),
        }));
        typed.set_query("unused".into());
        assert_eq!(shown(&typed), ["a1", "b2", "c3", "d4", "f6"]);
    }

    #[test]
    fn backspace_after_the_images_changed_shows_them_as_they_are_now() {
        // A new image that only a shorter query lets through, one that loses its tag, one
        // that goes, and container counts: each while the longer query is applied.
        let changes = [
            EngineEvent::ImageChanged {
                generation: 0,
                image: Box::new(image("g7", 50, &["nginx:1.26"])),
            },
            EngineEvent::ImageChanged {
                generation: 0,
                image: Box::new(image("d4", 300, &[])),
            },
            EngineEvent::ImageGone {
                generation: 0,
                id: ImageId::new("sha256:a1"),
            },
            EngineEvent::Containers {
                generation: 0,
                by_image: HashMap::from([(ImageId::new("sha256:d4"), Vec::new())]),
            },
        ];
        for change in changes {
            let mut typed = state();
            for query in ["ngi", "nginx:1.2", "nginx:1.25"] {
                typed.set_query(query.into());
            }
            let mut fresh = state();
            typed.update(Message::Engine(change.clone()));
            fresh.update(Message::Engine(change.clone()));
            for query in ["nginx:1.2", "ngi", "nginx:1.24", "nginx:1.2", ""] {
                typed.set_query(query.into());
                fresh.set_query(query.into());
                assert_eq!(shown(&typed), shown(&fresh), "{query:?} after {change:?}");
            }
        }
    }

    #[test]
    fn typing_on_after_the_images_changed_finds_them_as_they_are_now() {
        // While "ngi" is applied, its text was searched and where it matched kept: a tag
        // moves to a new image, an untag (ours, patched before the engine's event), an image
        // re-tagged so that its match moves, one that goes.
        type Change = fn(&mut AppState);
        let changes: [(&str, Change); 4] = [
            ("a tag moves", |state| {
                let g7 = image("g7", 50, &["nginx:1.25"]);
                state.update(Message::Engine(EngineEvent::ImageChanged {
                    generation: 0,
                    image: Box::new(g7),
                }));
            }),
            ("our untag", |state| {
                state.drop_reference(&ImageId::new("sha256:a1"), "nginx:1.25");
            }),
            ("a re-tag", |state| {
                let d4 = image("d4", 300, &["engine-x:1", "nginx:1.2"]);
                state.update(Message::Engine(EngineEvent::ImageChanged {
                    generation: 0,
                    image: Box::new(d4),
                }));
            }),
            ("a removal", |state| {
                state.update(Message::Engine(EngineEvent::ImageGone {
                    generation: 0,
                    id: ImageId::new("sha256:a1"),
                }));
            }),
        ];
        for (name, change) in changes {
            let mut typed = state();
            for query in ["n", "ng", "ngi"] {
                typed.set_query(query.into());
            }
            let mut fresh = state();
            change(&mut typed);
            change(&mut fresh);
            for query in ["ngin", "nginx:1.2", "nginx:1.25", "ng", "nginx:1.24", ""] {
                typed.set_query(query.into());
                fresh.set_query(query.into());
                assert_eq!(shown(&typed), shown(&fresh), "{query:?} after {name}");
            }
        }
    }

    #[test]
    fn clean_ups_ignore_the_filter_but_mark_all_marks_only_what_is_shown() {
        let mut state = state();
        state.update(Message::Engine(EngineEvent::Status(
            EngineStatus::Connected(EngineInfo::default()),
        )));
        state.update(Message::Engine(EngineEvent::Containers {
            generation: 0,
            by_image: HashMap::new(),
        }));
        state.set_query("redis".into());
        // `D` deletes every dangling image, the hidden ones too, and shows them all.
        act(&mut state, Action::DeleteDangling);
        let Some(Dialog::Confirm(confirm)) = &state.dialog else {
            panic!("no confirmation: {:?}", state.dialog);
        };
        let listed: Vec<&str> = confirm.plan.remove.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(listed, ["sha256:c3", "sha256:f6"]);
        act(&mut state, Action::Back);
        state.dialog = None;
        act(&mut state, Action::MarkAll);
        assert_eq!(state.marked().0, 1, "only redis is shown");
        assert!(state.is_filtered());
        assert_eq!(state.filter(), &Filter::parse("redis").unwrap());
    }
}
