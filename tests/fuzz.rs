//! Property tests ("fuzzing" in bounded time): arbitrary engine JSON through the parser, and
//! arbitrary image lists with arbitrary keys, dialog inputs and engine events through the
//! state and the renderer on terminals from 1x1 to 300x100. No panic, no overflow (tests run
//! with overflow checks), and the selection always valid.
//!
//! CI runs `PROPTEST_CASES` cases (64 by default). A long run:
//! `PROPTEST_CASES=1000000 cargo test --release --test fuzz`.

use std::collections::HashMap;

use imgtui::core::action::{
    Action, EngineEvent, EngineInfo, EngineStatus, Message, QueryInput, Viewport,
};
use imgtui::core::cleanup::{Outcome, PruneOutcome};
use imgtui::core::dialog::DialogInput;
use imgtui::core::disk::{DfImage, DfReport};
use imgtui::core::image::{ContainerRef, Image, ImageId};
use imgtui::core::inspect::{HistoryRow, ImageConfig, InspectData, InspectTab};
use imgtui::core::keymap::KeyMap;
use imgtui::core::picker::{ChoiceTarget, EngineChoice, PickerInput, Switched};
use imgtui::core::pointer::{Pane, Pointer};
use imgtui::core::sort::{Sort, SortKey};
use imgtui::core::state::AppState;
use imgtui::core::yank::Yank;
use imgtui::engine::wire::{parse_containers, parse_image_list};
use imgtui::ui::{self, View};
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

/// Strings as hostile as image builders can make them.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9/:._-]{0,40}",
        Just(String::new()),
        Just("\u{1b}]0;pwned\u{7}\u{1b}[2J\r\u{8}\u{202e}\u{9b}".to_string()),
        Just("漢字🦀\u{200d}❤️".repeat(20)),
        Just("x".repeat(5_000)),
        any::<String>(),
    ]
}

fn image() -> impl Strategy<Value = Image> {
    (
        0u8..24,
        prop::collection::vec(text(), 0..4),
        prop::option::of(any::<i64>()),
        any::<u64>(),
        prop::option::of(any::<u64>()),
        prop::collection::vec((text(), text()), 0..4),
    )
        .prop_map(|(id, repo_tags, created, size, containers, labels)| Image {
            // A small id pool, so lists hold duplicates and events hit listed images.
            id: ImageId::new(format!("sha256:{id:02x}")),
            repo_tags,
            created,
            size,
            containers,
            labels,
            ..Image::default()
        })
}

fn id() -> impl Strategy<Value = ImageId> {
    (0u8..24).prop_map(|i| ImageId::new(format!("sha256:{i:02x}")))
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::Up),
        Just(Action::Down),
        Just(Action::PageUp),
        Just(Action::PageDown),
        Just(Action::HalfPageUp),
        Just(Action::HalfPageDown),
        Just(Action::Top),
        Just(Action::Bottom),
        prop::sample::select(SortKey::ALL.to_vec()).prop_map(Action::SortBy),
        Just(Action::ToggleFocus),
        Just(Action::ToggleHelp),
        Just(Action::Refresh),
        Just(Action::ToggleMark),
        Just(Action::MarkAll),
        Just(Action::Delete),
        Just(Action::DeleteDangling),
        Just(Action::Prune),
        Just(Action::Back),
        Just(Action::Filter),
        Just(Action::ToggleDanglingOnly),
        Just(Action::ToggleUnusedOnly),
        Just(Action::Inspect),
        Just(Action::NextTab),
        Just(Action::ShowTab(InspectTab::Config)),
        Just(Action::ShowTab(InspectTab::History)),
        Just(Action::Yank(Yank::Id)),
        Just(Action::Yank(Yank::Reference)),
        Just(Action::DiskUsage),
        Just(Action::SwitchContext),
    ]
}

/// Clicks and wheel notches, rows past the end and huge wheel turns included.
fn pointer() -> impl Strategy<Value = Pointer> {
    prop_oneof![
        (any::<bool>(), any::<isize>()).prop_map(|(list, notches)| Pointer::Scroll {
            pane: if list { Pane::List } else { Pane::Detail },
            notches,
        }),
        prop_oneof![0usize..40, any::<usize>()].prop_map(Pointer::ClickRow),
        prop::sample::select(SortKey::ALL.to_vec()).prop_map(Pointer::ClickHeader),
        Just(Pointer::ClickDetail),
    ]
}

/// Details as hostile as the strings above, for the inspect view.
fn inspect_data() -> impl Strategy<Value = InspectData> {
    (
        prop::collection::vec(text(), 0..6),
        prop::collection::vec(
            (text(), prop::option::of(any::<i64>()), any::<u64>()),
            0..12,
        ),
    )
        .prop_map(|(strings, history)| InspectData {
            config: ImageConfig {
                cmd: strings.clone(),
                env: strings.clone(),
                working_dir: strings.first().cloned().unwrap_or_default(),
                layers: strings,
                created: Some(0),
                ..ImageConfig::default()
            },
            history: history
                .into_iter()
                .map(|(created_by, created, size)| HistoryRow {
                    id: String::new(),
                    created,
                    comment: created_by.clone(),
                    created_by,
                    size,
                })
                .collect(),
        })
}

fn dialog_input() -> impl Strategy<Value = DialogInput> {
    prop_oneof![
        Just(DialogInput::Confirm),
        Just(DialogInput::Cancel),
        Just(DialogInput::Force),
        Just(DialogInput::Up),
        Just(DialogInput::Down),
        Just(DialogInput::Toggle),
        Just(DialogInput::NextField),
        Just(DialogInput::Erase),
        any::<char>().prop_map(DialogInput::Char),
    ]
}

/// Keys in the filter prompt: mostly the query language's own characters, so that terms
/// parse, fail and narrow; any char at all sometimes.
fn query_input() -> impl Strategy<Value = QueryInput> {
    let syntax: Vec<char> = "dangliunsezbel=><!\"1GBd0a:/ .-".chars().collect();
    prop_oneof![
        6 => prop::sample::select(syntax).prop_map(QueryInput::Insert),
        1 => any::<char>().prop_map(QueryInput::Insert),
        2 => Just(QueryInput::Backspace),
        1 => Just(QueryInput::DeleteWord),
        1 => Just(QueryInput::Clear),
        1 => Just(QueryInput::Accept),
        1 => Just(QueryInput::Cancel),
    ]
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        Just(Outcome::Deleted),
        Just(Outcome::Untagged),
        Just(Outcome::AlreadyGone),
        text().prop_map(Outcome::Changed),
        text().prop_map(Outcome::Conflict),
        text().prop_map(Outcome::Failed),
    ]
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        4 => action().prop_map(Message::Action),
        3 => dialog_input().prop_map(Message::Dialog),
        3 => query_input().prop_map(Message::Query),
        1 => image().prop_map(|i| Message::Engine(EngineEvent::ImageChanged {
            generation: 0,
            image: Box::new(i)
        })),
        1 => id().prop_map(|id| Message::Engine(EngineEvent::ImageGone { generation: 0, id })),
        1 => prop::collection::vec((id(), text(), any::<bool>()), 0..6).prop_map(|list| {
            let mut by_image: HashMap<ImageId, Vec<ContainerRef>> = HashMap::new();
            for (id, name, running) in list {
                by_image.entry(id).or_default().push(ContainerRef { name, running });
            }
            Message::Engine(EngineEvent::Containers { generation: 0, by_image })
        }),
        1 => (1u64..4, id(), outcome()).prop_map(|(operation, id, outcome)| {
            Message::Engine(EngineEvent::JobDone { operation, id, outcome })
        }),
        1 => (1u64..4, prop::collection::vec("sha256:[0-9a-f]{2}", 0..4), any::<u64>())
            .prop_map(|(operation, deleted, space_reclaimed)| {
                Message::Engine(EngineEvent::PruneDone {
                    operation,
                    outcome: PruneOutcome::Done { deleted, space_reclaimed },
                })
            }),
        1 => (any::<usize>(), any::<usize>(), any::<usize>(), any::<(usize, usize)>()).prop_map(|(l, d, t, (ir, il))| {
            Message::Viewport(Viewport { list_rows: l, detail_rows: d, detail_lines: t, inspect_rows: ir, inspect_lines: il, help_rows: ir / 2, help_lines: il / 2 })
        }),
        1 => (id(), prop::option::of(inspect_data())).prop_map(|(id, data)| {
            Message::Engine(EngineEvent::Inspected { id, result: data.map(Box::new).ok_or_else(|| "gone".to_string()) })
        }),
        1 => pointer().prop_map(Message::Pointer),
        1 => (any::<u64>(), prop::collection::vec((id(), any::<Option<u64>>(), any::<Option<u64>>(), any::<Option<u64>>()), 0..6), any::<bool>())
            .prop_map(|(layers_size, images, fail)| {
                let images = images.into_iter().map(|(id, size, shared_size, containers)| DfImage { id, size, shared_size, containers }).collect();
                Message::Engine(EngineEvent::DiskUsage(if fail { Err("df failed".into()) } else { Ok(DfReport { layers_size, images }) }))
            }),
        1 => any::<i64>().prop_map(Message::Clock),
        1 => text().prop_map(|error| Message::Engine(EngineEvent::Status(
            EngineStatus::Unreachable { host: "unix:///x".into(), error, attempt: 3, retry_in_secs: 4 }
        ))),
        1 => Just(Message::Engine(EngineEvent::Status(EngineStatus::Connected(EngineInfo::default())))),
        // The engine picker: hostile names, any number of rows, its keys, and switches.
        1 => prop::collection::vec((text(), text(), text(), any::<bool>(), prop::option::of(text())), 0..12)
            .prop_map(|rows| Message::EngineChoices(rows.into_iter().map(|(name, host, description, current, problem)| EngineChoice {
                target: ChoiceTarget::Context(name.clone()),
                name, host, description, current, problem,
            }).collect())),
        2 => prop::sample::select(vec![
            PickerInput::Up, PickerInput::Down, PickerInput::Top, PickerInput::Bottom,
            PickerInput::Accept, PickerInput::Cancel, PickerInput::Quit,
        ]).prop_map(Message::Picker),
        1 => (text(), text(), 0u64..3).prop_map(|(host, source, generation)| Message::Switched(Switched { host, source, generation })),
        1 => text().prop_map(Message::SwitchFailed),
        // Engine facts for the top line: any text, control characters included.
        1 => (text(), text(), text()).prop_map(|(product, version, host)| Message::Engine(
            EngineEvent::Status(EngineStatus::Connected(EngineInfo {
                product, version, host, ..EngineInfo::default()
            }))
        )),
        1 => text().prop_map(|storage| Message::Engine(EngineEvent::Storage(storage))),
    ]
}

/// The selection is a listed image at the cursor, and the cursor is on screen.
fn assert_selection_valid(state: &AppState) {
    // The filter only hides: without one every image is a row.
    assert!(state.len() <= state.totals().count);
    if !state.is_filtered() {
        assert_eq!(state.len(), state.totals().count);
    }
    if state.is_empty() {
        assert!(state.selected().is_none());
        return;
    }
    assert!(state.cursor() < state.len());
    let selected = state
        .selected()
        .expect("a selection while the list is not empty");
    assert_eq!(state.row(state.cursor()).unwrap().id, selected.id);
    assert!(state.offset() <= state.cursor());
}

fn render(state: &mut AppState, width: u16, height: u16, now: i64) {
    let keymap = KeyMap::default();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let view = View {
        now,
        tick: 0,
        keymap: &keymap,
        theme: &Default::default(),
        date_format: &Default::default(),
    };
    let viewport = ui::draw(&mut terminal, state, &view).unwrap();
    state.update(Message::Viewport(viewport));
    // Nothing the engine sent reaches a cell raw.
    for cell in terminal.backend().buffer().content() {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()),
            "{:?}",
            cell.symbol()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_parse_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_image_list(&bytes);
        let _ = parse_containers(&bytes);
    }

    #[test]
    fn any_json_list_parses_or_fails_cleanly(json in prop::collection::vec(
        prop_oneof![
            Just(r#"{"Id":"sha256:a","RepoTags":null,"Size":-1}"#.to_string()),
            Just(r#"{"Id":"","Created":-62135596800,"Labels":{"k":"\u001b[2J"}}"#.to_string()),
            Just(r#"{"Id":"x","Manifests":[{"Kind":"weird","Descriptor":null}],"Descriptor":{}}"#.to_string()),
            Just(r#"{"Id":"y","Size":18446744073709551615,"Containers":1e300}"#.to_string()),
            any::<String>().prop_map(|s| serde_json::json!({"Id": s, "RepoTags": [s]}).to_string()),
        ],
        0..8,
    )) {
        let body = format!("[{}]", json.join(","));
        if let Ok(images) = parse_image_list(body.as_bytes()) {
            let mut state = AppState::new(Sort::default(), "unix:///x");
            state.update(Message::Engine(EngineEvent::Listed { generation: 0, images }));
            assert_selection_valid(&state);
            render(&mut state, 80, 24, 0);
        }
    }

    #[test]
    fn any_keys_and_events_keep_the_state_valid_and_drawable(
        images in prop::collection::vec(image(), 0..30),
        messages in prop::collection::vec(message(), 0..40),
        width in 1u16..=300,
        height in 1u16..=100,
        read_only in any::<bool>(),
    ) {
        let mut state = AppState::new(Sort::default(), "unix:///x");
        state.read_only = read_only;
        state.update(Message::Engine(EngineEvent::Status(EngineStatus::Connected(EngineInfo::default()))));
        state.update(Message::Engine(EngineEvent::Listed { generation: 0, images }));
        assert_selection_valid(&state);
        for (i, message) in messages.into_iter().enumerate() {
            state.update(message);
            // Quitting ends the loop in the app; keep going here to cover more.
            state.should_quit = false;
            assert_selection_valid(&state);
            if i % 20 == 19 {
                render(&mut state, width, height, 1_750_000_000);
            }
        }
        let now = state.now;
        render(&mut state, width, height, now);
        assert_selection_valid(&state);
    }
}
