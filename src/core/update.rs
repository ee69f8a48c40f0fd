//! `update`: the one place where messages change the state. Synchronous and pure apart
//! from the state it is given; anything that needs the outside world is returned as a
//! `Command` for the shell to run.

use super::action::{Action, Command, EngineEvent, EngineInfo, EngineStatus, Message};
use super::dialog::DialogInput;
use super::disk::DiskUsage;
use super::filter::toggle_term;
use super::keymap::{KeyInput, KeyMap};
use super::picker::PickerInput;
use super::query::query_message;
use super::state::{AppState, Focus};

impl AppState {
    pub fn update(&mut self, message: Message) -> Vec<Command> {
        match message {
            Message::Action(action) => self.apply_action(action),
            Message::Dialog(input) => self.dialog_input(input),
            Message::Query(input) => {
                self.query_input(input);
                Vec::new()
            }
            Message::Clock(now) => {
                self.now = now;
                Vec::new()
            }
            Message::Engine(event) => self.update(Message::EngineBatch(vec![event])),
            Message::EngineBatch(events) => {
                // A run of this many image changes or more is settled once at its end (one
                // full sort); fewer are each patched in, which costs less than that sort. At
                // 100,000 images settling cost 9-12 ms for any run, patching 2.2-2.5 ms for
                // one change, 6.2-6.4 for four, 8.4-10.9 for five, 11-14 for six.
                const SETTLE_ONCE_FROM: usize = 6;
                let images = events.iter().filter(|e| e.changes_one_image()).count();
                for event in events {
                    if event.changes_one_image() && images >= SETTLE_ONCE_FROM {
                        self.defer_reorder();
                    } else {
                        self.settle();
                    }
                    let cleaned_up = matches!(
                        event,
                        EngineEvent::JobDone { .. } | EngineEvent::PruneDone { .. }
                    );
                    self.apply_engine_event(event);
                    if cleaned_up {
                        self.disk.stale = true;
                    }
                }
                self.settle();
                self.disk_usage_due().into_iter().collect()
            }
            Message::Viewport(viewport) => {
                self.set_viewport(viewport);
                Vec::new()
            }
            Message::Pointer(pointer) => {
                self.pointer(pointer);
                Vec::new()
            }
            Message::Picker(input) => self.picker_input(input),
            Message::EngineChoices(choices) => {
                self.open_picker(choices);
                Vec::new()
            }
            Message::Switched(switched) => {
                self.switched(switched);
                Vec::new()
            }
            Message::SwitchFailed(error) => {
                self.switch_failed(error);
                Vec::new()
            }
        }
    }

    /// What a key means now: dialog keys while a dialog is open, typing while the filter
    /// prompt is, else the key map's action.
    pub fn message_for(&self, key: KeyInput, keymap: &KeyMap) -> Option<Message> {
        if self.dialog.is_some() {
            DialogInput::from_key(key).map(Message::Dialog)
        } else if self.picker.is_some() {
            PickerInput::from_key(key).map(Message::Picker)
        } else if self.query.editing {
            query_message(key)
        } else {
            keymap.action_for(key).map(Message::Action)
        }
    }

    fn apply_action(&mut self, action: Action) -> Vec<Command> {
        if self.dialog.is_some() {
            // Keys reach an open dialog as `Message::Dialog`; stray actions are ignored.
            return Vec::new();
        }
        if self.help_open {
            // The overlay swallows keys; these close it, Ctrl-C and q still quit.
            let page = self.viewport.help_rows.max(1) as isize;
            match action {
                Action::ToggleHelp | Action::Back => self.help_open = false,
                Action::Quit => self.should_quit = true,
                // On a short terminal the help scrolls.
                Action::Down => self.scroll_help(1),
                Action::Up => self.scroll_help(-1),
                Action::PageDown => self.scroll_help(page),
                Action::PageUp => self.scroll_help(-page),
                Action::HalfPageDown => self.scroll_help(page / 2),
                Action::HalfPageUp => self.scroll_help(-page / 2),
                Action::Top => self.help_scroll = 0,
                Action::Bottom => self.help_scroll = self.max_help_scroll(),
                _ => {}
            }
            return Vec::new();
        }
        // The inspect view takes every key but these.
        if !matches!(
            action,
            Action::Refresh | Action::Quit | Action::ToggleHelp | Action::SwitchContext
        ) && self.inspect.action(action)
        {
            return Vec::new();
        }
        let page = self.viewport.list_rows.max(1) as isize;
        match action {
            Action::Up | Action::Down if self.focus == Focus::Detail => {
                let delta = if action == Action::Up { -1 } else { 1 };
                self.scroll_detail(delta);
            }
            Action::PageUp | Action::PageDown if self.focus == Focus::Detail => {
                let rows = self.viewport.detail_rows.max(1) as isize;
                let delta = if action == Action::PageUp {
                    -rows
                } else {
                    rows
                };
                self.scroll_detail(delta);
            }
            Action::Up => self.move_cursor(-1),
            Action::Down => self.move_cursor(1),
            Action::PageUp => self.move_cursor(-page),
            Action::PageDown => self.move_cursor(page),
            Action::HalfPageUp => self.move_cursor(-(page / 2).max(1)),
            Action::HalfPageDown => self.move_cursor((page / 2).max(1)),
            Action::Top if self.focus == Focus::Detail => self.detail_scroll = 0,
            Action::Bottom if self.focus == Focus::Detail => {
                self.detail_scroll = self.max_detail_scroll()
            }
            Action::Top => self.select_position(0),
            Action::Bottom => self.select_position(usize::MAX),
            Action::SortBy(key) => self.set_sort(self.sort().toggled(key)),
            Action::ToggleFocus => {
                self.focus = match self.focus {
                    Focus::List => Focus::Detail,
                    Focus::Detail => Focus::List,
                }
            }
            Action::ToggleHelp => {
                self.help_open = true;
                self.help_scroll = 0;
            }
            Action::Back => {
                self.focus = Focus::List;
                self.notice = None;
                // The filter goes first: marks made in a filtered view survive seeing all.
                if self.query.text.is_empty() {
                    self.clear_marks();
                } else {
                    self.set_query(String::new());
                }
            }
            Action::Filter => {
                self.focus = Focus::List;
                self.query.editing = true;
            }
            Action::ToggleDanglingOnly => self.set_query(toggle_term(&self.query.text, "dangling")),
            Action::ToggleUnusedOnly => self.set_query(toggle_term(&self.query.text, "unused")),
            Action::ToggleMark => {
                if let Some(id) = self.selected().map(|i| i.id.clone()) {
                    self.toggle_mark(&id);
                    self.move_cursor(1);
                }
            }
            Action::MarkAll => self.mark_all_shown(),
            Action::Delete | Action::DeleteDangling | Action::Prune => self.clean_up_action(action),
            Action::Yank(what) => return self.yank_selected(what),
            Action::Refresh => {
                self.listing.generation += 1;
                self.listing.in_flight = true;
                let inspect = self.inspect.refresh();
                return [Command::Refresh {
                    generation: self.listing.generation,
                }]
                .into_iter()
                .chain(inspect)
                .collect();
            }
            Action::Inspect => return self.open_inspect(),
            Action::DiskUsage => return self.ask_disk_usage().into_iter().collect(),
            Action::NextTab | Action::ShowTab(_) => {}
            Action::SwitchContext => return vec![Command::ListEngines],
            Action::Quit => self.should_quit = true,
        }
        Vec::new()
    }

    /// `docker system df` in the background: once the engine's first list is in, and again
    /// after a clean-up has finished. Never per event: the engine walks every layer for it.
    fn disk_usage_due(&mut self) -> Option<Command> {
        let first = self.disk.usage.is_none() && self.disk.error.is_none();
        let due = (first || self.disk.stale)
            && self.listing.loaded
            && self.listing.cached_at.is_none()
            && self.operation.is_none();
        if due { self.ask_disk_usage() } else { None }
    }

    /// One request at a time, and only to an engine we are connected to.
    fn ask_disk_usage(&mut self) -> Option<Command> {
        if self.disk.loading || !matches!(self.engine, EngineStatus::Connected(_)) {
            return None;
        }
        self.disk.loading = true;
        self.disk.stale = false;
        Some(Command::DiskUsage)
    }

    /// Enter: the inspect view of the selected image (its details from the cache when they
    /// were fetched before).
    fn open_inspect(&mut self) -> Vec<Command> {
        let Some(image) = self.selected() else {
            return Vec::new();
        };
        let title = image
            .primary_reference()
            .map_or_else(|| image.id.short().to_string(), str::to_string);
        let id = image.id.clone();
        self.inspect.open(id, title).into_iter().collect()
    }

    pub(super) fn scroll_detail(&mut self, delta: isize) {
        self.detail_scroll = self
            .detail_scroll
            .saturating_add_signed(delta)
            .min(self.max_detail_scroll());
    }

    fn apply_engine_event(&mut self, event: EngineEvent) {
        let current = self.listing.generation;
        match event {
            EngineEvent::Status(status) => {
                match &status {
                    EngineStatus::Connected(_) => self.last_error = None,
                    EngineStatus::Unreachable { error, .. } => {
                        self.listing.in_flight = false;
                        self.last_error = Some(error.clone());
                    }
                    EngineStatus::Connecting { .. } => {}
                }
                self.engine = status;
            }
            EngineEvent::Described(described) => {
                if let EngineStatus::Connected(info) = &mut self.engine {
                    // Where images are kept may be known already (`Storage`).
                    let storage = std::mem::take(&mut info.storage);
                    *info = EngineInfo {
                        storage,
                        ..described
                    };
                }
            }
            EngineEvent::Storage(storage) => {
                if let EngineStatus::Connected(info) = &mut self.engine {
                    info.storage = storage;
                }
            }
            EngineEvent::ListStarted { generation } if generation >= current => {
                self.listing.generation = generation;
                self.listing.in_flight = true;
            }
            EngineEvent::Listed { generation, images } if generation >= current => {
                self.listing.generation = generation;
                self.listing.in_flight = false;
                self.listing.loaded = true;
                self.listing.cached_at = None;
                self.last_error = None;
                self.replace_all(images);
            }
            // Only before the engine's list: a cache never replaces a live list.
            EngineEvent::Cached { images, saved_at } if !self.listing.loaded => {
                self.listing.loaded = true;
                self.listing.cached_at = Some(saved_at);
                self.replace_all(images);
            }
            EngineEvent::ImageChanged { generation, image } if generation >= current => {
                self.upsert(*image)
            }
            EngineEvent::ImageGone { generation, id } if generation >= current => {
                self.inspect.forget(&id);
                self.remove(&id)
            }
            EngineEvent::Containers {
                generation,
                by_image,
            } if generation >= current => self.set_containers(by_image),
            EngineEvent::Failed { generation, error } if generation >= current => {
                self.listing.in_flight = false;
                self.last_error = Some(error);
            }
            EngineEvent::JobDone {
                operation,
                id,
                outcome,
            } => self.job_done(operation, id, outcome),
            EngineEvent::PruneChecking { operation } => self.prune_checking(operation),
            EngineEvent::PruneDone { operation, outcome } => self.prune_done(operation, outcome),
            EngineEvent::Inspected { id, result } => self.inspect.answered(id, result),
            EngineEvent::DiskUsage(result) => {
                self.disk.loading = false;
                match result {
                    Ok(report) => {
                        self.disk.usage = Some(DiskUsage::from_report(report, self.now));
                        self.disk.error = None;
                    }
                    Err(error) => self.disk.error = Some(error),
                }
            }
            // Results of a superseded refresh.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::core::action::{EngineInfo, EngineStatus, Viewport};
    use crate::core::image::{ContainerRef, Image, ImageId};
    use crate::core::sort::{Sort, SortKey};

    fn image(id: &str, size: u64, tag: Option<&str>) -> Image {
        Image {
            id: ImageId::new(id),
            size,
            created: Some(1_000),
            repo_tags: tag.map(|t| vec![t.to_string()]).unwrap_or_default(),
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

    fn ids(state: &AppState) -> Vec<&str> {
        (0..state.len())
            .map(|p| state.row(p).unwrap().id.as_str())
            .collect()
    }

    fn act(state: &mut AppState, action: Action) -> Vec<Command> {
        state.update(Message::Action(action))
    }

    fn selected(state: &AppState) -> &str {
        state.selected().unwrap().id.as_str()
    }

    /// A property test's settings: `cases` cases, no failure files written.
    fn cases(cases: u32) -> proptest::prelude::ProptestConfig {
        proptest::prelude::ProptestConfig {
            failure_persistence: None,
            cases,
            ..proptest::prelude::ProptestConfig::default()
        }
    }

    #[test]
    fn the_storage_joins_the_connected_engines_facts() {
        let mut state = state_with(Vec::new());
        // Before the connection there is nothing to add it to.
        state.update(Message::Engine(EngineEvent::Storage("overlay2".into())));
        assert!(matches!(state.engine, EngineStatus::Connecting { .. }));
        state.update(Message::Engine(EngineEvent::Status(
            EngineStatus::Connected(EngineInfo::default()),
        )));
        state.update(Message::Engine(EngineEvent::Storage(
            "containerd store (overlayfs)".into(),
        )));
        let EngineStatus::Connected(info) = &state.engine else {
            panic!("connected");
        };
        assert_eq!(info.storage, "containerd store (overlayfs)");
        // What `/version` says comes after, and keeps where images are kept.
        let described = EngineInfo {
            product: "Docker".into(),
            version: "28.5.2".into(),
            arch: "amd64".into(),
            ..EngineInfo::default()
        };
        state.update(Message::Engine(EngineEvent::Described(described)));
        let EngineStatus::Connected(info) = &state.engine else {
            panic!("connected");
        };
        assert_eq!(
            (
                info.version.as_str(),
                info.arch.as_str(),
                info.storage.as_str()
            ),
            ("28.5.2", "amd64", "containerd store (overlayfs)")
        );
    }

    #[test]
    fn empty_list_is_safe_to_navigate() {
        let mut state = state_with(vec![]);
        for action in [
            Action::Down,
            Action::Up,
            Action::PageDown,
            Action::Bottom,
            Action::Top,
            Action::SortBy(SortKey::Name),
            Action::HalfPageUp,
        ] {
            act(&mut state, action);
        }
        assert!(state.selected().is_none());
        assert_eq!(state.cursor(), 0);
        assert_eq!(state.visible_rows(10).count(), 0);
    }

    #[test]
    fn first_row_is_selected_after_load() {
        let state = state_with(vec![image("a", 1, None), image("b", 5, None)]);
        assert_eq!(selected(&state), "b");
        assert_eq!(state.totals().count, 2);
        assert_eq!(state.totals().dangling, 2);
        assert_eq!(state.totals().dangling_size, 6);
    }

    #[test]
    fn selection_follows_the_image_across_resort() {
        let mut state = state_with(vec![
            image("a", 30, Some("zz:1")),
            image("b", 20, Some("aa:1")),
            image("c", 10, Some("mm:1")),
        ]);
        act(&mut state, Action::Down);
        assert_eq!(selected(&state), "b");
        act(&mut state, Action::SortBy(SortKey::Name));
        assert_eq!(ids(&state), ["b", "c", "a"]);
        assert_eq!(selected(&state), "b");
        assert_eq!(state.cursor(), 0);
        act(&mut state, Action::SortBy(SortKey::Name));
        assert_eq!(ids(&state), ["a", "c", "b"]);
        assert_eq!(state.cursor(), 2);
        assert_eq!(selected(&state), "b");
    }

    #[test]
    fn selection_survives_refresh_and_falls_back_by_position() {
        let mut state = state_with(vec![
            image("a", 30, None),
            image("b", 20, None),
            image("c", 10, None),
        ]);
        act(&mut state, Action::Down);
        // A refresh where "b" grew to the top.
        state.update(Message::Engine(EngineEvent::Listed {
            generation: 0,
            images: vec![
                image("a", 30, None),
                image("b", 99, None),
                image("c", 10, None),
            ],
        }));
        assert_eq!(selected(&state), "b");
        assert_eq!(state.cursor(), 0);
        // "b" deleted elsewhere: the cursor stays at its row, on whatever is there now.
        state.update(Message::Engine(EngineEvent::ImageGone {
            generation: 0,
            id: ImageId::new("b"),
        }));
        assert_eq!(selected(&state), "a");
        act(&mut state, Action::Bottom);
        state.update(Message::Engine(EngineEvent::ImageGone {
            generation: 0,
            id: ImageId::new("c"),
        }));
        assert_eq!(selected(&state), "a");
        state.update(Message::Engine(EngineEvent::ImageGone {
            generation: 0,
            id: ImageId::new("a"),
        }));
        assert!(state.selected().is_none());
    }

    #[test]
    fn image_events_patch_the_list() {
        let mut state = state_with(vec![image("a", 30, None)]);
        let mut shared = image("a", 30, Some("app:1"));
        shared.shared_size = None;
        state.update(Message::Engine(EngineEvent::ImageChanged {
            generation: 0,
            image: Box::new(image("new", 50, Some("new:1"))),
        }));
        assert_eq!(ids(&state), ["new", "a"]);
        assert_eq!(selected(&state), "a", "selection stays on its image");
        state.update(Message::Engine(EngineEvent::ImageChanged {
            generation: 0,
            image: Box::new(shared),
        }));
        assert_eq!(state.totals().dangling, 0);
        assert_eq!(state.len(), 2);
    }

    #[test]
    fn a_tag_that_moved_leaves_the_old_image_dangling() {
        let mut state = state_with(vec![
            image("old", 10, Some("app:latest")),
            image("other", 5, Some("other:1")),
        ]);
        let mut rebuilt = image("new", 20, Some("app:latest"));
        rebuilt.repo_tags.push("app:2".into());
        state.update(Message::Engine(EngineEvent::ImageChanged {
            generation: 0,
            image: Box::new(rebuilt),
        }));
        let old = state.image(&ImageId::new("old")).unwrap();
        assert!(old.is_dangling(), "{:?}", old.repo_tags);
        assert_eq!(state.totals().dangling, 1);
        assert_eq!(state.totals().dangling_size, 10);
        let other = state.image(&ImageId::new("other")).unwrap();
        assert_eq!(other.repo_tags, ["other:1"]);
    }

    #[test]
    fn upsert_keeps_what_an_inspect_does_not_know() {
        let mut listed = image("a", 30, None);
        listed.shared_size = Some(7);
        listed.containers = Some(2);
        let mut state = state_with(vec![listed]);
        state.update(Message::Engine(EngineEvent::ImageChanged {
            generation: 0,
            // Docker 28's inspect reports a smaller size than its list for the same id.
            image: Box::new(image("a", 18, Some("x:1"))),
        }));
        let a = state.selected().unwrap();
        assert_eq!(a.size, 30, "the listed size stays");
        assert_eq!(a.shared_size, Some(7));
        assert_eq!(a.containers, Some(2));
        assert_eq!(a.repo_tags, ["x:1"]);
    }

    #[test]
    fn stale_generations_are_dropped() {
        let mut state = state_with(vec![image("a", 1, None)]);
        let commands = act(&mut state, Action::Refresh);
        assert_eq!(commands, [Command::Refresh { generation: 1 }]);
        assert!(state.listing.in_flight);
        state.update(Message::Engine(EngineEvent::Listed {
            generation: 0,
            images: vec![],
        }));
        assert_eq!(state.len(), 1, "an older list must not replace the state");
        state.update(Message::Engine(EngineEvent::ImageChanged {
            generation: 0,
            image: Box::new(image("late", 1, None)),
        }));
        assert_eq!(state.len(), 1);
        state.update(Message::Engine(EngineEvent::Listed {
            generation: 1,
            images: vec![image("b", 1, None), image("c", 2, None)],
        }));
        assert_eq!(ids(&state), ["c", "b"]);
        assert!(!state.listing.in_flight);
    }

    /// Past `PARALLEL_FROM` images a filter pass is split over threads: narrowing, widening
    /// and container terms give what checking each image on its own gives.
    #[test]
    fn large_lists_filter_as_each_image_would() {
        use crate::core::filter::{Filter, FilterMatcher};
        let images: Vec<Image> = (0..30_000)
            .map(|i| {
                let mut image = image(
                    &format!("sha256:{i:08x}"),
                    i,
                    Some(&format!("app{i}:v{}", i % 7)),
                );
                image.containers = Some(i % 3);
                image
            })
            .collect();
        let mut state = state_with(images.clone());
        let mut matcher = FilterMatcher::default();
        for query in [
            "v3",
            "app1",
            "app12",
            "app12 v3",
            "app1",
            "app12 in-use",
            "!app2 unused",
            "",
        ] {
            state.set_query(query.to_string());
            let filter = Filter::parse(query).unwrap();
            let expected = images
                .iter()
                .filter(|i| filter.matches(&mut matcher, i, i.containers, state.now))
                .count();
            assert_eq!(state.len(), expected, "{query}");
            assert!(
                expected > 0 && (query.is_empty() || expected < images.len()),
                "{query}: {expected}"
            );
        }
    }

    /// Typing on resumes each image's match where the shorter needle matched it: a needle
    /// that no longer fits in the field it matched moves on to a later one, and every step
    /// agrees with filtering from scratch.
    #[test]
    fn typing_on_resumes_matches_and_agrees_with_a_fresh_filter() {
        use crate::core::filter::{Filter, FilterMatcher};
        use proptest::prelude::*;
        let mut moved = image("sha256:01", 1, Some("abx:1"));
        moved.labels = [("k".to_string(), "abc".to_string())].into();
        let mut state = state_with(vec![moved, image("sha256:02", 2, Some("ab:zz"))]);
        for (query, shown) in [("a", 2), ("ab", 2), ("abc", 1), ("abcz", 0), ("abc", 1)] {
            state.set_query(query.into());
            assert_eq!(state.len(), shown, "{query}");
        }
        let config = cases(64);
        let field = "[abc:/.]{0,6}";
        let images = prop::collection::vec(
            (
                prop::collection::vec(field, 0..3),
                prop::collection::vec((field, field), 0..3),
            ),
            0..12,
        );
        proptest!(config, |(images in images, typed in "[abc:/.]{1,6}", back in 0usize..4)| {
            let images: Vec<Image> = images
                .into_iter()
                .enumerate()
                .map(|(i, (tags, labels))| Image {
                    id: ImageId::new(format!("sha256:{i:04x}")),
                    repo_tags: tags,
                    labels: labels.into_iter().collect(),
                    ..Image::default()
                })
                .collect();
            let mut state = state_with(images.clone());
            let mut matcher = FilterMatcher::default();
            let mut queries: Vec<String> =
                (1..=typed.len()).map(|n| typed[..n].to_string()).collect();
            queries.extend((1..=back.min(typed.len() - 1)).map(|n| typed[..typed.len() - n].to_string()));
            for query in queries {
                state.set_query(query.clone());
                let Ok(filter) = Filter::parse(&query) else { continue };
                let expected = images
                    .iter()
                    .filter(|i| filter.matches(&mut matcher, i, None, state.now))
                    .count();
                prop_assert_eq!(state.len(), expected, "{:?}", query);
            }
        });
    }

    /// Whatever arrives (lists, images and tags that move, removals, untags), every sort
    /// shows the images in the order `Sort::compare` gives: the shared id and name prefixes
    /// the state keeps as things change never cut a key short.
    #[test]
    fn every_sort_stays_right_as_images_and_tags_change() {
        use crate::core::sort::SortKey;
        use proptest::prelude::*;
        #[derive(Clone, Debug)]
        enum Change {
            List(Vec<(u8, u64, Vec<String>)>),
            Upsert(u8, u64, Vec<String>),
            Gone(u8),
            /// Untags the image's first tag, so its name becomes its next tag.
            Untag(u8),
            /// A new container list (one container per id named): no order survives it, so
            /// every sort after it is a full one, from the columns the state kept.
            Containers(Vec<u8>),
        }
        let id = |n: u8| format!("sha256:ab{:02x}", n % 12);
        let tags = prop::collection::vec("(reg/team/app|reg/team/apq|reg/t|x)(:[0-9]{1,2})?", 0..3);
        let image = (any::<u8>(), 0u64..4, tags);
        let change = prop_oneof![
            prop::collection::vec(image.clone(), 0..8).prop_map(Change::List),
            image.prop_map(|(n, size, tags)| Change::Upsert(n, size, tags)),
            any::<u8>().prop_map(Change::Gone),
            any::<u8>().prop_map(Change::Untag),
            prop::collection::vec(any::<u8>(), 0..4).prop_map(Change::Containers),
        ];
        let config = cases(256);
        proptest!(config, |(changes in prop::collection::vec(change, 1..12))| {
            let mut state = AppState::new(Sort::default(), "unix:///test.sock");
            let mut counts: HashMap<String, u64> = HashMap::new();
            let make = |n: u8, size: u64, tags: Vec<String>| Image {
                id: ImageId::new(id(n)),
                size,
                // An image seen again may say another time (the column must follow).
                created: Some(i64::from(n % 3) + size as i64),
                repo_tags: tags,
                ..Image::default()
            };
            for change in changes {
                match change {
                    Change::List(list) => {
                        let images = list.into_iter().map(|(n, s, t)| make(n, s, t)).collect();
                        state.update(Message::Engine(EngineEvent::Listed { generation: 0, images }));
                    }
                    Change::Upsert(n, size, tags) => {
                        let image = Box::new(make(n, size, tags));
                        state.update(Message::Engine(EngineEvent::ImageChanged { generation: 0, image }));
                    }
                    Change::Gone(n) => {
                        let id = ImageId::new(id(n));
                        state.update(Message::Engine(EngineEvent::ImageGone { generation: 0, id }));
                    }
                    Change::Untag(n) => {
                        let id = ImageId::new(id(n));
                        let first = state.image(&id).and_then(|i| i.primary_reference()).map(str::to_string);
                        if let Some(tag) = first {
                            state.drop_reference(&id, &tag);
                        }
                    }
                    Change::Containers(users) => {
                        counts.clear();
                        let mut by_image: HashMap<ImageId, Vec<ContainerRef>> = HashMap::new();
                        for n in users {
                            *counts.entry(id(n)).or_default() += 1;
                            by_image.entry(ImageId::new(id(n))).or_default().push(ContainerRef {
                                name: format!("c{n}"),
                                running: false,
                            });
                        }
                        state.update(Message::Engine(EngineEvent::Containers { generation: 0, by_image }));
                    }
                }
                for key in SortKey::ALL {
                    state.update(Message::Action(Action::SortBy(key)));
                    let shown: Vec<&Image> = state.shown_images().collect();
                    let mut plain = shown.clone();
                    let uses = |i: &Image| counts.get(i.id.as_str()).copied().unwrap_or(0);
                    plain.sort_by(|a, b| state.sort().compare(a, uses(a), b, uses(b)));
                    let ids = |list: &[&Image]| list.iter().map(|i| i.id.as_str().to_string()).collect::<Vec<_>>();
                    prop_assert_eq!(ids(&shown), ids(&plain), "{:?}", state.sort());
                }
            }
        });
    }

    #[test]
    fn a_tag_stays_on_the_one_image_that_last_took_it() {
        use proptest::prelude::*;
        #[derive(Clone, Debug)]
        enum Change {
            List(Vec<(u8, Vec<String>)>),
            Upsert(u8, Vec<String>),
            Gone(u8),
            Untag(u8, String),
        }
        let id = |n: u8| format!("sha256:ef{:02x}", n % 10);
        let tags = prop::collection::vec("(a|b|c|d)(:[12])?", 0..3);
        let change = prop_oneof![
            1 => prop::collection::vec((any::<u8>(), tags.clone()), 0..8).prop_map(Change::List),
            5 => (any::<u8>(), tags).prop_map(|(n, tags)| Change::Upsert(n, tags)),
            2 => any::<u8>().prop_map(Change::Gone),
            1 => (any::<u8>(), "(a|b)(:[12])?").prop_map(|(n, tag)| Change::Untag(n, tag)),
        ];
        let config = cases(512);
        proptest!(config, |(changes in prop::collection::vec(change, 1..24))| {
            let mut state = AppState::new(Sort::default(), "unix:///test.sock");
            // What every image holds, by reading every image (as upserts did before).
            let mut model: Vec<(String, Vec<String>)> = Vec::new();
            for change in changes {
                match change {
                    Change::List(list) => {
                        // Engines list a tag once and an id once.
                        model.clear();
                        let mut seen = std::collections::HashSet::new();
                        for (n, tags) in list {
                            if model.iter().any(|(i, _)| *i == id(n)) {
                                continue;
                            }
                            let tags = tags.into_iter().filter(|t| seen.insert(t.clone()));
                            model.push((id(n), tags.collect()));
                        }
                        let images = model
                            .iter()
                            .map(|(i, t)| Image { id: ImageId::new(i), repo_tags: t.clone(), ..Image::default() })
                            .collect();
                        state.update(Message::Engine(EngineEvent::Listed { generation: 0, images }));
                    }
                    Change::Upsert(n, tags) => {
                        for (i, held) in &mut model {
                            if *i != id(n) {
                                held.retain(|t| !tags.contains(t));
                            }
                        }
                        match model.iter_mut().find(|(i, _)| *i == id(n)) {
                            Some((_, held)) => *held = tags.clone(),
                            None => model.push((id(n), tags.clone())),
                        }
                        let image = Image { id: ImageId::new(id(n)), repo_tags: tags, ..Image::default() };
                        state.update(Message::Engine(EngineEvent::ImageChanged { generation: 0, image: Box::new(image) }));
                    }
                    Change::Gone(n) => {
                        model.retain(|(i, _)| *i != id(n));
                        state.update(Message::Engine(EngineEvent::ImageGone { generation: 0, id: ImageId::new(id(n)) }));
                    }
                    Change::Untag(n, tag) => {
                        if let Some((_, held)) = model.iter_mut().find(|(i, _)| *i == id(n)) {
                            held.retain(|t| *t != tag);
                        }
                        state.drop_reference(&ImageId::new(id(n)), &tag);
                    }
                }
                let mut held: Vec<(String, Vec<String>)> = state
                    .all_images()
                    .map(|image| (image.id.as_str().to_string(), image.repo_tags.clone()))
                    .collect();
                held.sort();
                let mut expected = model.clone();
                expected.sort();
                prop_assert_eq!(held, expected);
            }
        });
    }

    #[test]
    fn events_applied_together_leave_what_one_at_a_time_leaves() {
        use proptest::prelude::*;
        #[derive(Clone, Debug)]
        enum Change {
            Upsert(u8, u64, Vec<String>),
            Gone(u8),
            Containers(Vec<u8>),
        }
        let id = |n: u8| format!("sha256:cd{:02x}", n % 16);
        let tags = prop::collection::vec("(reg/team/app|reg/t|x)(:[0-9])?", 0..3);
        let change = prop_oneof![
            4 => (any::<u8>(), 0u64..4, tags.clone())
                .prop_map(|(n, size, tags)| Change::Upsert(n, size, tags)),
            3 => any::<u8>().prop_map(Change::Gone),
            1 => prop::collection::vec(any::<u8>(), 0..4).prop_map(Change::Containers),
        ];
        let first = prop::collection::vec((any::<u8>(), 0u64..4, tags), 0..12);
        let config = cases(256);
        let make = move |n: u8, size: u64, tags: Vec<String>| Image {
            id: ImageId::new(id(n)),
            size,
            created: Some(i64::from(n % 3) + size as i64),
            repo_tags: tags,
            ..Image::default()
        };
        proptest!(config, |(
            list in first,
            changes in prop::collection::vec(change, 0..16),
            query in prop_oneof![Just(""), Just("reg"), Just("app in-use")],
            key in prop::sample::select(SortKey::ALL.to_vec()),
        )| {
            let events: Vec<EngineEvent> = changes
                .into_iter()
                .map(|change| match change {
                    Change::Upsert(n, size, tags) => EngineEvent::ImageChanged {
                        generation: 0,
                        image: Box::new(make(n, size, tags)),
                    },
                    Change::Gone(n) => EngineEvent::ImageGone {
                        generation: 0,
                        id: ImageId::new(id(n)),
                    },
                    Change::Containers(users) => {
                        let mut by_image: HashMap<ImageId, Vec<ContainerRef>> = HashMap::new();
                        for n in users {
                            by_image.entry(ImageId::new(id(n))).or_default().push(ContainerRef {
                                name: format!("c{n}"),
                                running: false,
                            });
                        }
                        EngineEvent::Containers { generation: 0, by_image }
                    }
                })
                .collect();
            let start = || {
                let images = list.iter().map(|(n, s, t)| make(*n, *s, t.clone())).collect();
                let mut state = state_with(images);
                state.update(Message::Action(Action::SortBy(key)));
                state.set_query(query.to_string());
                state
            };
            let (mut apart, mut together) = (start(), start());
            for event in events.clone() {
                apart.update(Message::Engine(event));
            }
            together.update(Message::EngineBatch(events));
            prop_assert_eq!(ids(&together), ids(&apart));
            prop_assert_eq!(together.totals(), apart.totals());
            // Which row the cursor lands on when the selected image went may differ; that
            // it is a row shown may not.
            if let Some(selected) = together.selected() {
                prop_assert!(ids(&together).contains(&selected.id.as_str()));
            }
            // And every other sort agrees too (orders computed after the batch).
            for key in SortKey::ALL {
                apart.update(Message::Action(Action::SortBy(key)));
                together.update(Message::Action(Action::SortBy(key)));
                prop_assert_eq!(ids(&together), ids(&apart), "{:?}", key);
            }
        });
    }

    #[test]
    fn container_counts_override_engine_minus_one() {
        let mut a = image("a", 1, None);
        a.containers = None;
        let mut state = state_with(vec![a, image("b", 2, None)]);
        assert_eq!(state.containers_of(state.selected().unwrap()), None);
        let container = |name: &str| ContainerRef {
            name: name.into(),
            running: false,
        };
        state.update(Message::Engine(EngineEvent::Containers {
            generation: 0,
            by_image: HashMap::from([(
                ImageId::new("a"),
                vec![container("x"), container("y"), container("z")],
            )]),
        }));
        act(&mut state, Action::SortBy(SortKey::Containers));
        assert_eq!(ids(&state), ["a", "b"]);
        assert_eq!(state.containers_of(state.row(0).unwrap()), Some(3));
        assert_eq!(state.containers_of(state.row(1).unwrap()), Some(0));
        // The counts follow the images when others move in memory: removing the first one
        // moves the last into its place.
        state.update(Message::Engine(EngineEvent::Listed {
            generation: 0,
            images: vec![
                image("a", 1, None),
                image("b", 2, None),
                image("c", 3, None),
            ],
        }));
        state.update(Message::Engine(EngineEvent::Containers {
            generation: 0,
            by_image: HashMap::from([(ImageId::new("c"), vec![container("x")])]),
        }));
        assert_eq!(ids(&state), ["c", "a", "b"]);
        state.update(Message::Engine(EngineEvent::ImageGone {
            generation: 0,
            id: ImageId::new("a"),
        }));
        assert_eq!(ids(&state), ["c", "b"]);
        assert_eq!(state.containers_of(state.row(0).unwrap()), Some(1));
    }

    #[test]
    fn paging_and_scrolling_keep_the_cursor_visible() {
        let images = (0..100)
            .map(|i| image(&format!("{i:03}"), 1000 - i, None))
            .collect();
        let mut state = state_with(images);
        state.update(Message::Viewport(Viewport {
            list_rows: 10,
            detail_rows: 5,
            detail_lines: 12,
            ..Viewport::default()
        }));
        act(&mut state, Action::PageDown);
        assert_eq!(state.cursor(), 10);
        assert_eq!(state.offset(), 1);
        act(&mut state, Action::HalfPageDown);
        assert_eq!(state.cursor(), 15);
        act(&mut state, Action::Bottom);
        assert_eq!(state.cursor(), 99);
        assert_eq!(state.offset(), 90);
        assert_eq!(state.visible_rows(10).count(), 10);
        act(&mut state, Action::HalfPageUp);
        assert_eq!(state.cursor(), 94);
        assert_eq!(state.offset(), 90);
        act(&mut state, Action::PageUp);
        assert_eq!(state.cursor(), 84);
        assert_eq!(state.offset(), 84);
        act(&mut state, Action::Top);
        assert_eq!((state.cursor(), state.offset()), (0, 0));
        act(&mut state, Action::Up);
        assert_eq!(state.cursor(), 0);

        act(&mut state, Action::ToggleFocus);
        act(&mut state, Action::Down);
        assert_eq!(
            state.cursor(),
            0,
            "in the detail pane, keys scroll the detail"
        );
        assert_eq!(state.detail_scroll, 1);
        act(&mut state, Action::PageDown);
        assert_eq!(state.detail_scroll, 6);
        act(&mut state, Action::PageDown);
        assert_eq!(state.detail_scroll, 7, "clamped to lines - rows");
        act(&mut state, Action::Back);
        assert_eq!(state.focus, Focus::List);
    }

    #[test]
    fn help_overlay_swallows_keys() {
        let mut state = state_with(vec![image("a", 2, None), image("b", 1, None)]);
        act(&mut state, Action::ToggleHelp);
        act(&mut state, Action::Down);
        assert_eq!(state.cursor(), 0);
        act(&mut state, Action::Back);
        assert!(!state.help_open);
        act(&mut state, Action::ToggleHelp);
        act(&mut state, Action::Quit);
        assert!(state.should_quit);
    }

    #[test]
    fn engine_loss_keeps_the_list_and_marks_it_stale() {
        let mut state = state_with(vec![image("a", 2, None)]);
        state.update(Message::Engine(EngineEvent::Status(
            EngineStatus::Connected(EngineInfo::default()),
        )));
        assert!(!state.is_stale());
        state.update(Message::Engine(EngineEvent::Status(
            EngineStatus::Unreachable {
                host: "unix:///x".into(),
                error: "connection refused".into(),
                attempt: 2,
                retry_in_secs: 4,
            },
        )));
        assert!(state.is_stale());
        assert_eq!(state.len(), 1);
        assert_eq!(state.last_error.as_deref(), Some("connection refused"));
    }

    #[test]
    fn a_cached_list_shows_until_the_engine_list_replaces_it() {
        let mut state = AppState::new(Sort::default(), "unix:///test.sock");
        state.update(Message::Engine(EngineEvent::Cached {
            images: vec![image("old", 5, Some("gone:1")), image("kept", 9, None)],
            saved_at: 1_700,
        }));
        assert_eq!(ids(&state), ["kept", "old"]);
        assert_eq!(state.listing.cached_at, Some(1_700));
        assert!(state.is_stale());
        // Connected, but the list is still last run's: nothing may be deleted from it.
        state.update(Message::Engine(EngineEvent::Status(
            EngineStatus::Connected(EngineInfo::default()),
        )));
        assert!(state.is_stale());
        let commands = act(&mut state, Action::DeleteDangling);
        assert!(commands.is_empty() && state.dialog.is_none());
        assert!(state.notice.as_ref().unwrap().text.contains("Wait"));

        state.update(Message::Engine(EngineEvent::Listed {
            generation: 0,
            images: vec![image("kept", 9, None), image("new", 1, Some("new:1"))],
        }));
        assert_eq!(ids(&state), ["kept", "new"]);
        assert_eq!(state.listing.cached_at, None);
        assert!(!state.is_stale());
        assert_eq!(selected(&state), "kept", "the selection survives the swap");

        // A cache read that finishes late never replaces the live list.
        state.update(Message::Engine(EngineEvent::Cached {
            images: vec![image("old", 5, None)],
            saved_at: 1_700,
        }));
        assert_eq!(ids(&state), ["kept", "new"]);
        assert!(!state.is_stale());
    }
}
