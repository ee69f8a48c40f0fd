//! What the config file changes on screen, drawn on ratatui's `TestBackend`: the help
//! overlay lists the configured keys, configured colours reach the cells, and NO_COLOR's
//! theme leaves no colour while the selection stays reversed.

use imgtui::config::Config;
use imgtui::core::action::{Action, EngineEvent, EngineInfo, EngineStatus, Message};
use imgtui::core::image::{Image, ImageId};
use imgtui::core::sort::Sort;
use imgtui::core::state::AppState;
use imgtui::ui::theme::Theme;
use imgtui::ui::{self, View};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const NOW: i64 = 1_750_000_000;

fn loaded() -> AppState {
    let mut state = AppState::new(Sort::default(), "unix:///var/run/docker.sock");
    state.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Connected(EngineInfo {
            host: "unix:///var/run/docker.sock".into(),
            product: "Docker".into(),
            version: "28.5.2".into(),
            api_version: "1.51".into(),
            os: "linux".into(),
            arch: "amd64".into(),
            storage: "overlay2".into(),
        }),
    )));
    let image = |id: &str, tag: &str, size| Image {
        id: ImageId::new(format!("sha256:{id}{}", "0".repeat(64 - id.len()))),
        repo_tags: vec![tag.to_string()],
        created: Some(NOW - 3 * 86_400),
        size,
        ..Image::default()
    };
    state.update(Message::Engine(EngineEvent::Listed {
        generation: 0,
        images: vec![
            image("aaaa", "nginx:1.27", 200_000_000),
            image("bbbb", "redis:7", 40_000_000),
        ],
    }));
    state
}

fn draw(state: &AppState, config: &Config) -> Buffer {
    let view = View {
        now: NOW,
        tick: 0,
        keymap: &config.keymap,
        theme: &config.theme,
        date_format: &config.date_format,
    };
    let mut terminal = Terminal::new(TestBackend::new(120, 50)).unwrap();
    terminal
        .draw(|frame| {
            ui::render(frame, state, &view);
        })
        .unwrap();
    terminal.backend().buffer().clone()
}

fn line(buffer: &Buffer, y: u16) -> String {
    (0..buffer.area.width)
        .map(|x| buffer[(x, y)].symbol())
        .collect()
}

fn row_of(buffer: &Buffer, text: &str) -> Option<u16> {
    (0..buffer.area.height).find(|&y| line(buffer, y).contains(text))
}

/// The cell column where `text` starts on row `y`.
fn col_of(buffer: &Buffer, y: u16, text: &str) -> u16 {
    let line = line(buffer, y);
    let byte = line.find(text).expect("on the row");
    line[..byte].chars().count() as u16
}

const FILE: &str = "[keys]\nquit = [\"x\", \"Ctrl-q\"]\nmove_down = [\"n\"]\n\
                    [theme]\nfocused_border = \"#ff8800\"\nselected = \"black on 123 bold\"\n";

#[test]
fn the_help_overlay_lists_the_configured_keys() {
    let config = Config::parse(FILE, "test.toml").unwrap();
    let mut state = loaded();
    state.update(Message::Action(Action::ToggleHelp));
    let buffer = draw(&state, &config);
    let quit = row_of(&buffer, "quit").map(|y| line(&buffer, y));
    let quit = quit.expect("a quit row");
    assert!(quit.contains(" x, Ctrl-q "), "{quit}");
    let down = line(
        &buffer,
        row_of(&buffer, "move down").expect("a move down row"),
    );
    assert!(down.contains(" n "), "{down}");
    assert!(!down.contains("j, ↓"), "{down}");

    // The defaults show the defaults.
    let buffer = draw(&state, &Config::default());
    let quit = line(&buffer, row_of(&buffer, "quit").unwrap());
    assert!(quit.contains(" q, Ctrl-c "), "{quit}");
}

#[test]
fn configured_colours_reach_the_cells() {
    let config = Config::parse(FILE, "test.toml").unwrap();
    let state = loaded();
    let buffer = draw(&state, &config);
    // The focused list pane's top-left corner (below the engine facts line).
    assert_eq!(buffer[(0, 1)].symbol(), "┌");
    assert_eq!(buffer[(0, 1)].fg, Color::Rgb(0xff, 0x88, 0x00));
    // The selected row (the largest image) in the configured style.
    let y = row_of(&buffer, "nginx:1.27").unwrap();
    let x = col_of(&buffer, y, "nginx");
    let cell = &buffer[(x, y)];
    assert_eq!((cell.fg, cell.bg), (Color::Black, Color::Indexed(123)));
    assert!(cell.modifier.contains(Modifier::BOLD));

    // The built-in theme draws the same corner in cyan.
    let buffer = draw(&state, &Config::default());
    assert_eq!(buffer[(0, 1)].fg, Color::Cyan);
}

#[test]
fn no_color_leaves_no_colour_and_keeps_the_selection_visible() {
    let config = Config {
        theme: Theme::default().without_colours(),
        ..Config::default()
    };
    let state = loaded();
    let buffer = draw(&state, &config);
    for cell in buffer.content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
    }
    let y = row_of(&buffer, "nginx:1.27").unwrap();
    let x = col_of(&buffer, y, "nginx");
    assert!(buffer[(x, y)].modifier.contains(Modifier::REVERSED));
    // With colours, there are some.
    let buffer = draw(&state, &Config::default());
    assert!(buffer.content().iter().any(|c| c.fg != Color::Reset));
}

#[test]
fn a_date_pattern_replaces_the_relative_dates() {
    let state = loaded();
    let config = Config::parse("[general]\ndate_format = \"%Y-%m-%d\"\n", "test.toml").unwrap();
    let buffer = draw(&state, &config);
    let row = line(&buffer, row_of(&buffer, "nginx:1.27").unwrap());
    // NOW - 3 days = 2025-06-12 15:06:40 UTC.
    assert!(row.contains("2025-06-12"), "{row}");
    assert!(!row.contains("days ago"), "{row}");
    let buffer = draw(&state, &Config::default());
    let row = line(&buffer, row_of(&buffer, "nginx:1.27").unwrap());
    assert!(row.contains("3 days ago"), "{row}");
}
