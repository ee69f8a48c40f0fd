//! The config file with the real binary in a pseudo-terminal: a rebound key works and the
//! default one no longer does; a broken file stops imgtui before it touches the terminal;
//! --print-config-path shows the file in use. No engine is needed.

mod support;

use std::path::Path;

use support::{Tui, private_dir};

const NO_ENGINE: &str = "unix:///nonexistent/imgtui-config-test.sock";

/// An XDG config dir holding `imgtui/config.toml` with `text`.
fn config_home(text: &str) -> std::path::PathBuf {
    let home = private_dir("config-home");
    std::fs::create_dir_all(home.join("imgtui")).unwrap();
    std::fs::write(home.join("imgtui/config.toml"), text).unwrap();
    home
}

fn env(home: &Path) -> [(&'static str, &str); 1] {
    [("XDG_CONFIG_HOME", home.to_str().unwrap())]
}

#[test]
fn a_rebound_quit_key_quits_and_the_old_one_does_not() {
    let home = config_home("[keys]\nquit = [\"x\"]\n");
    // Tall enough for the whole help.
    let mut tui = Tui::start_with_env(&["--host", NO_ENGINE], &env(&home), 120, 50);
    tui.wait_screen("the first frame", |s| s.contains("imgtui"));
    // `q` is bound to nothing now; `?` after it proves `q` was read and did not quit, and
    // the help shows the key that is configured.
    // The unreachable engine's hint names the configured key too.
    tui.wait_screen("the retry hint", |s| s.contains("· x quits"));
    tui.send("q?");
    let help = tui.wait_screen("the help", |s| s.contains(" Keys "));
    let quit_row = help
        .lines()
        .find(|l| l.contains(" quit "))
        .unwrap_or_else(|| panic!("no quit row:\n{help}"));
    assert!(quit_row.contains(" x "), "{quit_row}");
    assert!(!quit_row.contains("q,"), "{quit_row}");
    tui.send("\u{1b}");
    tui.wait_screen("the help closed", |s| !s.contains(" Keys "));
    tui.send("x");
    assert_eq!(tui.wait_exit_code(), 0);
}

#[test]
fn a_broken_config_exits_2_with_where_and_never_touches_the_terminal() {
    let home = config_home("[general]\nsort = \"size\"\n\n[keys]\nquit = [\"q\", \"Ctrl-ü\"]\n");
    let mut tui = Tui::start_with_env(&["--host", NO_ENGINE], &env(&home), 120, 30);
    assert_eq!(tui.wait_exit_code(), 2);
    let text = String::from_utf8_lossy(&tui.raw()).into_owned();
    let path = home.join("imgtui/config.toml");
    let expected = format!(
        "imgtui: {}:5:14: keys.quit: unknown key \"Ctrl-ü\"",
        path.display()
    );
    assert!(text.contains(&expected), "{text:?}");
    assert!(
        !text.contains("\u{1b}[?1049h"),
        "entered the alternate screen: {text:?}"
    );
    assert_eq!(tui.cooked(), (true, true));
}

#[test]
fn a_missing_explicit_config_is_an_error_and_a_missing_default_one_is_not() {
    let mut tui = Tui::start(
        &["--host", NO_ENGINE, "--config", "/nonexistent/imgtui.toml"],
        120,
        30,
    );
    assert_eq!(tui.wait_exit_code(), 2);
    let text = String::from_utf8_lossy(&tui.raw()).into_owned();
    assert!(
        text.contains("/nonexistent/imgtui.toml: cannot read the config"),
        "{text:?}"
    );

    // The harness's own XDG_CONFIG_HOME is empty: the defaults, `q` quits.
    let mut tui = Tui::start(&["--host", NO_ENGINE], 120, 30);
    tui.wait_screen("the first frame", |s| s.contains("imgtui"));
    tui.send("q");
    assert_eq!(tui.wait_exit_code(), 0);
}

#[test]
fn print_config_path_shows_the_file_in_use() {
    let home = private_dir("config-path");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_imgtui"))
        .arg("--print-config-path")
        .env("XDG_CONFIG_HOME", &home)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{}\n", home.join("imgtui/config.toml").display())
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_imgtui"))
        .args(["--print-config-path", "--config", "/etc/x.toml"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "/etc/x.toml\n");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_imgtui"))
        .arg("--print-default-config")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        imgtui::config::DEFAULT
    );
}

/// The raw output of a run against a fake engine serving a real list, quit after the list.
fn colours_written(env: &[(&str, &str)]) -> String {
    run_listed(&[], env).0
}

/// A run against a fake engine serving a real list: everything written, and the screen
/// once the list is in.
fn run_listed(args: &[&str], env: &[(&str, &str)]) -> (String, String) {
    use support::fake_engine::{FakeEngine, Reply};
    let images = include_str!("fixtures/new-images.json");
    let engine = FakeEngine::start(move |path| {
        if path.contains("/images/json") {
            Reply::Json(images.to_string())
        } else {
            Reply::Status(404, r#"{"message":"no such image"}"#.into())
        }
    });
    let mut all = vec!["--host", engine.host.as_str()];
    all.extend_from_slice(args);
    let mut tui = Tui::start_with_env(&all, env, 120, 30);
    let screen = tui.wait_screen("the list", |s| s.contains("seed/big:200mb"));
    tui.send("q");
    assert_eq!(tui.wait_exit_code(), 0);
    (String::from_utf8_lossy(&tui.raw()).into_owned(), screen)
}

#[test]
fn the_configs_sort_and_mouse_apply_and_flags_win() {
    let home = config_home("[general]\nsort = \"name\"\nmouse = false\n");
    let (raw, screen) = run_listed(&[], &env(&home));
    assert!(screen.contains("by name ▲"), "{screen}");
    assert!(!raw.contains("\u{1b}[?1000h"), "mouse reporting turned on");
    let (_, screen) = run_listed(&["--sort", "size"], &env(&home));
    assert!(screen.contains("by size ▼"), "{screen}");
    // The defaults: by size, the mouse on.
    let (raw, screen) = run_listed(&[], &[]);
    assert!(screen.contains("by size ▼"), "{screen}");
    assert!(raw.contains("\u{1b}[?1000h"), "mouse reporting stays off");
}

#[test]
fn no_color_writes_no_colour_but_still_reverses_the_selection() {
    let plain = colours_written(&[("NO_COLOR", "1")]);
    assert!(!plain.contains("\u{1b}[38;"), "a foreground colour");
    assert!(!plain.contains("\u{1b}[48;"), "a background colour");
    assert!(plain.contains("\u{1b}[7m"), "no reversed selection");
    // Without it (and with an empty NO_COLOR), colours are written.
    let coloured = colours_written(&[("NO_COLOR", "")]);
    assert!(
        coloured.contains("\u{1b}[38;"),
        "no foreground colour at all"
    );
}
