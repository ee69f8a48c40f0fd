//! End to end: the real binary in a pseudo-terminal against the real engines. It shows the
//! list largest first, `S` reverses it, `q` quits and the terminal is restored.

mod support;

use support::{Tui, engines, line_of};

#[test]
fn browse_sort_and_quit_restores_the_terminal() {
    for engine in engines() {
        let mut tui = Tui::start(&["--host", &engine.host], 140, 45);
        let screen = tui.wait_screen("the seeded list", |s| {
            s.contains("imgtui-test/big:1") && s.contains("imgtui-test/small:1")
        });
        assert!(screen.contains("SIZE ▼"), "{screen}");
        let big = line_of(&screen, "imgtui-test/big:1").unwrap();
        let small = line_of(&screen, "imgtui-test/small:1").unwrap();
        assert!(big < small, "largest first on {}:\n{screen}", engine.name);
        // Two tags besides the first one.
        assert!(screen.contains("+2"), "{screen}");
        assert!(screen.contains("dangling"), "{screen}");

        tui.send("S");
        let screen = tui.wait_screen("the reversed order", |s| s.contains("SIZE ▲"));
        // Reversed: small images come first, so big is no longer on the first screen above small.
        match (
            line_of(&screen, "imgtui-test/big:1"),
            line_of(&screen, "imgtui-test/small:1"),
        ) {
            (Some(big), Some(small)) => assert!(small < big, "{screen}"),
            (None, Some(_)) => {}
            other => panic!("unexpected rows {other:?} on {}:\n{screen}", engine.name),
        }

        tui.send("q");
        assert!(tui.wait_exit(), "imgtui exits with success");
        let raw = tui.raw();
        let text = String::from_utf8_lossy(&raw);
        assert!(
            text.contains("\u{1b}[?1049h"),
            "entered the alternate screen"
        );
        assert!(text.contains("\u{1b}[?1049l"), "left the alternate screen");
        assert!(text.contains("\u{1b}[?25h"), "showed the cursor again");
        assert_eq!(tui.cooked(), (true, true), "raw mode is off again");
    }
}

#[test]
fn hostile_labels_never_reach_the_terminal_raw() {
    for engine in engines() {
        let mut tui = Tui::start(&["--host", &engine.host, "--sort", "name"], 200, 60);
        tui.wait_screen("the list", |s| s.contains("imgtui-test/hostile:1"));
        // Select the hostile image so the detail pane shows its labels.
        let screen = tui.screen();
        let rows: Vec<&str> = screen.lines().collect();
        let first = rows
            .iter()
            .position(|l| l.contains("imgtui-test/"))
            .unwrap();
        let target = line_of(&screen, "imgtui-test/hostile:1").unwrap();
        tui.send(&"j".repeat(target - first));
        tui.wait_screen("the hostile labels", |s| {
            s.contains("hostile.") && s.contains("\\x1b")
        });
        tui.send("q");
        assert!(tui.wait_exit());
        let raw = tui.raw();
        let text = String::from_utf8_lossy(&raw);
        for forbidden in [
            "\u{1b}]0;pwned",
            "\u{1b}[2J",
            "\u{1b}[31mred",
            "\u{9b}",
            "\u{202e}",
        ] {
            assert!(
                !text.contains(forbidden),
                "{forbidden:?} reached the terminal on {}",
                engine.name
            );
        }
    }
}

#[test]
fn an_unreachable_engine_is_explained_and_q_still_quits() {
    let mut tui = Tui::start(
        &["--host", "unix:///tmp/imgtui-nowhere/docker.sock"],
        100,
        30,
    );
    let screen = tui.wait_screen("the explanation", |s| s.contains("Cannot reach the engine"));
    assert!(screen.contains("socket does not exist"), "{screen}");
    assert!(screen.contains("Retrying in"), "{screen}");
    tui.send("q");
    assert!(tui.wait_exit());
    assert_eq!(tui.cooked(), (true, true));
}
