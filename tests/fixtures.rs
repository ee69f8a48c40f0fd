//! Real `GET /images/json` bodies recorded from Docker 20.10 (API 1.41), Docker 28.5 with the
//! containerd store (API 1.51, and the same engine spoken to at API 1.41) and Podman, parsed
//! and drawn. The recordings live in tests/fixtures/ (seeded by scripts/test-engine.sh).

use std::path::PathBuf;

use imgtui::core::action::{Action, EngineEvent, EngineInfo, EngineStatus, Message};
use imgtui::core::image::{Image, ManifestKind};
use imgtui::core::keymap::KeyMap;
use imgtui::core::sanitize::{is_unsafe, sanitize};
use imgtui::core::sort::{Sort, SortKey};
use imgtui::core::state::AppState;
use imgtui::engine::wire::parse_image_list;
use imgtui::ui::{self, View};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const NOW: i64 = 1_750_000_000;

/// The recordings: file, entries in the JSON, dangling images among them, total and dangling
/// size as the status bar prints them.
const FIXTURES: [Fixture; 5] = [
    Fixture {
        file: "old-images.json",
        entries: 70,
        dangling: 27,
        total: "235.7 MB",
        dangling_size: "17.5 MB",
    },
    Fixture {
        file: "old-images-all.json",
        entries: 81,
        dangling: 38,
        total: "243.6 MB",
        dangling_size: "25.4 MB",
    },
    Fixture {
        file: "new-images.json",
        entries: 72,
        dangling: 26,
        total: "471.6 MB",
        dangling_size: "34.8 MB",
    },
    Fixture {
        file: "new-api1.41-images.json",
        entries: 72,
        dangling: 26,
        total: "471.6 MB",
        dangling_size: "34.8 MB",
    },
    Fixture {
        file: "podman-images.json",
        entries: 69,
        dangling: 26,
        total: "27.4 MB",
        dangling_size: "17.8 MB",
    },
];

struct Fixture {
    file: &'static str,
    entries: usize,
    dangling: usize,
    total: &'static str,
    dangling_size: &'static str,
}

fn body(file: &str) -> Vec<u8> {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", file]
        .iter()
        .collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load(file: &str) -> Vec<Image> {
    parse_image_list(&body(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn json(file: &str) -> Vec<serde_json::Value> {
    serde_json::from_slice(&body(file)).unwrap()
}

fn tagged<'a>(images: &'a [Image], tag: &str) -> &'a Image {
    images
        .iter()
        .find(|i| i.repo_tags.iter().any(|t| t == tag))
        .unwrap_or_else(|| panic!("no image tagged {tag}"))
}

fn by_id<'a>(images: &'a [Image], prefix: &str) -> &'a Image {
    images
        .iter()
        .find(|i| i.id.matches(prefix))
        .unwrap_or_else(|| panic!("no image {prefix}"))
}

// ----- parsing -----

#[test]
fn every_fixture_parses_with_one_image_per_entry() {
    for f in &FIXTURES {
        let images = load(f.file);
        assert_eq!(json(f.file).len(), f.entries, "{}", f.file);
        assert_eq!(images.len(), f.entries, "{}", f.file);
        let dangling = images.iter().filter(|i| i.is_dangling()).count();
        assert_eq!(dangling, f.dangling, "{}", f.file);
        for image in &images {
            assert!(image.id.as_str().starts_with("sha256:"), "{}", f.file);
            assert_eq!(image.id.short().len(), 12);
            // Placeholders never reach the core, whatever the engine.
            for reference in image.repo_tags.iter().chain(&image.repo_digests) {
                assert!(!reference.contains("<none>"), "{}: {reference}", f.file);
            }
            let keys: Vec<&String> = image.labels.iter().map(|(k, _)| k).collect();
            assert!(keys.is_sorted(), "{}: labels sorted by key", f.file);
        }
        // The image with twelve tags keeps them all, in the engine's order.
        let many = images.iter().find(|i| i.repo_tags.len() == 12).unwrap();
        assert!(
            many.repo_tags
                .iter()
                .any(|t| t.ends_with("registry.example.com:5000/team/multitag:1.2.3")),
            "{}",
            f.file
        );
    }
}

#[test]
fn docker_20_10_reports_no_counts_and_placeholders() {
    for file in ["old-images.json", "old-images-all.json"] {
        let raw = json(file);
        // What the engine sent: -1 everywhere, and "<none>" placeholders for dangling images.
        assert!(
            raw.iter()
                .all(|e| e["Containers"] == -1 && e["SharedSize"] == -1)
        );
        let placeholders = raw
            .iter()
            .filter(|e| e["RepoTags"] == serde_json::json!(["<none>:<none>"]))
            .count();
        assert!(placeholders >= 26, "{file}: {placeholders}");
        assert!(raw.iter().any(|e| e["RepoTags"].is_null()));

        let images = load(file);
        assert!(images.iter().all(|i| i.containers.is_none()), "{file}");
        assert!(images.iter().all(|i| i.shared_size.is_none()), "{file}");
        assert!(
            images.iter().all(|i| i.virtual_size == Some(i.size)),
            "{file}: API 1.41 sends VirtualSize"
        );
        assert!(
            images
                .iter()
                .all(|i| i.manifests.is_empty() && i.descriptor.is_none())
        );
        assert!(!images.iter().any(|i| {
            i.repo_tags
                .iter()
                .chain(&i.repo_digests)
                .any(|r| r == "<none>:<none>" || r == "<none>@<none>")
        }));
        // Go's zero time means "no date".
        assert_eq!(tagged(&images, "seed/old:zero").created, None);
        assert_eq!(tagged(&images, "seed/old:nocreated").created, None);
        assert_eq!(tagged(&images, "seed/old:epoch").created, Some(0));
        assert_eq!(
            tagged(&images, "seed/old:future").created,
            Some(4_102_444_799)
        );
        assert_eq!(tagged(&images, "seed/big:200mb").size, 209_715_200);
    }
    let all = load("old-images-all.json");
    assert_eq!(
        all.iter().filter(|i| i.parent_id.is_some()).count(),
        15,
        "intermediate layers of the build cache have parents"
    );
}

#[test]
fn docker_28_sends_manifests_descriptors_and_counts() {
    let images = load("new-images.json");
    assert!(
        images.iter().all(|i| i.virtual_size.is_none()),
        "gone in API 1.44"
    );
    assert!(images.iter().all(|i| i.containers.is_some()));
    assert!(images.iter().all(|i| i.shared_size.is_some()));
    assert!(images.iter().all(|i| i.descriptor.is_some()));
    assert!(images.iter().all(|i| !i.manifests.is_empty()));

    // An index with amd64 present, arm64 not pulled, and an attestation for each.
    let partial = tagged(&images, "seed/multiarch:partial");
    let d = partial.descriptor.as_ref().unwrap();
    assert_eq!(d.media_type, "application/vnd.oci.image.index.v1+json");
    assert_eq!(d.size, 1260);
    assert_eq!(d.digest, partial.id.as_str());
    assert_eq!(
        d.annotations,
        [
            (
                "io.containerd.image.name".to_string(),
                "docker.io/seed/multiarch:partial".to_string()
            ),
            (
                "org.opencontainers.image.ref.name".to_string(),
                "partial".to_string()
            ),
        ]
    );
    let kinds: Vec<&ManifestKind> = partial.manifests.iter().map(|m| &m.kind).collect();
    assert_eq!(
        kinds,
        [
            &ManifestKind::Image,
            &ManifestKind::Image,
            &ManifestKind::Attestation,
            &ManifestKind::Attestation
        ]
    );
    let [amd64, arm64, att_amd64, att_arm64] = &partial.manifests[..] else {
        unreachable!()
    };
    assert!(amd64.available);
    assert_eq!(amd64.platform.as_ref().unwrap().to_string(), "linux/amd64");
    assert_eq!((amd64.content_size, amd64.total_size), (11_098, 23_386));
    assert_eq!(amd64.unpacked_size, Some(12_288));
    assert!(!arm64.available);
    assert_eq!(
        arm64.platform.as_ref().unwrap().to_string(),
        "linux/arm64/v8"
    );
    assert_eq!((arm64.content_size, arm64.total_size), (398, 398));
    assert_eq!(att_amd64.attests.as_deref(), Some(amd64.id.as_str()));
    assert_eq!(att_arm64.attests.as_deref(), Some(arm64.id.as_str()));
    assert!(att_amd64.platform.is_none());
    assert_eq!(
        att_amd64.descriptor.platform.as_ref().unwrap().to_string(),
        "unknown/unknown"
    );

    let unavailable: Vec<&str> = images
        .iter()
        .filter(|i| i.manifests.iter().any(|m| !m.available))
        .map(|i| i.repo_tags[0].as_str())
        .collect();
    assert_eq!(
        unavailable,
        [
            "127.0.0.1:33459/seed/multiarch:latest",
            "seed/multiarch:partial"
        ]
    );
    let full = tagged(&images, "seed/multiarch:full");
    assert!(full.manifests.iter().all(|m| m.available));

    // Containers counted by the engine, also for a dangling image a container still uses.
    let in_use: Vec<(Option<&str>, u64)> = images
        .iter()
        .filter(|i| i.containers.unwrap() > 0)
        .map(|i| (i.primary_reference(), i.containers.unwrap()))
        .collect();
    assert_eq!(
        in_use,
        [
            (None, 1),
            (Some("seed/busybox:latest"), 3),
            (Some("seed/chain:child"), 1)
        ]
    );
    assert!(by_id(&images, "328816026341").is_dangling());

    // A pull by digest is listed with the digest reference as its "tag".
    let by_digest = by_id(&images, "38814b52cb94");
    assert!(by_digest.repo_tags[0].starts_with("127.0.0.1:33459/seed/bydigest@sha256:"));
    // The new engine reports "no date" as 0 and Go's zero time for the year-1 image.
    assert_eq!(tagged(&images, "seed/old:nocreated").created, Some(0));
    assert_eq!(tagged(&images, "seed/old:zero").created, None);
}

#[test]
fn docker_28_at_api_1_41_looks_like_an_old_engine() {
    let old_api = load("new-api1.41-images.json");
    let new_api = load("new-images.json");
    assert!(old_api.iter().all(|i| i.containers.is_none()));
    assert!(old_api.iter().all(|i| i.virtual_size == Some(i.size)));
    assert!(old_api.iter().all(|i| i.manifests.is_empty()));
    // The same images either way.
    let mut a: Vec<(&str, u64, usize)> = old_api
        .iter()
        .map(|i| (i.id.as_str(), i.size, i.repo_tags.len()))
        .collect();
    let mut b: Vec<(&str, u64, usize)> = new_api
        .iter()
        .map(|i| (i.id.as_str(), i.size, i.repo_tags.len()))
        .collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn podman_null_tags_are_dangling() {
    let raw = json("podman-images.json");
    assert_eq!(raw.iter().filter(|e| e["RepoTags"].is_null()).count(), 26);
    assert!(
        raw.iter()
            .filter(|e| e["RepoTags"].is_null())
            .all(|e| e["Dangling"] == true)
    );
    let images = load("podman-images.json");
    assert_eq!(images.iter().filter(|i| i.is_dangling()).count(), 26);
    assert!(images.iter().all(|i| i.virtual_size == Some(i.size)));
    assert!(images.iter().all(|i| i.shared_size == Some(0)));
    assert_eq!(images.iter().map(|i| i.containers.unwrap()).sum::<u64>(), 5);
    let tagged_img = tagged(&images, "localhost/seed/multitag:1.2.3");
    assert_eq!(tagged_img.repo_tags.len(), 12);
    assert!(tagged(&images, "docker.io/seed/busybox:latest").containers == Some(3));
    // Podman has no Go zero time: it stamps undated images with the load time.
    assert!(tagged(&images, "localhost/seed/old:zero").created.unwrap() > 1_700_000_000);
}

#[test]
fn hostile_labels_survive_parsing_and_are_escaped_for_display() {
    for f in &FIXTURES {
        let images = load(f.file);
        let image = images
            .iter()
            .find(|i| {
                i.repo_tags
                    .iter()
                    .any(|t| t.ends_with("seed/labels:escapes"))
            })
            .unwrap_or_else(|| panic!("{}: no seed/labels:escapes", f.file));
        let label = |key: &str| -> &str {
            &image
                .labels
                .iter()
                .find(|(k, _)| k == key)
                .unwrap_or_else(|| panic!("{}: no label {key}", f.file))
                .1
        };
        // Unchanged by parsing: the bytes the engine sent.
        assert_eq!(
            label("test.ansi.title-bel"),
            "\u{1b}]0;pwned\u{7} title set?"
        );
        assert_eq!(
            label("test.ansi.c1-csi"),
            "\u{9b}31mC1 CSI\u{9b}0m and \u{9d}0;c1-osc\u{9c}"
        );
        assert_eq!(label("test.bidi.rlo"), "user\u{202e}gnp.exe");
        assert_eq!(label("test.ctrl.cr"), "visible\rHIDDEN-BY-CR");
        assert_eq!(label("test.ctrl.nul"), "before\0after");
        assert!(
            image
                .labels
                .iter()
                .any(|(k, _)| k == "test.key.\u{1b}[7mreverse\u{1b}[0m"),
            "an escape in a key"
        );
        // And escaped for display.
        assert_eq!(
            sanitize(label("test.ansi.title-bel")),
            "\\x1b]0;pwned\\x07 title set?"
        );
        assert_eq!(
            sanitize(label("test.ansi.c1-csi")),
            "\\x9b31mC1 CSI\\x9b0m and \\x9d0;c1-osc\\x9c"
        );
        assert_eq!(sanitize(label("test.bidi.rlo")), "user\\u{202e}gnp.exe");
        assert_eq!(sanitize(label("test.ctrl.cr")), "visible\\rHIDDEN-BY-CR");
        assert_eq!(sanitize(label("test.ctrl.nul")), "before\\x00after");
        for (key, value) in &image.labels {
            assert!(!sanitize(key).chars().any(is_unsafe));
            assert!(!sanitize(value).chars().any(is_unsafe));
        }
    }
}

// ----- drawing -----

fn state_of(file: &str) -> AppState {
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
    state.update(Message::Engine(EngineEvent::Listed {
        generation: 0,
        images: load(file),
    }));
    state
}

/// Draws like the app loop (the panes' sizes fed back) and returns the rows as text.
fn draw(state: &mut AppState, w: u16, h: u16) -> Vec<String> {
    draw_frames(state, w, h, 2)
}

/// Draws at most `frames` times, feeding the panes' sizes back in between, and checks that
/// no cell holds a control character.
fn draw_frames(state: &mut AppState, w: u16, h: u16, frames: usize) -> Vec<String> {
    let keymap = KeyMap::default();
    let view = View {
        now: NOW,
        tick: 0,
        keymap: &keymap,
        theme: &Default::default(),
        date_format: &Default::default(),
    };
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    for _ in 0..frames {
        let viewport = ui::draw(&mut terminal, state, &view).unwrap();
        if viewport == state.viewport {
            break;
        }
        state.update(Message::Viewport(viewport));
    }
    let buffer = terminal.backend().buffer();
    for y in 0..h {
        for x in 0..w {
            let symbol = buffer[(x, y)].symbol();
            assert!(
                !symbol.chars().any(|c| {
                    let n = c as u32;
                    n < 0x20 || (0x7f..=0x9f).contains(&n) || (0x202a..=0x202e).contains(&n)
                }),
                "control character in cell ({x},{y}): {symbol:?}"
            );
        }
    }
    (0..h)
        .map(|y| (0..w).map(|x| buffer[(x, y)].symbol()).collect())
        .collect()
}

#[test]
fn every_fixture_renders_clean_with_the_right_counts() {
    for f in &FIXTURES {
        let mut state = state_of(f.file);
        for (w, h) in [(120, 40), (200, 60)] {
            let screen = draw(&mut state, w, h);
            let status = &screen[usize::from(h) - 1];
            let expected = format!(
                " {} images · {} · {} dangling ({})",
                f.entries, f.total, f.dangling, f.dangling_size
            );
            assert!(status.starts_with(&expected), "{}: {status}", f.file);
            // Then the disk usage being computed (where it fits) and the help hint.
            let rest = &status[expected.len()..];
            assert!(
                rest.starts_with("  ? help") || rest.starts_with(" · disk usage "),
                "{}: {status}",
                f.file
            );
            assert!(rest.contains("  ? help"), "{}: {status}", f.file);
            assert!(status.contains("Docker 28.5.2 (API 1.51)"), "{status}");
            // Row 0 is the engine facts line, row 1 the list's top border.
            assert!(screen[0].starts_with(" Docker 28.5.2 · "), "{}", screen[0]);
            assert!(screen[2].contains("REPOSITORY:TAG"), "{}", f.file);
            assert!(screen[2].contains("SIZE ▼"));
            // The list is full: as many rows as fit, the largest first.
            let rows = state.viewport.list_rows;
            assert_eq!(rows, usize::from(h) - 5, "{}", f.file);
            let first = screen[3].as_str();
            let largest = state.row(0).unwrap();
            assert!(first.contains(largest.id.short()), "{}: {first}", f.file);
        }
    }
}

#[test]
fn every_image_of_every_fixture_renders_clean_when_selected() {
    for f in &FIXTURES {
        let mut state = state_of(f.file);
        state.update(Message::Action(Action::SortBy(SortKey::Name)));
        state.update(Message::Action(Action::Top));
        for position in 0..state.len() {
            assert_eq!(state.cursor(), position);
            // One frame each: debug builds draw slowly.
            let screen = draw_frames(&mut state, 120, 40, 1);
            let id = state.selected().unwrap().id.clone();
            assert!(
                screen
                    .iter()
                    .any(|l| l.contains(id.as_str()) || l.contains(id.short())),
                "{}: {id} not shown",
                f.file
            );
            state.update(Message::Action(Action::Down));
        }
    }
}

#[test]
fn hostile_labels_from_a_real_engine_are_shown_escaped() {
    let mut state = state_of("new-images.json");
    state.update(Message::Action(Action::SortBy(SortKey::Name)));
    while !state
        .selected()
        .unwrap()
        .repo_tags
        .contains(&"seed/labels:escapes".to_string())
    {
        let before = state.cursor();
        state.update(Message::Action(Action::Down));
        assert_ne!(state.cursor(), before, "seed/labels:escapes not found");
    }
    let screen = draw(&mut state, 200, 60);
    let text = screen.join("\n");
    for shown in [
        r"test.ansi.title-bel = \x1b]0;pwned\x07 title set?",
        r"test.ansi.c1-csi = \x9b31mC1 CSI\x9b0m and \x9d0;c1-osc\x9c",
        r"test.bidi.rlo = user\u{202e}gnp.exe",
        r"test.ctrl.cr = visible\rHIDDEN-BY-CR",
        r"test.ctrl.nul = before\x00after",
        r"test.key.\x1b[7mreverse\x1b[0m = escape sequence in the KEY",
    ] {
        assert!(text.contains(shown), "{shown:?} not in\n{text}");
    }
}
