//! End to end: the real binary in a pseudo-terminal against the real engines. It shows the
//! list largest first, `S` reverses it, `q` quits and the terminal is restored.

mod support;

use std::collections::BTreeSet;

use support::{
    Tui, container_ids, create_container, dangling_image, docker, engines, image_ids, import_image,
    line_of, scratch_engines, scratch_lock, unique,
};

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
        // Every frame is one synchronized update, each begun one ended.
        let begun = text.matches("\u{1b}[?2026h").count();
        assert!(begun >= 2, "frames in synchronized output: {begun}");
        assert_eq!(begun, text.matches("\u{1b}[?2026l").count());
        assert!(text.rfind("\u{1b}[?2026l") > text.rfind("\u{1b}[?2026h"));
        assert_eq!(tui.cooked(), (true, true), "raw mode is off again");
    }
}

/// `/` then typing filters the rows as the user types; Enter keeps the filter, `t` adds
/// `dangling`, Esc clears it; `--filter` starts with one.
#[test]
fn typing_a_filter_narrows_the_rows_and_esc_brings_them_back() {
    for engine in engines() {
        let mut tui = Tui::start(&["--host", &engine.host], 140, 45);
        tui.wait_screen("the seeded list", |s| {
            s.contains("imgtui-test/big:1") && s.contains("imgtui-test/small:1")
        });
        tui.send("/multi");
        let screen = tui.wait_screen("only the multi image", |s| {
            s.contains(" / multi") && !s.contains("imgtui-test/big:1")
        });
        assert!(screen.contains("imgtui-test/multi:a +2"), "{screen}");
        // Letters type while the prompt is open: this `q` must not quit.
        tui.send("q");
        let screen = tui.wait_screen("the q typed", |s| s.contains(" / multiq"));
        assert!(screen.contains("No image matches the filter."), "{screen}");
        tui.send("\x7f\r");
        let screen = tui.wait_screen("the filter kept", |s| s.contains(" filter: multi"));
        assert!(screen.contains("imgtui-test/multi:a +2"), "{screen}");
        assert!(!screen.contains("imgtui-test/small:1"), "{screen}");

        tui.send("\x1b");
        let screen = tui.wait_screen("every row again", |s| {
            s.contains("imgtui-test/big:1") && !s.contains("filter:")
        });
        assert!(screen.contains("imgtui-test/multi:a +2"), "{screen}");

        tui.send("t");
        let screen = tui.wait_screen("dangling only", |s| s.contains(" filter: dangling"));
        // No tagged row in the list (the detail pane may name the image in annotations).
        assert!(
            !screen.lines().any(|l| l.starts_with("│imgtui-test/")),
            "{screen}"
        );
        assert!(screen.contains("<none>"), "{screen}");
        tui.send("q");
        assert!(tui.wait_exit(), "imgtui exits with success");

        let mut tui = Tui::start(
            &["--host", &engine.host, "--filter", "label=com.example.team"],
            140,
            45,
        );
        let screen = tui.wait_screen("the filtered list", |s| {
            s.contains("imgtui-test/small:1") && s.contains("filter: label=com.example.team")
        });
        assert!(!screen.contains("imgtui-test/big:1"), "{screen}");
        tui.send("q");
        assert!(tui.wait_exit(), "imgtui exits with success");
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

/// `D` then `n` changes nothing; `D` then `y` removes the dangling images no container uses
/// and nothing else, as the engine's own API shows afterwards. On the scratch engines, since a
/// prune is engine-wide.
#[test]
fn d_then_y_deletes_the_dangling_images_and_nothing_else() {
    let _lock = scratch_lock();
    for engine in scratch_engines() {
        let p = unique("imgtui-e2e");
        let keep = import_image(&engine, &format!("{p}/keep:1"), "keep");
        let d1 = dangling_image(&engine, &format!("{p}/a:1"));
        let d2 = dangling_image(&engine, &format!("{p}/b:1"));
        let used = dangling_image(&engine, &format!("{p}/c:1"));
        let user = create_container(&engine, &used);
        // What a prune may take: dangling and unused (earlier tests may have left others).
        let dangling: BTreeSet<String> = docker(
            &engine,
            &["images", "-q", "--no-trunc", "--filter", "dangling=true"],
        )
        .lines()
        .map(str::to_string)
        .filter(|id| *id != used)
        .collect();
        assert!(dangling.contains(&d1) && dangling.contains(&d2));
        let images_before = image_ids(&engine);
        let containers_before = container_ids(&engine);

        let mut tui = Tui::start(&["--host", &engine.host], 140, 45);
        tui.wait_screen("the list", |s| s.contains(&format!("{p}/keep:1")));
        tui.send("D");
        let screen = tui.wait_screen("the confirmation", |s| {
            s.contains("Delete all dangling images")
        });
        assert!(
            screen.contains(&d1[7..19]) && screen.contains(&d2[7..19]),
            "{screen}"
        );
        assert!(
            screen.contains(&user),
            "the container that keeps one: {screen}"
        );
        tui.send("n");
        tui.wait_screen("the cancel notice", |s| s.contains("Cancelled"));
        assert_eq!(
            image_ids(&engine),
            images_before,
            "{}: n sent nothing",
            engine.name
        );

        tui.send("D");
        tui.wait_screen("the confirmation", |s| {
            s.contains("Delete all dangling images")
        });
        tui.send("y");
        let screen = tui.wait_screen("the report", |s| s.contains("Pruned"));
        assert!(!screen.contains(&d1[7..19]), "the list follows: {screen}");

        let expected: BTreeSet<String> = images_before.difference(&dangling).cloned().collect();
        assert_eq!(image_ids(&engine), expected, "{}", engine.name);
        assert_eq!(container_ids(&engine), containers_before);
        assert!(image_ids(&engine).contains(&keep) && image_ids(&engine).contains(&used));
        tui.send("q");
        assert!(tui.wait_exit());
        docker(&engine, &["rm", &user]);
    }
}

/// `--read-only`: the status bar says so and `D` deletes nothing.
#[test]
fn read_only_disables_deleting() {
    let _lock = scratch_lock();
    for engine in scratch_engines() {
        let p = unique("imgtui-ro");
        let d = dangling_image(&engine, &format!("{p}/a:1"));
        let before = image_ids(&engine);
        let mut tui = Tui::start(&["--host", &engine.host, "--read-only"], 120, 30);
        tui.wait_screen("the list", |s| {
            s.contains("READ-ONLY") && s.contains("dangling")
        });
        tui.send("D");
        tui.wait_screen("the refusal", |s| {
            s.contains("Read-only: deleting is disabled")
        });
        tui.send("q");
        assert!(tui.wait_exit());
        assert_eq!(image_ids(&engine), before, "{}", engine.name);
        docker(&engine, &["rmi", &d]);
    }
}

/// Runs `scripts/test-engine.sh ARGS` with `env`; panics with its output when it fails.
fn test_engine(args: &[&str], env: &[(&str, &str)]) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test-engine.sh");
    let output = std::process::Command::new("bash")
        .arg(script)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "test-engine.sh {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A real engine stopped mid-session and started again: the list stays, marked stale, the
/// status says disconnected and counts retries; when the engine is back the list and the
/// event stream resume without restarting imgtui. Each engine version on its own private
/// engine (the shared ones must stay up for the other tests).
#[test]
fn an_engine_that_stops_and_comes_back_is_followed_again() {
    for scratch in scratch_engines() {
        let (name, kind) = match scratch.name {
            "scratch-old" => ("lossold", "old"),
            _ => ("lossnew", "new"),
        };
        let host = test_engine(&["start", name, kind], &[]);
        let engine = support::TestEngine {
            name: scratch.name,
            host: host.clone(),
        };
        // The engine is private to this test: short, fixed names fit the list.
        let p = "imgtui-loss";
        import_image(&engine, &format!("{p}/before:1"), "before");

        let mut tui = Tui::start(&["--host", &host], 130, 30);
        tui.wait_screen("the list", |s| s.contains(&format!("{p}/before:1")));

        test_engine(&["stop", name], &[("IMGTUI_ENGINE_KEEP", "1")]);
        let screen = tui.wait_screen("the stale list", |s| {
            s.contains("STALE") && s.contains("disconnected") && s.contains("attempt 2")
        });
        assert!(
            screen.contains(&format!("{p}/before:1")),
            "the list stays:\n{screen}"
        );

        test_engine(&["start", name, kind], &[]);
        tui.wait_screen("the live list", |s| {
            !s.contains("STALE") && s.contains(&format!("{p}/before:1"))
        });
        // The event stream is followed again: a new image appears by itself.
        import_image(&engine, &format!("{p}/after:1"), "after");
        tui.wait_screen("the new image", |s| s.contains(&format!("{p}/after:1")));
        tui.send("q");
        assert!(tui.wait_exit());
        test_engine(&["stop", name], &[]);
    }
}

/// The texts of the OSC 52 clipboard sequences (`ESC ] 52 ; c ; <base64> BEL`) in `raw`.
fn osc52_texts(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    text.split("\u{1b}]52;c;")
        .skip(1)
        .map(|rest| {
            let end = rest.find('\u{7}').expect("the sequence ends with BEL");
            String::from_utf8(base64_decode(&rest[..end])).expect("UTF-8")
        })
        .collect()
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap_or_else(|err| panic!("{text:?} is not base64: {err}"))
}

/// `y` writes an OSC 52 sequence whose text is the selected image's ID, and says so; `Y` one
/// with its tag, which names the same image on the engine.
#[test]
fn y_copies_the_selected_image_id_to_the_clipboard() {
    for engine in engines() {
        let mut tui = Tui::start(&["--host", &engine.host, "--sort", "name"], 140, 45);
        let screen = tui.wait_screen("the seeded list", |s| s.contains("imgtui-test/big:1"));
        assert!(osc52_texts(&tui.raw()).is_empty());
        tui.send("y");
        let screen_after = tui.wait_screen("the notice", |s| s.contains("to the clipboard"));
        let copied = osc52_texts(&tui.raw());
        assert_eq!(copied.len(), 1, "{copied:?}");
        let id = copied[0].clone();
        assert!(image_ids(&engine).contains(&id), "{id} on {}", engine.name);
        // The selected row is the first one (sorted by name: imgtui-test/big:1).
        let header = line_of(&screen, "REPOSITORY:TAG").unwrap();
        let first = screen.lines().nth(header + 1).unwrap();
        assert!(first.contains("imgtui-test/big:1"), "{screen}");
        assert!(
            first.contains(&id[7..19]),
            "{id} is not the selected row:\n{screen}"
        );
        assert!(
            screen_after.contains(&format!("copied image ID {}…", &id[..19])),
            "{screen_after}"
        );

        tui.send("Y");
        tui.wait_screen("the tag notice", |s| {
            s.contains("copied tag imgtui-test/big:1 to the clipboard")
        });
        let copied = osc52_texts(&tui.raw());
        assert_eq!(copied.len(), 2, "{copied:?}");
        assert_eq!(copied[1], "imgtui-test/big:1");
        let tagged = docker(&engine, &["image", "inspect", "-f", "{{.Id}}", &copied[1]]);
        assert_eq!(
            tagged, id,
            "the tag names the same image on {}",
            engine.name
        );
        tui.send("q");
        assert!(tui.wait_exit());
    }
}
