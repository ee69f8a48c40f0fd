//! The engine picker and the engine's source label, drawn on ratatui's `TestBackend`.

use imgtui::core::action::{EngineEvent, EngineInfo, EngineStatus, Message};
use imgtui::core::image::{Image, ImageId};
use imgtui::core::keymap::KeyMap;
use imgtui::core::picker::{ChoiceTarget, EngineChoice, PickerInput};
use imgtui::core::sort::Sort;
use imgtui::core::state::AppState;
use imgtui::ui::{self, View};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;

const HOST: &str = "unix:///tmp/old/docker.sock";

fn draw(state: &AppState, w: u16, h: u16) -> Buffer {
    let keymap = KeyMap::default();
    let view = View {
        now: 1_750_000_000,
        tick: 0,
        keymap: &keymap,
        theme: &Default::default(),
        date_format: &Default::default(),
    };
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|frame| {
            ui::render(frame, state, &view);
        })
        .unwrap();
    terminal.backend().buffer().clone()
}

fn lines(buffer: &Buffer) -> Vec<String> {
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect()
}

fn state() -> AppState {
    let mut state = AppState::new(Sort::default(), HOST);
    state.engine_source = "context old".into();
    state.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Connected(EngineInfo {
            host: HOST.into(),
            product: "Docker".into(),
            version: "20.10.24".into(),
            api_version: "1.41".into(),
            ..EngineInfo::default()
        }),
    )));
    state.update(Message::Engine(EngineEvent::Listed {
        generation: 0,
        images: vec![Image {
            id: ImageId::new("sha256:0123456789abcdef"),
            size: 1000,
            created: Some(1_700_000_000),
            repo_tags: vec!["app:1".into()],
            ..Image::default()
        }],
    }));
    state
}

fn choice(name: &str, host: &str, description: &str, current: bool) -> EngineChoice {
    EngineChoice {
        name: name.into(),
        host: host.into(),
        description: description.into(),
        target: ChoiceTarget::Context(name.into()),
        current,
        problem: None,
    }
}

#[test]
fn the_status_bar_says_how_the_engine_was_found() {
    let screen = lines(&draw(&state(), 140, 20));
    let status = &screen[19];
    assert!(
        status.ends_with("Docker 20.10.24 (API 1.41) · context old · unix:///tmp/old/docker.sock "),
        "{status}"
    );
    // A name from a file is shown escaped.
    let mut hostile = state();
    hostile.engine_source = "context \x1b[2Jevil".into();
    let screen = lines(&draw(&hostile, 140, 20));
    assert!(
        screen[19].contains("context \\x1b[2Jevil"),
        "{}",
        screen[19]
    );
}

#[test]
fn the_picker_lists_contexts_and_sockets_with_the_current_one_marked() {
    let mut state = state();
    let mut broken = choice("3fa9c2", "", "", false);
    broken.problem = Some("meta.json: not a valid context description".into());
    state.update(Message::EngineChoices(vec![
        choice(
            "default",
            "unix:///run/user/0/docker.sock",
            "DOCKER_HOST, else …",
            false,
        ),
        choice(
            "new",
            "unix:///tmp/new/docker.sock",
            "Docker 28 \x1b]0;pwned\x07",
            false,
        ),
        choice("old", HOST, "Docker 20.10", true),
        broken,
        EngineChoice {
            target: ChoiceTarget::Socket("/run/user/0/docker.sock".into()),
            ..choice(
                "rootless Docker",
                "unix:///run/user/0/docker.sock",
                "a local socket",
                false,
            )
        },
    ]));
    let buffer = draw(&state, 140, 30);
    let screen = lines(&buffer);
    let text = screen.join("\n");
    assert!(text.contains(" Switch engine "), "{text}");
    let row = |needle: &str| {
        screen
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no row with {needle:?}:\n{text}"))
    };
    let old = row("● old");
    // Name, host and description in aligned columns.
    let column = |line: &str, needle: &str| line[..line.find(needle).unwrap()].chars().count();
    assert_eq!(
        column(&screen[old], "unix:///tmp/old/docker.sock"),
        column(&screen[old - 1], "unix:///tmp/new/docker.sock")
    );
    assert!(
        screen[old].contains("docker.sock     Docker 20.10"),
        "{}",
        screen[old]
    );
    assert_eq!(row("   new"), old - 1, "sorted rows, one per entry");
    assert!(row("   default") < row("   new"));
    assert!(row("rootless Docker") > old);
    assert!(screen[row("3fa9c2")].contains("✗ meta.json: not a valid context description"));
    // Engine and file text is escaped, never sent to the terminal raw.
    assert!(text.contains("Docker 28 \\x1b]0;pwned"), "{text}");
    assert!(!text.contains('\x1b'));
    assert!(text.contains("Enter connect"), "{text}");
    // The selected row (the current one at first) is highlighted across the overlay.
    let x = screen[old].find("● old").unwrap();
    let x = screen[old][..x].chars().count() as u16;
    assert!(
        buffer[(x, old as u16)]
            .modifier
            .contains(Modifier::REVERSED)
    );
    state.update(Message::Picker(PickerInput::Up));
    let buffer = draw(&state, 140, 30);
    let new = old - 1;
    assert!(
        buffer[(x + 3, new as u16)]
            .modifier
            .contains(Modifier::REVERSED)
    );
    assert!(
        !buffer[(x + 3, old as u16)]
            .modifier
            .contains(Modifier::REVERSED)
    );
}

#[test]
fn a_long_picker_scrolls_to_the_selection_and_tiny_screens_survive() {
    let mut state = state();
    let choices: Vec<EngineChoice> = (0..40)
        .map(|i| {
            choice(
                &format!("ctx-{i:02}"),
                &format!("tcp://10.0.0.{i}:2375"),
                "",
                i == 0,
            )
        })
        .collect();
    state.update(Message::EngineChoices(choices));
    for _ in 0..39 {
        state.update(Message::Picker(PickerInput::Down));
    }
    let screen = lines(&draw(&state, 100, 20)).join("\n");
    assert!(screen.contains("ctx-39"), "{screen}");
    assert!(!screen.contains("ctx-00"), "{screen}");
    for (w, h) in [(1, 1), (10, 3), (20, 5), (30, 8)] {
        draw(&state, w, h);
    }
}

#[test]
fn the_help_lists_the_picker_key() {
    let mut state = state();
    state.update(Message::Action(imgtui::core::action::Action::ToggleHelp));
    let screen = lines(&draw(&state, 140, 60)).join("\n");
    assert!(
        screen.contains("switch engine: docker contexts and local sockets"),
        "{screen}"
    );
}
