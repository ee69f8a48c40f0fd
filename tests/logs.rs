//! Logs go to a file, never to the screen: `--log-file`, or `RUST_LOG` alone (to the state
//! dir); a log file that cannot be opened is a plain error before the terminal is touched.

mod support;

use std::process::Command;

use support::{Tui, engines, private_dir};

#[test]
fn the_log_file_records_the_session_and_nothing_reaches_the_screen() {
    for engine in engines() {
        let dir = private_dir("log");
        let log = dir.join("imgtui.log");
        let log_arg = log.to_str().unwrap();
        let mut tui = Tui::start_with_env(
            &["--host", &engine.host, "--log-file", log_arg],
            &[("RUST_LOG", "imgtui=debug")],
            120,
            40,
        );
        tui.wait_screen("the seeded list", |s| s.contains("imgtui-test/small:1"));
        tui.send("q");
        assert!(tui.wait_exit(), "imgtui exits with success");

        let text = std::fs::read_to_string(&log).expect("the log file was written");
        for line in ["imgtui starts", "connected", "listed", "imgtui quits"] {
            assert!(text.contains(line), "{line:?} on {}:\n{text}", engine.name);
        }
        assert!(text.contains(&engine.host), "{text}");
        // Hostile labels never make it into the log raw either.
        assert!(!text.contains('\x1b'), "{text}");
        let raw = String::from_utf8_lossy(&tui.raw()).to_string();
        for leaked in ["imgtui starts", "listed", "INFO", "DEBUG"] {
            assert!(!raw.contains(leaked), "{leaked:?} reached the terminal");
        }
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the log may name private images");
    }
}

#[test]
fn rust_log_alone_logs_to_the_state_dir() {
    let state = private_dir("log-state");
    let missing = format!("unix://{}/missing.sock", state.display());
    let out = Command::new(env!("CARGO_BIN_EXE_imgtui"))
        .args(["list", "--host", &missing])
        .env("RUST_LOG", "info")
        .env("XDG_STATE_HOME", &state)
        .output()
        .expect("imgtui runs");
    assert_eq!(out.status.code(), Some(1));
    let log = state.join("imgtui").join("imgtui.log");
    let text = std::fs::read_to_string(&log).expect("the default log file");
    assert!(text.contains("imgtui starts"), "{text}");
    assert!(text.contains("the socket does not exist"), "{text}");
    // stderr has the one plain message, not the log.
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_log_file_that_cannot_be_opened_is_refused_before_anything_runs() {
    let dir = private_dir("log-bad");
    let out = Command::new(env!("CARGO_BIN_EXE_imgtui"))
        .args(["--log-file", dir.to_str().unwrap()])
        .env_remove("RUST_LOG")
        .output()
        .expect("imgtui runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("imgtui: cannot open the log file"), "{err}");
    // The terminal was never touched: no alternate screen on stdout.
    assert!(out.stdout.is_empty());

    let out = Command::new(env!("CARGO_BIN_EXE_imgtui"))
        .args(["--log-file", dir.join("x.log").to_str().unwrap()])
        .env("RUST_LOG", "imgtui=loud")
        .output()
        .expect("imgtui runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("RUST_LOG"), "{err}");
}
