//! The terminal is always given back: after `q`, Ctrl-C, SIGTERM, SIGHUP and a panic the
//! alternate screen is left, raw mode is off, the cursor is visible and mouse reporting is
//! off; resize storms and tiny sizes break nothing. The real binary in a pseudo-terminal,
//! against a fake engine serving a real Docker 28 image list.

mod support;

use nix::sys::signal::Signal;
use support::Tui;
use support::fake_engine::{FakeEngine, Reply};

fn engine() -> FakeEngine {
    let images = include_str!("fixtures/new-images.json");
    FakeEngine::start(move |path| {
        if path.contains("/images/json") {
            Reply::Json(images.to_string())
        } else {
            Reply::Status(404, r#"{"message":"no such image"}"#.into())
        }
    })
}

/// Checks what the program left behind and returns everything it wrote as text.
fn assert_restored(tui: &Tui, how: &str) -> String {
    let text = String::from_utf8_lossy(&tui.raw()).into_owned();
    let entered = text
        .find("\u{1b}[?1049h")
        .expect("entered the alternate screen");
    let left = text
        .rfind("\u{1b}[?1049l")
        .unwrap_or_else(|| panic!("{how}: the alternate screen was not left"));
    assert!(left > entered, "{how}");
    assert!(
        text[left..].contains("\u{1b}[?25h")
            || text.rfind("\u{1b}[?25h") > text.rfind("\u{1b}[?25l"),
        "{how}: the cursor is shown again"
    );
    assert_mouse_off(&text, how, true);
    assert_eq!(tui.cooked(), (true, true), "{how}: raw mode is off");
    text
}

/// The mouse modes crossterm's `EnableMouseCapture` turns on (normal, button-event and
/// any-event tracking, SGR coordinates) and `DisableMouseCapture` turns off.
const MOUSE_MODES: [u16; 4] = [1000, 1002, 1003, 1006];

/// With `captured`, every mouse mode was turned on and then off again after it; without, none
/// was ever turned on.
fn assert_mouse_off(text: &str, how: &str, captured: bool) {
    for mode in MOUSE_MODES {
        let on = text.rfind(&format!("\u{1b}[?{mode}h"));
        let off = text.rfind(&format!("\u{1b}[?{mode}l"));
        if captured {
            let on = on.unwrap_or_else(|| panic!("{how}: mouse mode {mode} was never turned on"));
            assert!(
                off.is_some_and(|off| off > on),
                "{how}: mouse mode {mode} is left on"
            );
        } else {
            assert!(
                on.is_none(),
                "{how}: --no-mouse turned mouse mode {mode} on"
            );
        }
    }
}

fn started(engine: &FakeEngine) -> Tui {
    let tui = Tui::start(&["--host", &engine.host], 120, 30);
    tui.wait_screen("the list", |s| s.contains("seed/big:200mb"));
    tui
}

#[test]
fn q_and_ctrl_c_quit_cleanly() {
    let engine = engine();
    for (keys, how) in [("q", "q"), ("\u{3}", "Ctrl-C")] {
        let mut tui = started(&engine);
        tui.send(keys);
        assert_eq!(tui.wait_exit_code(), 0, "{how}");
        assert_restored(&tui, how);
    }
}

#[test]
fn no_mouse_never_turns_mouse_reporting_on() {
    let engine = engine();
    let mut tui = Tui::start(&["--host", &engine.host, "--no-mouse"], 120, 30);
    tui.wait_screen("the list", |s| s.contains("seed/big:200mb"));
    tui.send("q");
    assert_eq!(tui.wait_exit_code(), 0);
    let text = String::from_utf8_lossy(&tui.raw()).into_owned();
    assert_mouse_off(&text, "--no-mouse", false);
    assert_eq!(tui.cooked(), (true, true));
}

/// An xterm SGR mouse report (what the terminal sends once capture is on): `button` at the
/// 0-based cell (`col`, `row`), pressed or released.
fn sgr_mouse(button: u8, col: usize, row: usize, pressed: bool) -> String {
    let end = if pressed { 'M' } else { 'm' };
    format!("\u{1b}[<{button};{};{}{end}", col + 1, row + 1)
}

/// The 0-based cell where `text` starts on the screen (ASCII text on a line of any width).
fn cell_of(screen: &str, text: &str) -> (usize, usize) {
    screen
        .lines()
        .enumerate()
        .find_map(|(row, line)| {
            let byte = line.find(text)?;
            Some((line[..byte].chars().count(), row))
        })
        .unwrap_or_else(|| panic!("{text:?} not on the screen:\n{screen}"))
}

#[test]
fn clicks_and_the_wheel_reach_the_list_and_no_mouse_ignores_them() {
    let engine = engine();
    let tui_for = |args: &[&str]| {
        let mut all = vec!["--host", engine.host.as_str()];
        all.extend_from_slice(args);
        let tui = Tui::start(&all, 120, 30);
        let screen = tui.wait_screen("the list", |s| s.contains("seed/big:200mb"));
        (tui, screen)
    };
    let (mut tui, screen) = tui_for(&[]);
    assert!(screen.contains("by size ▼"), "{screen}");
    // A click on the name header sorts by name.
    let (col, row) = cell_of(&screen, "REPOSITORY:TAG");
    let header = sgr_mouse(0, col + 2, row, true) + &sgr_mouse(0, col + 2, row, false);
    tui.send(&header);
    let screen = tui.wait_screen("sorted by name", |s| s.contains("by name ▲"));
    // A click on the third row selects it: the detail pane shows its ID.
    let third = screen.lines().nth(row + 3).unwrap().trim_start_matches('│');
    let mut words = third.split_whitespace();
    let (name, short) = (words.next().unwrap(), words.next().unwrap());
    assert!(
        !screen
            .lines()
            .any(|l| l.contains("ID ") && l.contains(short)),
        "{screen}"
    );
    let (col, row) = cell_of(&screen, name);
    tui.send(&sgr_mouse(0, col, row, true));
    tui.wait_screen("the clicked image in the detail", |s| {
        s.lines().any(|l| l.contains("ID ") && l.contains(short))
    });
    // Again on the header: reversed.
    tui.send(&header);
    let screen = tui.wait_screen("reversed", |s| s.contains("by name ▼"));
    // The wheel over the detail pane focuses nothing but scrolls it: its first line goes.
    let (col, row) = cell_of(&screen, "Detail");
    tui.send(&sgr_mouse(65, col, row + 2, true));
    tui.wait_screen("the detail scrolled", |s| {
        !s.lines().any(|l| l.contains("│ID  "))
    });
    tui.send("q");
    assert_eq!(tui.wait_exit_code(), 0);

    let (mut tui, screen) = tui_for(&["--no-mouse"]);
    let (col, row) = cell_of(&screen, "REPOSITORY:TAG");
    tui.send(&sgr_mouse(0, col + 2, row, true));
    // Then a key, so that once it shows the click was read too.
    tui.send("/");
    let screen = tui.wait_screen("the filter prompt", |s| s.contains("Enter keeps"));
    assert!(screen.contains("by size ▼"), "the click sorted:\n{screen}");
    tui.send("\u{1b}");
    tui.wait_screen("the prompt closed", |s| !s.contains("Enter keeps"));
    tui.send("q");
    assert_eq!(tui.wait_exit_code(), 0);
}

#[test]
fn sigterm_and_sighup_quit_cleanly() {
    let engine = engine();
    for signal in [Signal::SIGTERM, Signal::SIGHUP] {
        let mut tui = started(&engine);
        tui.signal(signal);
        assert_eq!(tui.wait_exit_code(), 0, "{signal}");
        assert_restored(&tui, signal.as_str());
    }
}

#[test]
fn a_panic_restores_the_terminal_then_prints_the_message() {
    let engine = engine();
    let mut tui = Tui::start_with_env(
        &["--host", &engine.host],
        &[("IMGTUI_TEST_PANIC", "1")],
        120,
        30,
    );
    assert_ne!(tui.wait_exit_code(), 0);
    let text = assert_restored(&tui, "panic");
    let left = text.rfind("\u{1b}[?1049l").unwrap();
    let message = text
        .find("panicking on purpose")
        .expect("the panic message is printed");
    assert!(message > left, "printed after the screen was restored");
}

#[test]
fn resize_storms_and_tiny_sizes_break_nothing() {
    let engine = engine();
    let mut tui = started(&engine);
    // Deterministic "random" sizes, 1x1 and 10x3 among them.
    let mut seed: u32 = 7;
    for i in 0..200 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let (cols, rows) = match i % 50 {
            0 => (1, 1),
            25 => (10, 3),
            _ => (1 + (seed >> 8) as u16 % 300, 1 + (seed >> 20) as u16 % 100),
        };
        tui.resize(cols, rows);
    }
    tui.resize(10, 3);
    tui.wait_screen("the too-small message", |s| s.contains("terminal"));
    tui.resize(120, 30);
    tui.wait_screen("the list again", |s| {
        s.contains("seed/big:200mb") && s.contains("SIZE")
    });
    tui.send("q");
    assert_eq!(tui.wait_exit_code(), 0);
    assert_restored(&tui, "after a resize storm");
}
