//! Resident memory at 100,000 images, as a ratio to the raw `GET /images/json` payload.
//!
//! The payload repeats the recorded responses in `tests/fixtures/` (Docker 28 with manifests,
//! and Docker 20.10) with every id, tag and digest made unique. It is parsed and applied to the
//! state the way the app does, one frame is drawn, the payload is dropped, and the growth of
//! the process's resident set is compared with the payload's size.
//!
//! Run: `cargo bench --bench memory` (IMGTUI_BENCH_IMAGES overrides the count). Linux only:
//! it reads `/proc/self/status`.

use imgtui::core::action::{EngineEvent, EngineInfo, EngineStatus, Message};
use imgtui::core::keymap::KeyMap;
use imgtui::core::sort::Sort;
use imgtui::core::state::AppState;
use imgtui::engine::wire::parse_image_list;
use imgtui::ui::{self, View};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::Value;

/// Kilobytes from a `/proc/self/status` line such as `VmRSS:  1234 kB`.
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// `n` images shaped like the recorded ones, each with its own id, tags and digests.
fn payload(fixture: &str, n: usize) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{fixture}", env!("CARGO_MANIFEST_DIR"));
    let recorded: Vec<Value> =
        serde_json::from_slice(&std::fs::read(&path).expect("fixture")).expect("fixture JSON");
    let list: Vec<Value> = (0..n)
        .map(|i| {
            let mut image = recorded[i % recorded.len()].clone();
            // Replace every recorded id, wherever it appears (descriptor, manifests, digests),
            // so that sizes stay those of a real response.
            let old_id = image["Id"].as_str().unwrap_or_default().to_string();
            let new_id = format!("sha256:{i:064x}");
            let mut text = serde_json::to_string(&image).expect("serialize");
            if let Some(hex) = old_id.strip_prefix("sha256:") {
                text = text.replace(hex, &new_id["sha256:".len()..]);
            }
            image = serde_json::from_str(&text).expect("reparse");
            if let Some(tags) = image["RepoTags"].as_array_mut() {
                for tag in tags.iter_mut() {
                    if let Some(t) = tag.as_str() {
                        *tag = Value::String(format!("{t}-{i}"));
                    }
                }
            }
            image
        })
        .collect();
    serde_json::to_vec(&list).expect("serialize")
}

/// In a fresh process: read the payload as the client would (one buffer), parse, apply, draw.
fn measure(fixture: &str, path: &str, n: usize) {
    let keymap = KeyMap::default();
    let before_kb = status_kb("VmRSS:");
    let body = std::fs::read(path).expect("payload file");
    let json_bytes = body.len() as u64;

    let images = parse_image_list(&body).expect("payload parses");
    drop(body);
    let mut state = AppState::new(Sort::default(), "unix:///bench.sock");
    state.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Connected(EngineInfo::default()),
    )));
    state.update(Message::Engine(EngineEvent::Listed {
        generation: 0,
        images,
    }));
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let view = View {
        now: 1_750_000_000,
        tick: 0,
        keymap: &keymap,
        theme: &Default::default(),
        date_format: &Default::default(),
    };
    terminal
        .draw(|frame| {
            ui::render(frame, &state, &view);
        })
        .expect("draw");
    let after_kb = status_kb("VmRSS:");
    assert_eq!(state.len(), n, "every generated image is listed");

    let held = after_kb.saturating_sub(before_kb) * 1024;
    println!(
        "{fixture:<22} {n} images: payload {:.1} MB ({} B/image), state holds {:.1} MB ({} B/image): {:.2}x the payload",
        json_bytes as f64 / 1e6,
        json_bytes / n as u64,
        held as f64 / 1e6,
        held / n as u64,
        held as f64 / json_bytes as f64,
    );
    drop(state);
}

fn main() {
    // `cargo test --all-targets` runs this unoptimised: a small count proves it still works.
    let full = std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("IMGTUI_BENCH_IMAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 100_000 } else { 1_000 });
    // Each payload is measured in a fresh process that did nothing before it, so neither the
    // generation of the payload nor a previous run's freed memory skews the figure.
    if let (Ok(fixture), Ok(path)) = (
        std::env::var("IMGTUI_BENCH_FIXTURE"),
        std::env::var("IMGTUI_BENCH_PAYLOAD"),
    ) {
        measure(&fixture, &path, n);
        println!("  peak resident (VmHWM): {} kB", status_kb("VmHWM:"));
        return;
    }
    let me = std::env::current_exe().expect("own path");
    for fixture in ["new-images.json", "old-images.json"] {
        let path =
            std::env::temp_dir().join(format!("imgtui-bench-{}-{fixture}", std::process::id()));
        std::fs::write(&path, payload(fixture, n)).expect("write the payload");
        let status = std::process::Command::new(&me)
            .args(std::env::args().skip(1))
            .env("IMGTUI_BENCH_FIXTURE", fixture)
            .env("IMGTUI_BENCH_PAYLOAD", &path)
            .env("IMGTUI_BENCH_IMAGES", n.to_string())
            .status()
            .expect("run the measurement");
        let _ = std::fs::remove_file(&path);
        assert!(status.success(), "{fixture}: {status}");
    }
}
