//! Rendered-buffer tests: the whole UI drawn on ratatui's `TestBackend`, asserting on the text
//! and positions a user would see. The clock is fixed so relative times are deterministic.

use std::collections::HashMap;
use std::fmt;

use imgtui::core::action::Command;
use imgtui::core::action::{
    Action, EngineEvent, EngineInfo, EngineStatus, Message, QueryInput, Viewport,
};
use imgtui::core::cleanup::{Outcome, PruneOutcome};
use imgtui::core::dialog::{Dialog, DialogInput};
use imgtui::core::image::{ContainerRef, Image, ImageId};
use imgtui::core::keymap::KeyMap;
use imgtui::core::sort::{Sort, SortKey};
use imgtui::core::state::AppState;
use imgtui::engine::wire::parse_image_list;
use imgtui::ui::{self, View};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::{Buffer, Cell};
use ratatui::style::Modifier;
use unicode_width::UnicodeWidthStr;

/// 2025-06-15 15:06:40 UTC.
const NOW: i64 = 1_750_000_000;
const DAY: i64 = 86_400;
const HOST: &str = "unix:///var/run/docker.sock";

// ----- the screen -----

/// A drawn frame: the buffer, and each row as text with wide characters counted once.
struct Screen {
    buffer: Buffer,
    lines: Vec<String>,
    /// Per row: (byte offset in the line, column) of every symbol.
    columns: Vec<Vec<(usize, u16)>>,
}

impl Screen {
    fn new(buffer: Buffer) -> Self {
        let area = buffer.area;
        let mut lines = Vec::new();
        let mut columns = Vec::new();
        for y in 0..area.height {
            let mut line = String::new();
            let mut cols = Vec::new();
            let mut x = 0;
            while x < area.width {
                let symbol = buffer[(x, y)].symbol();
                cols.push((line.len(), x));
                line.push_str(symbol);
                // The cells a wide symbol covers are not part of the text.
                x += symbol.width().max(1) as u16;
            }
            lines.push(line);
            columns.push(cols);
        }
        Screen {
            buffer,
            lines,
            columns,
        }
    }

    fn width(&self) -> u16 {
        self.buffer.area.width
    }

    fn height(&self) -> u16 {
        self.buffer.area.height
    }

    fn line(&self, y: u16) -> &str {
        &self.lines[usize::from(y)]
    }

    fn cell(&self, x: u16, y: u16) -> &Cell {
        &self.buffer[(x, y)]
    }

    fn symbol(&self, x: u16, y: u16) -> &str {
        self.cell(x, y).symbol()
    }

    fn contains(&self, text: &str) -> bool {
        self.lines.iter().any(|l| l.contains(text))
    }

    /// Column and row where `text` first appears.
    fn find(&self, text: &str) -> Option<(u16, u16)> {
        self.lines.iter().enumerate().find_map(|(y, line)| {
            let offset = line.find(text)?;
            Some((self.column(y as u16, offset), y as u16))
        })
    }

    /// Like `find`, but panics with the screen when `text` is not on it.
    fn at(&self, text: &str) -> (u16, u16) {
        self.find(text)
            .unwrap_or_else(|| panic!("{text:?} not on screen:\n{self}"))
    }

    /// Row where `text` first appears.
    fn row_of(&self, text: &str) -> u16 {
        self.at(text).1
    }

    fn column(&self, y: u16, offset: usize) -> u16 {
        self.columns[usize::from(y)]
            .iter()
            .rev()
            .find(|(o, _)| *o <= offset)
            .map_or(0, |(_, x)| *x)
    }

    /// The text of columns `x0..x1` on row `y`.
    fn text(&self, x0: u16, x1: u16, y: u16) -> String {
        let mut out = String::new();
        let mut x = x0;
        while x < x1 {
            let symbol = self.symbol(x, y);
            out.push_str(symbol);
            x += symbol.width().max(1) as u16;
        }
        out
    }

    fn reversed(&self, x: u16, y: u16) -> bool {
        self.cell(x, y).modifier.contains(Modifier::REVERSED)
    }
}

impl fmt::Display for Screen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (y, line) in self.lines.iter().enumerate() {
            writeln!(f, "{y:>3}|{line}|")?;
        }
        Ok(())
    }
}

/// Draws one frame of `state` on a `w`×`h` terminal.
fn draw(state: &AppState, w: u16, h: u16) -> (Screen, Viewport) {
    draw_with(state, w, h, 0)
}

fn draw_with(state: &AppState, w: u16, h: u16, tick: u64) -> (Screen, Viewport) {
    let keymap = KeyMap::default();
    let view = View {
        now: NOW,
        tick,
        keymap: &keymap,
        theme: &Default::default(),
        date_format: &Default::default(),
    };
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    let viewport = ui::draw(&mut terminal, state, &view).unwrap();
    (Screen::new(terminal.backend().buffer().clone()), viewport)
}

/// Draws like the real loop: when the panes changed size, tell the core and draw again.
fn show(state: &mut AppState, w: u16, h: u16) -> Screen {
    let (mut screen, mut viewport) = draw(state, w, h);
    for _ in 0..2 {
        if viewport == state.viewport {
            break;
        }
        state.update(Message::Viewport(viewport));
        (screen, viewport) = draw(state, w, h);
    }
    screen
}

// ----- states -----

fn info() -> EngineInfo {
    EngineInfo {
        host: HOST.to_string(),
        product: "Docker".to_string(),
        version: "28.5.2".to_string(),
        api_version: "1.51".to_string(),
        os: "linux".to_string(),
        arch: "amd64".to_string(),
        storage: "containerd store (overlayfs)".to_string(),
    }
}

/// A full `sha256:` id whose short form is `short` (12 hex digits).
fn id(short: &str) -> ImageId {
    assert_eq!(short.len(), 12);
    ImageId::new(format!(
        "sha256:{short}{}",
        &"0123456789abcdef".repeat(4)[..52]
    ))
}

fn image(short: &str, tags: &[&str], size: u64, created: i64) -> Image {
    Image {
        id: id(short),
        repo_tags: tags.iter().map(|t| t.to_string()).collect(),
        created: Some(created),
        size,
        ..Image::default()
    }
}

fn connected() -> AppState {
    let mut state = AppState::new(Sort::default(), HOST);
    state.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Connected(info()),
    )));
    state
}

fn loaded(images: Vec<Image>) -> AppState {
    let mut state = connected();
    state.update(Message::Engine(EngineEvent::Listed {
        generation: 0,
        images,
    }));
    state
}

/// Four images, largest first: nginx (3 tags), redis, a dangling one, alpine.
fn sample() -> Vec<Image> {
    let mut nginx = image(
        "1d53ef105045",
        &["nginx:1.27", "nginx:latest", "nginx:stable"],
        192_500_000,
        NOW - 3 * DAY,
    );
    nginx.containers = Some(2);
    vec![
        image("a1b2c3d4e5f6", &["alpine:3.20"], 8_800_000, NOW - 90 * DAY),
        nginx,
        image("feedfacecafe", &[], 12_345_678, NOW - 21 * DAY),
        image("7e57ab1e0000", &["redis:7"], 45_300_000, NOW - 2 * 3600),
    ]
}

fn act(state: &mut AppState, action: Action) {
    state.update(Message::Action(action));
}

/// The list pane's top border row: row 0 is the engine facts line (from 8 rows on).
const TOP: u16 = 1;

/// The columns of the list pane's vertical borders, found on its top border.
fn list_borders(screen: &Screen) -> (u16, u16) {
    assert_eq!(screen.symbol(0, TOP), "┌", "\n{screen}");
    let right = (1..screen.width())
        .find(|&x| screen.symbol(x, TOP) == "┐")
        .unwrap_or_else(|| panic!("no list border:\n{screen}"));
    (0, right)
}

/// The detail pane's left border column (side by side layout) and its content rows.
fn detail_left(screen: &Screen) -> u16 {
    let (x, y) = screen.at("Detail");
    assert_eq!(y, TOP, "detail pane beside the list expected:\n{screen}");
    assert_eq!(screen.symbol(x - 2, TOP), "┌", "\n{screen}");
    x - 2
}

/// The detail pane's inner lines, right-trimmed.
fn detail_lines(screen: &Screen) -> Vec<String> {
    let left = detail_left(screen);
    let right = screen.width() - 1;
    (TOP + 1..screen.height())
        .take_while(|&y| screen.symbol(left, y) == "│")
        .map(|y| screen.text(left + 1, right, y).trim_end().to_string())
        .collect()
}

/// The value of a top-level detail field, continuation lines joined.
fn field(lines: &[String], key: &str) -> String {
    let start = lines
        .iter()
        .position(|l| l.starts_with(key) && l[key.len()..].starts_with("  "))
        .unwrap_or_else(|| panic!("no field {key:?} in {lines:#?}"));
    let mut value = lines[start][14..].to_string();
    for line in &lines[start + 1..] {
        match line.strip_prefix(&" ".repeat(14)) {
            Some(rest) if !rest.starts_with(' ') && !rest.is_empty() => value.push_str(rest),
            _ => break,
        }
    }
    value
}

fn index_of(lines: &[String], text: &str) -> usize {
    lines
        .iter()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("{text:?} not in {lines:#?}"))
}

// ----- the list -----

#[test]
fn list_shows_header_rows_and_columns_in_size_order() {
    let mut state = loaded(sample());
    let screen = show(&mut state, 160, 50);
    let (_, right) = list_borders(&screen);

    assert!(
        screen.line(TOP).starts_with("┌ Images · by size ▼ "),
        "\n{screen}"
    );
    // Header on the first inner row, each title where its column starts.
    let header = screen.line(TOP + 1);
    assert!(header.starts_with("│REPOSITORY:TAG "), "{header}");
    assert!(header.contains("SIZE ▼"), "{header}");
    for plain in ["IMAGE ID", "CREATED", "USED BY"] {
        assert!(header.contains(plain), "{header}");
        assert!(!header.contains(&format!("{plain} ▼")), "{header}");
        assert!(!header.contains(&format!("{plain} ▲")), "{header}");
    }
    assert!(
        screen.cell(1, TOP + 1).modifier.contains(Modifier::BOLD),
        "header is bold"
    );
    let (id_x, _) = screen.at("IMAGE ID");
    let (created_x, _) = screen.at("CREATED");
    let (size_x, _) = screen.at("SIZE ▼");
    let (used_x, _) = screen.at("USED BY");
    assert!(id_x < created_x && created_x < size_x && size_x < used_x);

    // Rows, largest first.
    let expected = [
        (
            "nginx:1.27 +2",
            "1d53ef105045",
            "3 days ago",
            "192.5 MB",
            "2",
        ),
        ("redis:7", "7e57ab1e0000", "2 hours ago", "45.3 MB", "?"),
        (
            "<none> dangling",
            "feedfacecafe",
            "3 weeks ago",
            "12.3 MB",
            "?",
        ),
        ("alpine:3.20", "a1b2c3d4e5f6", "3 months ago", "8.8 MB", "?"),
    ];
    for (i, (name, short, created, size, used)) in expected.into_iter().enumerate() {
        let y = TOP + 2 + i as u16;
        let line = screen.line(y);
        assert!(line.starts_with(&format!("│{name} ")), "row {i}: {line}");
        assert_eq!(screen.text(id_x, id_x + 13, y), format!("{short} "));
        assert_eq!(screen.text(created_x, size_x, y).trim_end(), created);
        // Sizes and counts are right-aligned in their columns, one space between columns.
        let size_w = usize::from(used_x - 1 - size_x);
        assert_eq!(
            screen.text(size_x, used_x - 1, y),
            format!("{size:>size_w$}")
        );
        let used_w = usize::from(right - used_x);
        assert_eq!(screen.text(used_x, right, y), format!("{used:>used_w$}"));
        assert_eq!(screen.symbol(right, y), "│");
    }
    // Short ids only: the 13th hex digit never shows.
    for y in TOP + 2..TOP + 6 {
        assert!(!screen.text(1, right, y).contains("1d53ef1050450"));
    }
    assert_eq!(
        screen.text(1, right, TOP + 6).trim(),
        "",
        "nothing below the last row"
    );

    // The dangling row: "<none>" in the dangling colour.
    let (none_x, none_y) = screen.at("<none>");
    assert_eq!(none_y, TOP + 4);
    assert_ne!(
        screen.cell(none_x, none_y).fg,
        screen.cell(none_x, TOP + 3).fg,
        "<none> is coloured"
    );
}

#[test]
fn selected_row_is_reversed_and_moves_with_down() {
    let mut state = loaded(sample());
    let screen = show(&mut state, 160, 50);
    let (_, right) = list_borders(&screen);
    let reversed_rows = |screen: &Screen| -> Vec<u16> {
        (1..screen.height() - 1)
            .filter(|&y| (1..right).all(|x| screen.reversed(x, y)))
            .collect()
    };
    assert_eq!(reversed_rows(&screen), [TOP + 2], "\n{screen}");
    for y in [1, 3, 4, 5].map(|y| TOP + y) {
        assert!(!(1..right).any(|x| screen.reversed(x, y)), "row {y}");
    }
    assert!(
        !screen.reversed(0, TOP + 2),
        "the border is not highlighted"
    );

    act(&mut state, Action::Down);
    let screen = show(&mut state, 160, 50);
    assert_eq!(reversed_rows(&screen), [TOP + 3], "\n{screen}");
    assert!(screen.line(TOP + 3).contains("redis:7"));
    // The detail pane follows the selection.
    let detail = detail_lines(&screen);
    assert!(field(&detail, "ID").starts_with("sha256:7e57ab1e0000"));

    act(&mut state, Action::Bottom);
    let screen = show(&mut state, 160, 50);
    assert_eq!(reversed_rows(&screen), [TOP + 5]);
    assert!(screen.line(TOP + 5).contains("alpine:3.20"));
}

#[test]
fn sorting_by_size_again_reverses_and_flips_the_arrow() {
    let mut state = loaded(sample());
    act(&mut state, Action::SortBy(SortKey::Size));
    let screen = show(&mut state, 160, 50);
    assert!(screen.line(TOP).contains("by size ▲"), "\n{screen}");
    assert!(screen.line(TOP + 1).contains("SIZE ▲"), "\n{screen}");
    assert!(!screen.contains("▼"), "\n{screen}");
    let order: Vec<u16> = ["alpine:3.20", "<none>", "redis:7", "nginx:1.27"]
        .iter()
        .map(|t| screen.row_of(t))
        .collect();
    assert_eq!(order, [2, 3, 4, 5].map(|y| TOP + y), "\n{screen}");
    // The selection stays on nginx, now the last row.
    assert!(
        screen.reversed(1, TOP + 5) && !screen.reversed(1, TOP + 2),
        "\n{screen}"
    );

    act(&mut state, Action::SortBy(SortKey::Name));
    let screen = show(&mut state, 160, 50);
    assert!(
        screen.line(TOP + 1).contains("REPOSITORY:TAG ▲"),
        "\n{screen}"
    );
    assert!(screen.line(TOP + 1).contains("SIZE "));
    assert!(!screen.line(TOP + 1).contains("SIZE ▲"));
    let order: Vec<u16> = ["alpine:3.20", "nginx:1.27", "redis:7", "<none>"]
        .iter()
        .map(|t| screen.row_of(t))
        .collect();
    assert_eq!(order, [2, 3, 4, 5].map(|y| TOP + y), "\n{screen}");
}

#[test]
fn status_bar_counts_sizes_and_engine() {
    let mut state = loaded(sample());
    let screen = show(&mut state, 160, 50);
    let status = screen.line(49);
    assert!(
        status.starts_with(" 4 images · 258.9 MB · 1 dangling (12.3 MB) · disk usage ⠋  ? help"),
        "{status}"
    );
    assert!(
        status.ends_with("Docker 28.5.2 (API 1.51) · unix:///var/run/docker.sock "),
        "{status}"
    );
    // No problem line while all is well: the panes reach down to the status bar.
    assert_eq!(screen.symbol(0, 48), "└");
}

#[test]
fn status_bar_names_the_engine_before_its_version_is_known() {
    // Connected from the ping alone: `GET /version` answers after the first list.
    let mut state = AppState::new(Sort::default(), HOST);
    state.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Connected(EngineInfo {
            host: HOST.into(),
            product: "Docker".into(),
            api_version: "1.51".into(),
            ..EngineInfo::default()
        }),
    )));
    let screen = show(&mut state, 160, 50);
    let status = screen.line(49);
    assert!(
        status.ends_with(" Docker (API 1.51) · unix:///var/run/docker.sock "),
        "{status}"
    );
}

#[test]
fn list_scrolls_to_keep_the_cursor_visible() {
    let images = (0..60)
        .map(|i| {
            image(
                &format!("{i:012x}"),
                &[&format!("app-{i:02}:1")],
                1_000_000 - i,
                NOW - DAY,
            )
        })
        .collect();
    let mut state = loaded(images);
    // 100x30: the detail sits below the list.
    let screen = show(&mut state, 100, 30);
    assert!(screen.line(TOP + 2).starts_with("│app-00:1"), "\n{screen}");
    let rows = state.viewport.list_rows as u16;
    assert!(rows >= 5, "{:?}", state.viewport);
    act(&mut state, Action::Bottom);
    let screen = show(&mut state, 100, 30);
    let last = screen.row_of("app-59:1");
    assert_eq!(last, TOP + 2 + rows - 1, "\n{screen}");
    assert!(screen.reversed(1, last));
    assert!(!screen.contains("app-00:1"));
    assert!(
        screen
            .line(TOP + 2)
            .contains(&format!("app-{:02}:1", 60 - rows))
    );
}

// ----- the detail pane -----

/// An image as an API 1.51 engine lists it: labels out of order, a descriptor and an index
/// with an image, an unavailable arm64 image and an attestation.
const DETAILED: &str = r#"[{
  "Id": "sha256:e0fee71dc9c2b1a8e3fd6a2f0cfcbb07e6c8bcd0bd1a6d88c5b2b6c7f0f1a2b3",
  "ParentId": "sha256:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b",
  "RepoTags": ["registry.example.com/team/multiarch:latest", "multiarch:1.0"],
  "RepoDigests": ["registry.example.com/team/multiarch@sha256:e0fee71dc9c2b1a8e3fd6a2f0cfcbb07e6c8bcd0bd1a6d88c5b2b6c7f0f1a2b3"],
  "Created": 1749740800,
  "Size": 23387,
  "SharedSize": -1,
  "Labels": {"zeta.last": "z", "alpha.first": "a", "org.opencontainers.image.title": "Multi"},
  "Containers": 0,
  "Descriptor": {
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "digest": "sha256:e0fee71dc9c2b1a8e3fd6a2f0cfcbb07e6c8bcd0bd1a6d88c5b2b6c7f0f1a2b3",
    "size": 856
  },
  "Manifests": [
    {"ID": "sha256:5fd65b7806fd503614d08d03c8d14f56c6fa12a0115f6e369fa6abd93007997a",
     "Descriptor": {"mediaType": "application/vnd.oci.image.manifest.v1+json",
       "digest": "sha256:5fd65b7806fd503614d08d03c8d14f56c6fa12a0115f6e369fa6abd93007997a", "size": 398,
       "platform": {"architecture": "amd64", "os": "linux"}},
     "Available": true, "Size": {"Content": 11098, "Total": 23386}, "Kind": "image",
     "ImageData": {"Platform": {"architecture": "amd64", "os": "linux"}, "Size": {"Unpacked": 12288}}},
    {"ID": "sha256:53d6d3bb924624062f36ad320b2d86e476d937b2301611d479f76160d9712192",
     "Descriptor": {"mediaType": "application/vnd.oci.image.manifest.v1+json",
       "digest": "sha256:53d6d3bb924624062f36ad320b2d86e476d937b2301611d479f76160d9712192", "size": 398,
       "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
     "Available": false, "Size": {"Content": 398, "Total": 398}, "Kind": "image",
     "ImageData": {"Platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}, "Size": {"Unpacked": 0}}},
    {"ID": "sha256:16225bc5ae9d9ceb947c2c6706d4d6bfa34cdec75ec3537ed5e85c165e377f9a",
     "Descriptor": {"mediaType": "application/vnd.oci.image.manifest.v1+json",
       "digest": "sha256:16225bc5ae9d9ceb947c2c6706d4d6bfa34cdec75ec3537ed5e85c165e377f9a", "size": 465,
       "platform": {"architecture": "unknown", "os": "unknown"}},
     "Available": true, "Size": {"Content": 931, "Total": 931}, "Kind": "attestation",
     "AttestationData": {"For": "sha256:5fd65b7806fd503614d08d03c8d14f56c6fa12a0115f6e369fa6abd93007997a"}}
  ]
}, {
  "Id": "sha256:0ld0ld0ld0ld1111222233334444555566667777888899990000aaaabbbbcccc",
  "ParentId": "",
  "RepoTags": ["old:api141"],
  "RepoDigests": [],
  "Created": 1749740800,
  "Size": 1000,
  "SharedSize": 4096,
  "VirtualSize": 123456789,
  "Labels": null,
  "Containers": -1
}]"#;

fn detailed() -> AppState {
    loaded(parse_image_list(DETAILED.as_bytes()).unwrap())
}

#[test]
fn detail_pane_shows_every_field_of_the_selected_image() {
    let mut state = detailed();
    let screen = show(&mut state, 160, 70);
    let lines = detail_lines(&screen);
    let text = lines.join("\n");

    assert_eq!(
        field(&lines, "ID"),
        "sha256:e0fee71dc9c2b1a8e3fd6a2f0cfcbb07e6c8bcd0bd1a6d88c5b2b6c7f0f1a2b3",
        "\n{screen}"
    );
    assert_eq!(
        field(&lines, "Parent"),
        "sha256:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b"
    );
    assert_eq!(
        field(&lines, "Created"),
        "2025-06-12 15:06:40 UTC (3 days ago)"
    );
    assert_eq!(field(&lines, "Size"), "23.4 kB (23387 bytes)");
    // Asked for once the list is in (docker system df).
    assert_eq!(field(&lines, "Shared size"), "computing…");
    assert!(
        !text.contains("Virtual size"),
        "absent unless the engine sent it"
    );
    assert_eq!(field(&lines, "Containers"), "0");
    assert!(!text.contains("dangling"));

    // Lists, each under a heading with its count.
    let tags = index_of(&lines, "Tags (2)");
    assert_eq!(
        lines[tags + 1],
        "  registry.example.com/team/multiarch:latest"
    );
    assert_eq!(lines[tags + 2], "  multiarch:1.0");
    let digests = index_of(&lines, "Digests (1)");
    assert!(lines[digests + 1].starts_with("  registry.example.com/team/multiarch@sha256:"));
    let labels = index_of(&lines, "Labels (3)");
    assert_eq!(
        lines[labels + 1..labels + 4],
        [
            "  alpha.first = a",
            "  org.opencontainers.image.title = Multi",
            "  zeta.last = z"
        ],
        "labels sorted by key"
    );

    let descriptor = index_of(&lines, "Descriptor");
    assert!(descriptor > labels);
    assert_eq!(
        lines[descriptor + 1],
        "  media type    application/vnd.oci.image.index.v1+json"
    );
    assert!(lines[descriptor + 2].starts_with("  digest        sha256:e0fee71dc9c2"));
    assert!(text.contains("  size          856 B (856 bytes)"), "{text}");

    let manifests = index_of(&lines, "Manifests (3)");
    assert!(manifests > descriptor);
    let amd64 = index_of(&lines, "  image · linux/amd64 · available");
    let arm64 = index_of(&lines, "  image · linux/arm64/v8 · not available");
    let attestation = index_of(&lines, "  attestation · unknown/unknown · available");
    assert!(manifests < amd64 && amd64 < arm64 && arm64 < attestation);
    // Each manifest's fields sit between its line and the next manifest's.
    let within = |from: usize, to: usize, wanted: &str| {
        assert!(
            lines[from..to].iter().any(|l| l.starts_with(wanted)),
            "{wanted:?} not in lines {from}..{to}:\n{text}"
        )
    };
    within(
        amd64,
        arm64,
        "  digest        sha256:5fd65b7806fd503614d08d03c8d14f56c6fa",
    );
    within(
        amd64,
        arm64,
        "  media type    application/vnd.oci.image.manifest.v1+json",
    );
    within(
        amd64,
        arm64,
        "  size          content 11.1 kB · total 23.4 kB",
    );
    within(amd64, arm64, "  unpacked      12.3 kB");
    within(
        arm64,
        attestation,
        "  size          content 398 B · total 398 B",
    );
    within(arm64, attestation, "  unpacked      0 B");
    within(
        attestation,
        lines.len(),
        "  size          content 931 B · total 931 B",
    );
    within(
        attestation,
        lines.len(),
        "  attests       sha256:5fd65b7806fd503614d08d03c8d14f56c6fa",
    );
    assert!(!lines[attestation..].iter().any(|l| l.contains("unpacked")));

    // The title of the pane, and the list beside it.
    assert!(screen.line(TOP).contains(" Detail "));
    assert!(
        screen
            .line(TOP + 2)
            .starts_with("│registry.example.com/team/multiarch:"),
        "\n{screen}"
    );
}

#[test]
fn detail_pane_shows_virtual_size_and_no_parent_for_old_engines() {
    let mut state = detailed();
    act(&mut state, Action::Down);
    let screen = show(&mut state, 160, 50);
    let lines = detail_lines(&screen);
    assert!(
        field(&lines, "ID").starts_with("sha256:0ld0ld"),
        "\n{screen}"
    );
    assert_eq!(field(&lines, "Parent"), "none");
    assert_eq!(field(&lines, "Shared size"), "4.1 kB (4096 bytes)");
    assert_eq!(field(&lines, "Virtual size"), "123.5 MB (123456789 bytes)");
    assert_eq!(field(&lines, "Containers"), "unknown");
    let labels = index_of(&lines, "Labels (0)");
    assert_eq!(lines[labels + 1], "  none");
    let digests = index_of(&lines, "Digests (0)");
    assert_eq!(lines[digests + 1], "  none");
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("Descriptor") || l.contains("Manifests"))
    );
}

#[test]
fn dangling_image_detail_says_so() {
    let mut state = loaded(sample());
    act(&mut state, Action::Down);
    act(&mut state, Action::Down);
    let screen = show(&mut state, 160, 50);
    let lines = detail_lines(&screen);
    assert!(
        field(&lines, "ID").starts_with("sha256:feedfacecafe"),
        "\n{screen}"
    );
    assert_eq!(field(&lines, "Status"), "dangling (no tag refers to it)");
    let tags = index_of(&lines, "Tags (0)");
    assert_eq!(lines[tags + 1], "  none");
}

fn many_labels_image() -> Option<Image> {
    let mut many = image("abcabcabcabc", &["labels:many"], 30_032, NOW - DAY);
    many.labels = (0..60)
        .map(|i| (format!("label.{i:02}"), format!("value-{i:02}")))
        .collect();
    Some(many)
}

fn many_labels() -> AppState {
    let many = many_labels_image().unwrap();
    loaded(vec![many, image("000000000001", &["small:1"], 10, NOW)])
}

#[test]
fn detail_pane_scrolls_when_focused() {
    let mut state = many_labels();
    let (screen, viewport) = draw(&state, 160, 50);
    // The pane's inner height, and every line of the detail.
    assert_eq!(viewport.detail_rows, 46, "{viewport:?}");
    assert!(viewport.detail_lines > 70, "{viewport:?}");
    let before = detail_lines(&screen);
    assert_eq!(before.len(), 46);
    assert!(before[0].starts_with("ID"), "{before:#?}");
    let last_shown = (0..60)
        .rev()
        .find(|i| {
            before
                .iter()
                .any(|l| l == &format!("  label.{i:02} = value-{i:02}"))
        })
        .expect("some labels visible");
    assert!(last_shown < 50, "the labels do not all fit");

    // Without the viewport the core does not know there is anything to scroll.
    act(&mut state, Action::ToggleFocus);
    state.update(Message::Viewport(viewport));
    // The detail border is now the focused one.
    let (screen, _) = draw(&state, 160, 50);
    let left = detail_left(&screen);
    assert_ne!(screen.cell(left, 1).fg, screen.cell(0, 1).fg, "focus moved");

    for _ in 0..5 {
        act(&mut state, Action::Down);
    }
    assert_eq!(state.detail_scroll, 5);
    let screen = show(&mut state, 160, 50);
    let after = detail_lines(&screen);
    assert_eq!(after[0], before[5], "scrolled by five lines");
    assert!(!after.iter().any(|l| l.starts_with("ID ")), "{after:#?}");
    let newly = format!(
        "  label.{:02} = value-{:02}",
        last_shown + 5,
        last_shown + 5
    );
    assert!(!before.contains(&newly));
    assert!(after.contains(&newly), "{after:#?}");
    // The list did not move.
    assert!(screen.reversed(1, TOP + 2));
    assert!(screen.line(TOP + 2).contains("labels:many"));

    // To the end: the last line of the detail is the last row of the pane.
    act(&mut state, Action::Bottom);
    let screen = show(&mut state, 160, 50);
    let after = detail_lines(&screen);
    assert_eq!(
        state.detail_scroll,
        state.viewport.detail_lines - state.viewport.detail_rows
    );
    assert_eq!(after.last().unwrap(), "  label.59 = value-59");
    act(&mut state, Action::Top);
    let screen = show(&mut state, 160, 50);
    assert!(detail_lines(&screen)[0].starts_with("ID"));

    // Back in the list, moving the selection starts the detail from the top.
    act(&mut state, Action::Bottom);
    act(&mut state, Action::ToggleFocus);
    act(&mut state, Action::Down);
    assert_eq!(state.detail_scroll, 0);
    let screen = show(&mut state, 160, 50);
    assert!(field(&detail_lines(&screen), "ID").starts_with("sha256:000000000001"));
}

#[test]
fn detail_sits_below_the_list_on_narrow_tall_terminals() {
    let mut state = loaded(sample());
    let screen = show(&mut state, 100, 40);
    let (x, y) = screen.at(" Detail ");
    assert!(x < 5 && y > 10, "detail below the list:\n{screen}");
    assert_eq!(screen.symbol(0, y), "┌");
    assert!(
        screen
            .line(y + 1)
            .starts_with("│ID            sha256:1d53ef105045")
    );
    // Short and narrow: no detail at all.
    let screen = show(&mut state, 100, 12);
    assert!(!screen.contains("Detail"), "\n{screen}");
    assert!(screen.contains("nginx:1.27"));
}

// ----- before and without a list -----

#[test]
fn connecting_state() {
    let mut state = AppState::new(Sort::default(), HOST);
    let screen = show(&mut state, 100, 30);
    assert!(
        screen.contains(&format!("Connecting to {HOST}…")),
        "\n{screen}"
    );
    assert!(screen.line(29).contains(&format!("connecting to {HOST}")));
    assert!(screen.line(29).starts_with(" 0 images · 0 B"));
    // A spinner while connecting, advancing with the tick.
    let (a, _) = draw_with(&state, 100, 30, 0);
    let (b, _) = draw_with(&state, 100, 30, 1);
    assert_ne!(a.lines, b.lines, "the spinner moves");
}

#[test]
fn loading_state() {
    let mut state = connected();
    let screen = show(&mut state, 100, 30);
    assert!(screen.contains("Loading images…"), "\n{screen}");
    assert!(screen.contains("Large image stores can take a while."));
    assert!(!screen.contains("No images."));
    assert!(screen.line(29).contains("Docker 28.5.2 (API 1.51)"));
}

#[test]
fn empty_list() {
    let mut state = loaded(vec![]);
    let screen = show(&mut state, 100, 30);
    assert!(screen.contains("No images."), "\n{screen}");
    assert!(!screen.contains("Loading"));
    assert!(!screen.contains("REPOSITORY:TAG"));
    assert!(
        screen
            .line(29)
            .starts_with(" 0 images · 0 B · disk usage ⠋  ? help")
    );
    assert!(!screen.line(29).contains("dangling"));
    assert!(screen.contains("No image selected."));
    // Keys on an empty list change nothing and break nothing.
    for action in [
        Action::Down,
        Action::Bottom,
        Action::PageDown,
        Action::ToggleFocus,
    ] {
        act(&mut state, action);
    }
    let again = show(&mut state, 100, 30);
    assert!(again.contains("No images."));
}

#[test]
fn unreachable_before_any_list() {
    let mut state = AppState::new(Sort::default(), HOST);
    state.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Unreachable {
            host: HOST.to_string(),
            error: "connection refused (os error 111)".to_string(),
            attempt: 3,
            retry_in_secs: 8,
        },
    )));
    let screen = show(&mut state, 120, 30);
    assert!(
        screen.contains(&format!("Cannot reach the engine at {HOST}")),
        "\n{screen}"
    );
    assert!(screen.contains("connection refused (os error 111)"));
    assert!(screen.contains("Retrying in 8 s (attempt 3)"));
    // The problem line above the status bar.
    assert!(
        screen
            .line(28)
            .starts_with(" ✗ connection refused (os error 111) — retrying in 8 s (attempt 3)"),
        "\n{screen}"
    );
    assert!(
        screen
            .line(29)
            .contains(&format!("disconnected · attempt 3, retry in 8 s · {HOST}")),
        "\n{screen}"
    );
    assert!(!screen.contains("STALE"));
}

#[test]
fn a_cached_list_says_its_age_and_whether_the_engine_is_there() {
    let mut state = AppState::new(Sort::default(), HOST);
    state.update(Message::Engine(EngineEvent::Cached {
        images: sample(),
        saved_at: NOW - 3 * 3600,
    }));
    let title = |state: &AppState| draw(state, 160, 30).0.line(TOP).to_string();
    assert!(
        title(&state).contains("STALE: saved 3 hours ago, loading the engine's list"),
        "{}",
        title(&state)
    );
    state.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Unreachable {
            host: HOST.to_string(),
            error: "connection refused".to_string(),
            attempt: 2,
            retry_in_secs: 4,
        },
    )));
    let line = title(&state);
    assert!(
        line.contains("STALE: saved 3 hours ago, engine unreachable"),
        "{line}"
    );
    assert!(!line.contains("loading"), "{line}");
}

#[test]
fn losing_the_engine_keeps_the_rows_and_marks_them_stale() {
    let mut state = loaded(sample());
    state.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Unreachable {
            host: HOST.to_string(),
            error: "engine went away".to_string(),
            attempt: 1,
            retry_in_secs: 2,
        },
    )));
    let screen = show(&mut state, 160, 50);
    assert!(
        screen
            .line(TOP)
            .contains("Images · by size ▼ STALE: engine disconnected"),
        "\n{screen}"
    );
    assert_eq!(screen.row_of("nginx:1.27 +2"), TOP + 2);
    assert_eq!(screen.row_of("alpine:3.20"), TOP + 5);
    assert!(
        screen
            .line(48)
            .starts_with(" ✗ engine went away — retrying in 2 s")
    );
    assert!(screen.line(49).starts_with(" 4 images"));
    assert!(!screen.contains("Cannot reach"));

    // Back again: no longer stale, no problem line.
    state.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Connected(info()),
    )));
    let screen = show(&mut state, 160, 50);
    assert!(!screen.contains("STALE"), "\n{screen}");
    assert!(!screen.contains("engine went away"));
}

#[test]
fn failed_request_is_shown_until_the_next_list() {
    let mut state = loaded(sample());
    state.update(Message::Engine(EngineEvent::Failed {
        generation: 0,
        error: "listing images: 500 Internal Server Error".to_string(),
    }));
    let screen = show(&mut state, 160, 50);
    assert!(
        screen
            .line(48)
            .starts_with(" ✗ listing images: 500 Internal Server Error"),
        "\n{screen}"
    );
    assert!(!screen.contains("STALE"));
    state.update(Message::Engine(EngineEvent::Listed {
        generation: 0,
        images: sample(),
    }));
    let screen = show(&mut state, 160, 50);
    assert!(!screen.contains("500 Internal"));
}

// ----- small terminals -----

#[test]
fn tiny_terminal_still_shows_the_list_and_status() {
    let mut state = loaded(sample());
    let screen = show(&mut state, 20, 5);
    assert!(screen.line(0).starts_with("┌ Images"), "\n{screen}");
    // Narrow: the optional columns make way for the name, the size stays whole.
    assert!(
        screen.line(1).starts_with("│REPOSITO SIZE ▼"),
        "header:\n{screen}"
    );
    assert!(screen.line(4).starts_with(" 4 images"), "\n{screen}");
    // The engine label gets what the counts leave, cut with an ellipsis.
    assert!(screen.line(4).contains("Dock…"), "\n{screen}");
    // One row of the list fits; it is the selected one.
    assert!(
        screen.line(2).starts_with("│ngin… +2  192.5 MB│"),
        "\n{screen}"
    );
    assert!(screen.reversed(1, 2));
    assert_eq!(screen.line(3), "└──────────────────┘");
    assert_eq!(state.viewport.list_rows, 1);
    // Moving keeps the cursor on the one visible row.
    let first = screen.line(2).to_string();
    act(&mut state, Action::Down);
    let screen = show(&mut state, 20, 5);
    assert_ne!(screen.line(2), first, "\n{screen}");
    assert!(screen.line(2).ends_with("B│"), "a whole size:\n{screen}");
    assert!(screen.reversed(1, 2));
}

/// A reference longer than the name column is cut with an ellipsis, keeping its "+N".
#[test]
fn long_references_keep_their_tag_count() {
    let reference = format!("registry.example.com/{}app:latest", "team/".repeat(30));
    let mut long = image("10n610n610n6", &[&reference, "b:1"], 5, NOW);
    long.containers = Some(1);
    let mut state = loaded(vec![long]);
    for w in [60, 80, 120, 160, 200] {
        let screen = show(&mut state, w, 30);
        let (_, right) = list_borders(&screen);
        let (id_x, _) = screen.at("IMAGE ID");
        let name = screen.text(1, id_x, TOP + 2);
        let (shown, rest) = name.split_once('…').expect("an ellipsis");
        assert!(
            shown.len() >= 6 && reference.starts_with(shown),
            "{w}: {name}"
        );
        assert_eq!(rest.trim_end(), " +1", "{w}: {name}");
        assert_eq!(name.width(), usize::from(id_x - 1));
        assert_eq!(screen.text(id_x, id_x + 12, TOP + 2), "10n610n610n6");
        // The "used by" column is only there when the pane has room for it.
        if screen.contains("USED BY") {
            assert_eq!(screen.symbol(right - 1, TOP + 2), "1", "{w}:\n{screen}");
        }
    }
}

/// Narrow terminals squeeze the fixed columns, and a right-aligned size cut from the left
/// reads as another number: below 36 columns "192.5 MB" shows as "92.5 MB", "2.5 MB", "5 MB".
#[test]

fn narrow_list_never_shows_a_misleading_size() {
    let mut state = loaded(sample());
    let mut wrong = Vec::new();
    for w in 20..=80 {
        let screen = show(&mut state, w, 8);
        let row = screen.line(2).to_string();
        if row.contains("MB") && !row.contains("192.5 MB") {
            wrong.push(format!("{w:>3}: {row}"));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn too_small_terminals_say_so() {
    let mut state = loaded(sample());
    let screen = show(&mut state, 10, 3);
    let text = screen.lines.join(" ");
    assert!(
        text.contains("terminal") && text.contains("too small"),
        "\n{screen}"
    );
    let screen = show(&mut state, 19, 5);
    assert!(screen.contains("terminal too small"), "\n{screen}");
    let screen = show(&mut state, 20, 4);
    assert!(screen.contains("terminal too small"), "\n{screen}");
    let screen = show(&mut state, 1, 1);
    assert_eq!(screen.line(0), "t", "as much as fits");
    let screen = show(&mut state, 0, 0);
    assert!(screen.lines.is_empty());
}

/// Draws `state` at `w`×`h`, reports the panes back like the loop does, and checks the frame.
fn check_size(state: &mut AppState, w: u16, h: u16) {
    let (screen, viewport) = draw(state, w, h);
    assert_eq!(screen.lines.len(), usize::from(h));
    assert_clean(&screen);
    assert!(viewport.list_rows >= 1, "{w}x{h}: {viewport:?}");
    if w >= ui::MIN_WIDTH && h >= ui::MIN_HEIGHT {
        assert!(
            viewport.list_rows + viewport.detail_rows < usize::from(h),
            "{w}x{h}: {viewport:?}"
        );
    }
    state.update(Message::Viewport(viewport));
}

/// Every size from 1x1 to 60x20 with a populated list, the selection at the bottom and the
/// detail scrolled. (A frame takes milliseconds in a debug build: one state, one draw each.)
#[test]
fn every_size_up_to_60x20_renders_without_panic() {
    let mut state = many_labels();
    let mut more = sample();
    more.extend((0..30).map(|i| image(&format!("{i:012x}"), &["x:1"], i, NOW - i as i64)));
    state.update(Message::Engine(EngineEvent::Listed {
        generation: 0,
        images: more.into_iter().chain(many_labels_image()).collect(),
    }));
    act(&mut state, Action::Bottom);
    act(&mut state, Action::Top);
    act(&mut state, Action::ToggleFocus);
    for w in 1..=60 {
        for h in 1..=20 {
            check_size(&mut state, w, h);
            act(&mut state, Action::PageDown);
        }
    }
}

/// Every other state at a spread of small sizes.
#[test]
fn other_states_render_at_small_sizes_without_panic() {
    let mut unreachable = loaded(sample());
    unreachable.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Unreachable {
            host: HOST.to_string(),
            error: "x".repeat(300),
            attempt: 99,
            retry_in_secs: 30,
        },
    )));
    let mut help = loaded(sample());
    act(&mut help, Action::ToggleHelp);
    let mut states = [
        hostile(),
        detailed(),
        loaded(vec![]),
        connected(),
        AppState::new(Sort::default(), HOST),
        unreachable,
        help,
    ];
    for state in &mut states {
        for w in [1, 2, 5, 12, 19, 20, 21, 33, 47, 60] {
            for h in [1, 2, 3, 4, 5, 6, 9, 15, 16, 20] {
                check_size(state, w, h);
            }
        }
    }
}

// ----- hostile and wide text -----

fn hostile() -> AppState {
    let mut evil = image(
        "e1e1e1e1e1e1",
        &["evil\u{1b}[31mred:latest", "bell\u{7}:1"],
        999_000_000,
        NOW - DAY,
    );
    evil.labels = vec![
        ("bidi".into(), "user\u{202e}gnp.exe".into()),
        ("c1".into(), "\u{9b}31mC1 CSI\u{9b}0m".into()),
        ("cr".into(), "visible\rHIDDEN".into()),
        ("esc".into(), "\u{1b}]0;pwned\u{7} title".into()),
        ("key\u{1b}[7m".into(), "escape in the key".into()),
        ("newline".into(), "line1\nline2".into()),
    ];
    evil.repo_digests = vec!["evil@sha256:\u{1b}[2J".into()];
    let mut state = loaded(vec![evil, image("000000000001", &["ok:1"], 1, NOW)]);
    state.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Connected(EngineInfo {
            product: "Dock\u{1b}[5mer".into(),
            ..info()
        }),
    )));
    state
}

fn is_forbidden(c: char) -> bool {
    let n = c as u32;
    n < 0x20 || (0x7f..=0x9f).contains(&n) || (0x202a..=0x202e).contains(&n)
}

fn assert_clean(screen: &Screen) {
    for y in 0..screen.height() {
        for x in 0..screen.width() {
            let symbol = screen.symbol(x, y);
            assert!(
                !symbol.chars().any(is_forbidden),
                "cell ({x},{y}) holds {symbol:?}:\n{screen}"
            );
        }
    }
}

#[test]
fn hostile_strings_are_shown_escaped() {
    let mut state = hostile();
    let screen = show(&mut state, 200, 50);
    assert_clean(&screen);
    // The list row and its tag count.
    assert!(
        screen
            .line(TOP + 2)
            .starts_with(r"│evil\x1b[31mred:latest +1"),
        "\n{screen}"
    );
    let lines = detail_lines(&screen);
    let text = lines.join("\n");
    for shown in [
        r"  evil\x1b[31mred:latest",
        r"  bell\x07:1",
        r"  evil@sha256:\x1b[2J",
        r"  bidi = user\u{202e}gnp.exe",
        r"  c1 = \x9b31mC1 CSI\x9b0m",
        r"  cr = visible\rHIDDEN",
        r"  esc = \x1b]0;pwned\x07 title",
        r"  key\x1b[7m = escape in the key",
        r"  newline = line1\nline2",
    ] {
        assert!(lines.iter().any(|l| l == shown), "{shown:?} not in\n{text}");
    }
    assert!(
        screen.line(49).contains(r"Dock\x1b[5mer 28.5.2"),
        "\n{screen}"
    );
    assert!(
        screen.line(0).starts_with(r" Dock\x1b[5mer 28.5.2 · "),
        "the engine facts line\n{screen}"
    );

    // An engine error is escaped too, in the problem line and the placeholder.
    let mut state = AppState::new(Sort::default(), "tcp://\u{1b}[2Jhost:2375");
    state.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Unreachable {
            host: "tcp://\u{1b}[2Jhost:2375".into(),
            error: "boom\u{1b}]52;c;cHduZWQ=\u{7}\r\nsecond line".into(),
            attempt: 1,
            retry_in_secs: 1,
        },
    )));
    let screen = show(&mut state, 200, 30);
    assert_clean(&screen);
    assert!(
        screen.contains(r"boom\x1b]52;c;cHduZWQ=\x07\r\nsecond line"),
        "\n{screen}"
    );
    assert!(screen.contains(r"Cannot reach the engine at tcp://\x1b[2Jhost:2375"));
    assert!(screen.line(29).contains(r"tcp://\x1b[2Jhost:2375"));
}

#[test]
fn wide_characters_keep_the_borders_in_place() {
    let mut wide = image(
        "3c3c3c3c3c3c",
        &["アプリケーション/漢字のなまえ:最新版-🦀🦀🦀-とても長いタグ名前です"],
        50_000_000,
        NOW - DAY,
    );
    wide.labels = vec![
        ("desc".into(), "漢字テキスト🦀 ".repeat(30)),
        ("emoji".into(), "🦀🐳🚀".repeat(40)),
        ("mixed".into(), "a漢b字c".repeat(40)),
    ];
    let mut state = loaded(vec![wide, image("000000000001", &["ok:1"], 1, NOW)]);
    for (w, h) in [(160, 50), (121, 40), (100, 40), (61, 20), (40, 16)] {
        let screen = show(&mut state, w, h);
        assert_clean(&screen);
        // Every border column of the main area keeps its │ on every row.
        let (left, right) = list_borders(&screen);
        let bottom = (1..h)
            .find(|&y| screen.symbol(0, y) == "└")
            .unwrap_or_else(|| panic!("{w}x{h}: no bottom border:\n{screen}"));
        let mut columns = vec![left, right];
        // The facts line is row 0 from 8 rows on.
        let top = if h >= 8 { TOP } else { 0 };
        if let Some((x, y)) = screen.find("Detail")
            && y == top
        {
            columns.extend([x - 2, w - 1]);
        }
        for y in top + 1..bottom {
            for &x in &columns {
                assert_eq!(
                    screen.symbol(x, y),
                    "│",
                    "{w}x{h}: border at ({x},{y}) moved:\n{screen}"
                );
            }
            // And no line is wider than the terminal.
            assert_eq!(screen.line(y).width(), usize::from(w), "{w}x{h} row {y}");
        }
    }
    // The wrapped values lose nothing: every character of a label is on screen.
    let screen = show(&mut state, 160, 50);
    let lines = detail_lines(&screen);
    let start = index_of(&lines, "  emoji = ");
    let shown: String = lines[start..]
        .iter()
        .take_while(|l| !l.starts_with("  mixed"))
        .map(|l| l.trim_start())
        .collect();
    assert_eq!(shown, format!("emoji = {}", "🦀🐳🚀".repeat(40)));
}

// ----- help -----

#[test]
fn help_overlay_lists_the_keys() {
    let mut state = loaded(sample());
    act(&mut state, Action::ToggleHelp);
    let screen = show(&mut state, 120, 50);
    let (x, y) = screen.at(" Keys ");
    assert_eq!(screen.symbol(x - 1, y), "┌", "\n{screen}");
    for binding in [
        "sort by size (again: reverse)",
        "sort by created (again: reverse)",
        "focus list / detail pane",
        "re-list all images",
        "copy the image ID to the clipboard (OSC 52)",
        "click a header sorts",
        "Esc or ? closes this help",
    ] {
        assert!(screen.contains(binding), "{binding:?}:\n{screen}");
    }
    let (_, row) = screen.at("move down");
    assert!(screen.line(row).contains("j, ↓"));
    let (_, row) = screen.at("quit");
    assert!(screen.line(row).contains("q, Ctrl-c"));
    // The overlay is centred on the screen.
    let (_, down) = screen.at("move down");
    let right = screen.line(y).rfind('┐').unwrap();
    let right_margin = 120 - 1 - screen.line(y)[..right].chars().count();
    // Vertically too: as much room above it as below (the key map grows, so no fixed row).
    let bottom = (y..50).find(|&b| screen.symbol(x - 1, b) == "└").unwrap();
    assert!(
        down == y + 1
            && usize::from(y).abs_diff(usize::from(49 - bottom)) <= 1
            && usize::from(x - 1).abs_diff(right_margin) <= 1,
        "\n{screen}"
    );

    // While it is open keys do nothing else; ToggleHelp closes it.
    act(&mut state, Action::Down);
    act(&mut state, Action::ToggleHelp);
    let screen = show(&mut state, 120, 40);
    assert!(!screen.contains(" Keys "), "\n{screen}");
    assert!(screen.reversed(1, TOP + 2), "the cursor did not move");
}

/// Emoji with a presentation selector ("❤️" = U+2764 U+FE0F) are two columns on screen but
/// one column char by char: wrapped lines come out a column too wide and lose their last
/// character.
#[test]

fn emoji_with_variation_selectors_are_not_lost() {
    let mut heart = image("4ea74ea74ea7", &["heart:1"], 1, NOW);
    let value = "❤️".repeat(50);
    heart.labels = vec![("love".into(), value.clone())];
    let mut state = loaded(vec![heart]);
    let screen = show(&mut state, 160, 50);
    let lines = detail_lines(&screen);
    let start = index_of(&lines, "  love = ");
    let shown: String = lines[start..]
        .iter()
        .take_while(|l| !l.is_empty())
        .map(|l| l.trim_start())
        .collect();
    assert_eq!(shown, format!("love = {value}"), "\n{screen}");
}

// ----- clean-up -----

const APP: &str = "a0a0a0a0a0a0";
const NGINX: &str = "1d53ef105045";
const OLD: &str = "0a0a0a0a0a0a";
const WEB: &str = "3eb3eb3eb3eb";
const BUILT: &str = "0c0c0c0c0c0c";
const NEW: &str = "0b0b0b0b0b0b";

fn container(name: &str, running: bool) -> ContainerRef {
    ContainerRef {
        name: name.to_string(),
        running,
    }
}

/// Six images, largest first, with the clock and the container list:
/// app:1 (unused), nginx (3 tags, unused), a 4-week-old dangling image, web:1 (a running
/// container uses it), a dangling image a stopped container uses, a 2-hour-old dangling one.
fn cleanup() -> AppState {
    let mut state = loaded(vec![
        image(APP, &["app:1"], 301_200_000, NOW - 60 * DAY),
        image(
            NGINX,
            &["nginx:1.27", "nginx:latest", "nginx:stable"],
            192_500_000,
            NOW - 3 * DAY,
        ),
        image(OLD, &[], 123_400_000, NOW - 30 * DAY),
        image(WEB, &["web:1"], 81_700_000, NOW - 10 * DAY),
        image(BUILT, &[], 42_100_000, NOW - 30 * DAY),
        image(NEW, &[], 5_500_000, NOW - 2 * 3600),
    ]);
    state.update(Message::Clock(NOW));
    state.update(Message::Engine(EngineEvent::Containers {
        generation: 0,
        by_image: HashMap::from([
            (id(WEB), vec![container("web-1", true)]),
            (id(BUILT), vec![container("builder", false)]),
        ]),
    }));
    state
}

fn key(state: &mut AppState, input: DialogInput) -> Vec<Command> {
    state.update(Message::Dialog(input))
}

/// Moves the cursor onto the image whose short id is `short`.
fn select(state: &mut AppState, short: &str) {
    act(state, Action::Top);
    for _ in 0..state.len() {
        if state.selected().is_some_and(|i| i.id.short() == short) {
            return;
        }
        act(state, Action::Down);
    }
    panic!("no image {short}");
}

/// The dialog's border, found from its title: (left, top, right, bottom) columns and rows.
#[derive(Clone, Copy, Debug)]
struct Popup {
    left: u16,
    top: u16,
    right: u16,
    bottom: u16,
}

impl Popup {
    fn contains(self, x: u16, y: u16) -> bool {
        (self.left..=self.right).contains(&x) && (self.top..=self.bottom).contains(&y)
    }
}

/// Finds the dialog titled `title` and checks its border is whole.
fn popup(screen: &Screen, title: &str) -> Popup {
    let (x, top) = screen.at(&format!("┌ {title}"));
    let left = x;
    let right = (left + 1..screen.width())
        .find(|&x| screen.symbol(x, top) == "┐")
        .unwrap_or_else(|| panic!("no top-right corner:\n{screen}"));
    let bottom = (top + 1..screen.height())
        .find(|&y| screen.symbol(left, y) == "└")
        .unwrap_or_else(|| panic!("no bottom-left corner:\n{screen}"));
    assert_eq!(screen.symbol(right, bottom), "┘", "\n{screen}");
    for y in top + 1..bottom {
        assert_eq!(
            screen.symbol(left, y),
            "│",
            "left border, row {y}:\n{screen}"
        );
        assert_eq!(
            screen.symbol(right, y),
            "│",
            "right border, row {y}:\n{screen}"
        );
    }
    for x in left + 1..right {
        assert_eq!(screen.symbol(x, bottom), "─", "bottom border:\n{screen}");
    }
    Popup {
        left,
        top,
        right,
        bottom,
    }
}

/// The dialog's inner rows, right-trimmed.
fn inside(screen: &Screen, p: Popup) -> Vec<String> {
    (p.top + 1..p.bottom)
        .map(|y| screen.text(p.left + 1, p.right, y).trim_end().to_string())
        .collect()
}

/// Column of `text` on row `y`.
fn column_of(screen: &Screen, y: u16, text: &str) -> u16 {
    let offset = screen
        .line(y)
        .find(text)
        .unwrap_or_else(|| panic!("{text:?} not on row {y}:\n{screen}"));
    screen.column(y, offset)
}

/// Everything outside the dialog is exactly what the frame shows without it.
fn assert_only_popup_changed(state: &mut AppState, screen: &Screen, p: Popup) {
    let open = state.dialog.take();
    let (plain, _) = draw(state, screen.width(), screen.height());
    state.dialog = open;
    for y in 0..screen.height() {
        for x in 0..screen.width() {
            if !p.contains(x, y) {
                assert_eq!(
                    screen.cell(x, y),
                    plain.cell(x, y),
                    "({x},{y}) outside the dialog changed:\n{screen}\nwithout the dialog:\n{plain}"
                );
            }
        }
    }
}

/// The one `Remove` a confirmation returned: its operation id.
fn removal(commands: &[Command]) -> u64 {
    match commands {
        [Command::Remove { operation, .. }] => *operation,
        other => panic!("expected one removal, got {other:?}"),
    }
}

fn job_done(state: &mut AppState, operation: u64, short: &str, outcome: Outcome) {
    state.update(Message::Engine(EngineEvent::JobDone {
        operation,
        id: id(short),
        outcome,
    }));
}

#[test]
fn delete_dangling_lists_what_goes_and_what_stays() {
    let mut state = cleanup();
    act(&mut state, Action::DeleteDangling);
    let screen = show(&mut state, 120, 40);
    assert_clean(&screen);
    let p = popup(&screen, "Delete all dangling images ");
    // Centred, 96 wide.
    assert_eq!((p.left, p.right), (12, 107), "\n{screen}");
    let lines = inside(&screen, p);
    assert_eq!(
        lines[0], "2 images will be deleted, 128.9 MB in all:",
        "\n{screen}"
    );
    assert!(
        screen
            .cell(p.left + 1, p.top + 1)
            .modifier
            .contains(Modifier::BOLD),
        "the count stands out"
    );
    assert_eq!(lines[1], "  IMAGE ID             CREATED       SIZE  TAGS");
    // One row per image, in list order: short id, age, size, "<none>".
    assert_eq!(
        lines[2],
        format!("  {OLD}     4 weeks ago   123.4 MB  <none>")
    );
    assert_eq!(
        lines[3],
        format!("  {NEW}     2 hours ago     5.5 MB  <none>")
    );
    // Sizes end under the end of "SIZE".
    let size_end = lines[1].find("SIZE").unwrap() + 4;
    assert_eq!(lines[2].find("123.4 MB").unwrap() + 8, size_end);
    assert_eq!(lines[3].find("5.5 MB").unwrap() + 6, size_end);
    assert_eq!(lines[4], "");
    assert_eq!(lines[5], "1 image will stay — containers use it:");
    assert!(
        lines[6].starts_with(&format!("  {BUILT}    42.1 MB  used by builder (stopped)")),
        "\n{screen}"
    );
    // Neither tagged images nor the one in use are in the "deleted" part.
    for other in [APP, NGINX, WEB] {
        assert!(
            !lines.iter().any(|l| l.contains(other)),
            "{other}:\n{screen}"
        );
    }
    assert_eq!(
        lines.iter().filter(|l| l.contains(BUILT)).count(),
        1,
        "only under \"will stay\""
    );
    let text = lines.join("\n");
    assert!(
        text.contains("One engine prune (dangling=true)"),
        "\n{screen}"
    );
    // The keys on the last inner row, after a blank one; the keys in their own colour.
    let n = lines.len();
    assert_eq!(lines[n - 1], "y/Enter delete · n/Esc cancel · j/k scroll");
    assert_eq!(lines[n - 2], "");
    let keys_y = p.bottom - 1;
    assert_ne!(
        screen.cell(p.left + 1, keys_y).fg,
        screen.cell(p.left + 9, keys_y).fg,
        "\"y/Enter\" is coloured, \"delete\" is not"
    );
    assert_only_popup_changed(&mut state, &screen, p);

    // Narrow: everything still inside the border, the keys still on the last row.
    let screen = show(&mut state, 60, 20);
    assert_clean(&screen);
    let p = popup(&screen, "Delete all dangling images ");
    assert_eq!((p.left, p.right), (2, 57), "\n{screen}");
    let lines = inside(&screen, p);
    assert_eq!(
        lines.last().unwrap(),
        "y/Enter delete · n/Esc cancel · j/k scroll",
        "\n{screen}"
    );
    assert_eq!(lines[0], "2 images will be deleted, 128.9 MB in all:");
    assert!(lines[2].starts_with(&format!("  {OLD}     4 weeks ago   123.4 MB  <none>")));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("used by builder (stopped)")),
        "\n{screen}"
    );
    for line in &lines {
        assert!(
            line.width() <= usize::from(p.right - p.left - 1),
            "{line:?}"
        );
    }
    assert_only_popup_changed(&mut state, &screen, p);
}

#[test]
fn a_confirmation_taller_than_the_screen_scrolls_and_keeps_its_keys() {
    let mut state = cleanup();
    act(&mut state, Action::DeleteDangling);
    let screen = show(&mut state, 60, 12);
    let p = popup(&screen, "Delete all dangling images ");
    let lines = inside(&screen, p);
    assert_eq!(
        lines[0], "2 images will be deleted, 128.9 MB in all:",
        "\n{screen}"
    );
    assert!(
        !screen.contains("builder (stopped)"),
        "cut at the bottom:\n{screen}"
    );
    assert_eq!(
        lines.last().unwrap(),
        "y/Enter delete · n/Esc cancel · j/k scroll"
    );
    for _ in 0..3 {
        assert!(key(&mut state, DialogInput::Down).is_empty());
    }
    let screen = show(&mut state, 60, 12);
    let p = popup(&screen, "Delete all dangling images ");
    let lines = inside(&screen, p);
    assert!(
        !screen.contains("will be deleted"),
        "scrolled past:\n{screen}"
    );
    assert!(lines[0].contains(NEW), "\n{screen}");
    assert!(screen.contains("used by builder (stopped)"), "\n{screen}");
    assert_eq!(
        lines.last().unwrap(),
        "y/Enter delete · n/Esc cancel · j/k scroll",
        "the keys do not scroll"
    );
}

#[test]
fn delete_on_an_image_with_three_tags_offers_each_tag_or_the_image() {
    let mut state = cleanup();
    select(&mut state, NGINX);
    act(&mut state, Action::Delete);
    let screen = show(&mut state, 120, 40);
    let p = popup(&screen, "Delete or untag ");
    let lines = inside(&screen, p);
    assert_eq!(
        lines[0],
        format!("This image ({NGINX}) has 3 tags. Remove one tag (the image stays), or the image:"),
        "\n{screen}"
    );
    let choices = [
        "untag nginx:1.27",
        "untag nginx:latest",
        "untag nginx:stable",
        "delete image 1d53ef105045 with all 3 tags (192.5 MB)",
    ];
    let first = index_of(&lines, choices[0]);
    let marked = |lines: &[String]| -> Vec<usize> {
        lines[first..first + 4]
            .iter()
            .enumerate()
            .filter(|(_, l)| l.starts_with("› "))
            .map(|(i, _)| i)
            .collect()
    };
    let check = |screen: &Screen, selected: usize| {
        let p = popup(screen, "Delete or untag ");
        let lines = inside(screen, p);
        for (i, choice) in choices.iter().enumerate() {
            let marker = if i == selected { "› " } else { "  " };
            assert_eq!(lines[first + i], format!("{marker}{choice}"), "\n{screen}");
            // The chosen one is highlighted, from its text on; the marker is not.
            let y = p.top + 1 + (first + i) as u16;
            assert_eq!(screen.reversed(p.left + 3, y), i == selected, "\n{screen}");
            assert!(!screen.reversed(p.left + 1, y));
        }
        assert_eq!(marked(&lines), [selected]);
        assert_eq!(
            lines.last().unwrap(),
            "j/k choose · y/Enter do it · n/Esc cancel"
        );
    };
    check(&screen, 0);
    key(&mut state, DialogInput::Down);
    check(&show(&mut state, 120, 40), 1);
    key(&mut state, DialogInput::Down);
    key(&mut state, DialogInput::Down);
    check(&show(&mut state, 120, 40), 3);
    // The last choice stays chosen.
    key(&mut state, DialogInput::Down);
    check(&show(&mut state, 120, 40), 3);
    key(&mut state, DialogInput::Up);
    check(&show(&mut state, 120, 40), 2);

    // Deleting the whole image asks again, listing it with all its tags.
    key(&mut state, DialogInput::Down);
    assert!(key(&mut state, DialogInput::Confirm).is_empty());
    let screen = show(&mut state, 120, 40);
    let p = popup(&screen, &format!("Delete image nginx:1.27 ({NGINX}) "));
    let lines = inside(&screen, p);
    assert_eq!(
        lines[0], "1 image will be deleted, 192.5 MB in all:",
        "\n{screen}"
    );
    assert_eq!(
        lines[2],
        format!("  {NGINX}      3 days ago   192.5 MB  nginx:1.27, nginx:latest, nginx:stable")
    );
    assert_eq!(
        lines.last().unwrap(),
        "y/Enter delete · n/Esc cancel · j/k scroll"
    );
}

#[test]
fn force_is_offered_only_for_an_image_stopped_containers_use() {
    // A running container's image: the engine refuses even a forced delete, so no `f`.
    let mut state = cleanup();
    select(&mut state, WEB);
    act(&mut state, Action::Delete);
    let screen = show(&mut state, 120, 40);
    let p = popup(&screen, &format!("Delete image web:1 ({WEB}) "));
    let lines = inside(&screen, p);
    let text = lines.join("\n");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("{WEB}    81.7 MB  used by web-1 (running)"))),
        "\n{screen}"
    );
    assert!(
        text.contains("stop and remove the container first"),
        "\n{screen}"
    );
    assert_eq!(lines.last().unwrap(), "n/Esc close");
    assert!(!screen.contains("f force"), "\n{screen}");
    assert!(key(&mut state, DialogInput::Force).is_empty());

    // Only a stopped container uses it: `f` is offered, `y` does not force.
    let mut state = cleanup();
    select(&mut state, BUILT);
    act(&mut state, Action::Delete);
    let screen = show(&mut state, 120, 40);
    assert!(matches!(state.dialog, Some(Dialog::Confirm(_))));
    let p = popup(&screen, &format!("Delete image {BUILT} "));
    let lines = inside(&screen, p);
    let text = lines.join("\n");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("  {BUILT}    42.1 MB  used by builder (stopped)"))),
        "\n{screen}"
    );
    assert!(text.contains("Forcing removes it anyway"), "\n{screen}");
    assert_eq!(lines.last().unwrap(), "f force delete · n/Esc leave it");
    assert!(!screen.contains("y/Enter"), "\n{screen}");
    // y does nothing here; the dialog stays as it was.
    assert!(key(&mut state, DialogInput::Confirm).is_empty());
    let again = show(&mut state, 120, 40);
    assert_eq!(again.lines, screen.lines);
    // f forces, and the removal shows its progress.
    let commands = key(&mut state, DialogInput::Force);
    assert!(matches!(
        commands[..],
        [Command::Remove { force: true, .. }]
    ));
    let screen = show(&mut state, 120, 40);
    assert!(screen.line(39).contains("0/1 deleted"), "\n{screen}");

    // An image nothing uses: y deletes, and force is not offered.
    let mut state = cleanup();
    select(&mut state, APP);
    act(&mut state, Action::Delete);
    let screen = show(&mut state, 120, 40);
    let p = popup(&screen, &format!("Delete image app:1 ({APP}) "));
    let lines = inside(&screen, p);
    assert_eq!(
        lines.last().unwrap(),
        "y/Enter delete · n/Esc cancel · j/k scroll"
    );
    assert!(!screen.contains("force"), "\n{screen}");
}

#[test]
fn prune_form_previews_as_scope_and_age_change() {
    let mut state = cleanup();
    act(&mut state, Action::Prune);
    let title = "Prune images ";
    let screen = show(&mut state, 120, 40);
    let p = popup(&screen, title);
    let lines = inside(&screen, p);
    assert_eq!(
        lines[0], "Which:       (•) dangling   ( ) unused (no container uses it, tagged or not)",
        "\n{screen}"
    );
    assert_eq!(
        lines[1],
        "Older than:  [        ]  empty: any age · e.g. 36h, 7d, 2w"
    );
    // The focused field is highlighted.
    let which = p.top + 1;
    let age = p.top + 2;
    assert!(screen.reversed(column_of(&screen, which, "(•)"), which));
    assert!(!screen.reversed(column_of(&screen, age, "["), age));
    assert!(lines.contains(&"2 images will be deleted, 128.9 MB in all:".to_string()));
    assert_eq!(
        lines.last().unwrap(),
        "Tab field · Space dangling/unused · y/Enter prune · n/Esc cancel"
    );
    assert_eq!(ids_listed(&lines), [OLD, NEW]);

    key(&mut state, DialogInput::Toggle);
    let screen = show(&mut state, 120, 40);
    let lines = inside(&screen, popup(&screen, title));
    assert!(
        lines[0].starts_with("Which:       ( ) dangling   (•) unused"),
        "\n{screen}"
    );
    assert!(lines.contains(&"4 images will be deleted, 622.6 MB in all:".to_string()));
    assert_eq!(ids_listed(&lines), [APP, NGINX, OLD, NEW]);
    assert!(lines.contains(&"2 images will stay — containers use them:".to_string()));
    assert!(lines.iter().any(|l| l.contains("used by web-1 (running)")));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("used by builder (stopped)"))
    );

    // Typing a number jumps to the age; the preview drops what is younger.
    key(&mut state, DialogInput::Char('7'));
    key(&mut state, DialogInput::Char('d'));
    let screen = show(&mut state, 120, 40);
    let p = popup(&screen, title);
    let lines = inside(&screen, p);
    assert!(
        lines[1].starts_with("Older than:  [7d      ]"),
        "\n{screen}"
    );
    let (which, age) = (p.top + 1, p.top + 2);
    assert!(screen.reversed(column_of(&screen, age, "[7d"), age));
    assert!(!screen.reversed(column_of(&screen, which, "(•)"), which));
    assert!(lines.contains(&"2 images will be deleted, 424.6 MB in all:".to_string()));
    assert_eq!(ids_listed(&lines), [APP, OLD]);
    assert!(!lines.iter().any(|l| l.contains(NGINX) || l.contains(NEW)));

    // A letter that is no unit: said in red under the field.
    key(&mut state, DialogInput::Char('x'));
    let screen = show(&mut state, 120, 40);
    let p = popup(&screen, title);
    let lines = inside(&screen, p);
    assert!(
        lines[1].starts_with("Older than:  [7dx     ]"),
        "\n{screen}"
    );
    assert_eq!(lines[2], "  unknown unit 'x' (use s, m, h, d or w)");
    let error_x = column_of(&screen, p.top + 3, "unknown");
    assert_ne!(
        screen.cell(error_x, p.top + 3).fg,
        screen.cell(p.left + 1, p.top + 1).fg,
        "the error is coloured"
    );
    // Enter does nothing while the age is wrong.
    assert!(key(&mut state, DialogInput::Confirm).is_empty());
    assert!(state.dialog.is_some());

    // Erasing it brings the preview back.
    key(&mut state, DialogInput::Erase);
    let screen = show(&mut state, 120, 40);
    let lines = inside(&screen, popup(&screen, title));
    assert!(!screen.contains("unknown unit"), "\n{screen}");
    assert!(lines[1].starts_with("Older than:  [7d      ]"));
    assert_eq!(ids_listed(&lines), [APP, OLD]);
}

#[test]
fn marks_show_in_the_list_and_the_status_bar_until_esc() {
    let mut state = cleanup();
    let screen = show(&mut state, 120, 40);
    let (id_x, _) = screen.at("IMAGE ID");
    assert!(!screen.contains("●"));
    assert!(!screen.line(39).contains("marked"));

    // Space marks the selected row and moves down.
    act(&mut state, Action::Top);
    act(&mut state, Action::ToggleMark);
    let screen = show(&mut state, 120, 40);
    assert!(screen.line(TOP + 2).starts_with("│● app:1 "), "\n{screen}");
    assert!(
        screen.line(TOP + 3).starts_with("│  nginx:1.27 +2 "),
        "\n{screen}"
    );
    assert!(screen.reversed(3, TOP + 3), "the cursor moved down");
    assert_ne!(
        screen.cell(3, TOP + 2).fg,
        screen.cell(3, TOP + 4).fg,
        "a marked row has its own colour"
    );
    assert!(
        screen.line(39).contains(" · 1 marked (301.2 MB)"),
        "\n{screen}"
    );
    // The other columns stay where they were.
    assert_eq!(screen.text(id_x, id_x + 12, TOP + 2), APP);

    act(&mut state, Action::MarkAll);
    let screen = show(&mut state, 120, 40);
    for y in TOP + 2..TOP + 8 {
        assert!(screen.line(y).starts_with("│● "), "row {y}:\n{screen}");
    }
    assert!(screen.line(TOP + 8).starts_with("│ "), "\n{screen}");
    assert!(
        screen.line(39).contains(" · 6 marked (746.4 MB)"),
        "\n{screen}"
    );

    act(&mut state, Action::Back);
    let screen = show(&mut state, 120, 40);
    assert!(!screen.contains("●"), "\n{screen}");
    assert!(!screen.line(39).contains("marked"), "\n{screen}");
    assert!(screen.line(TOP + 2).starts_with("│app:1 "), "\n{screen}");
}

#[test]
fn read_only_says_so_and_refuses_to_delete() {
    let mut state = cleanup();
    state.read_only = true;
    let screen = show(&mut state, 120, 40);
    let status = screen.line(39);
    assert!(status.contains(" READ-ONLY "), "\n{screen}");
    // First on the line, where no width cuts it, and a badge.
    assert!(status.starts_with(" READ-ONLY  "), "{status}");
    let x = column_of(&screen, 39, "READ-ONLY");
    let images = column_of(&screen, 39, "images");
    assert_ne!(screen.cell(x, 39).bg, screen.cell(images, 39).bg, "a badge");
    // No notice line yet: the panes reach the status bar.
    assert_eq!(screen.symbol(0, 38), "└");

    for action in [Action::DeleteDangling, Action::Delete, Action::Prune] {
        act(&mut state, action);
        assert!(state.dialog.is_none());
        let screen = show(&mut state, 120, 40);
        assert!(
            screen
                .line(38)
                .starts_with(" ! Read-only: deleting is disabled (started with --read-only)."),
            "{action:?}:\n{screen}"
        );
        assert!(!screen.contains("┌ Delete"), "\n{screen}");
        assert!(!screen.contains("┌ Prune"), "\n{screen}");
        assert!(screen.line(39).contains(" READ-ONLY "));
    }
}

/// A tag and a container name that would retitle the terminal and clear it.
fn hostile_cleanup() -> AppState {
    const EVIL: &str = "e5ce5ce5ce5c";
    const USED: &str = "c0c0c0c0c0c0";
    const LONE: &str = "10e10e10e10e";
    let mut state = loaded(vec![
        image(
            EVIL,
            &["evil\u{1b}]0;pwned\u{7}:1", "wipe\u{1b}[2J:2"],
            3_000,
            NOW - DAY,
        ),
        image(USED, &["used\u{1b}[2J:1"], 2_000, NOW - DAY),
        image(LONE, &["lone\u{1b}]0;pwned\u{7}:1"], 1_000, NOW - DAY),
    ]);
    state.update(Message::Clock(NOW));
    state.update(Message::Engine(EngineEvent::Containers {
        generation: 0,
        by_image: HashMap::from([(id(USED), vec![container("ctr\u{1b}]0;pwned\u{7}", true)])]),
    }));
    state
}

/// No cell holds an escape or a bell, and `shown` is on screen as written.
fn assert_escaped(screen: &Screen, shown: &[&str]) {
    assert_clean(screen);
    for y in 0..screen.height() {
        for x in 0..screen.width() {
            let symbol = screen.symbol(x, y);
            assert!(
                !symbol.contains('\u{1b}') && !symbol.contains('\u{7}'),
                "({x},{y}) {symbol:?}"
            );
        }
    }
    for text in shown {
        assert!(screen.contains(text), "{text:?} not on screen:\n{screen}");
    }
}

#[test]
fn hostile_tags_and_container_names_are_escaped_in_dialogs() {
    let mut state = hostile_cleanup();
    select(&mut state, "e5ce5ce5ce5c");
    act(&mut state, Action::Delete);
    let screen = show(&mut state, 120, 40);
    popup(&screen, "Delete or untag ");
    assert_escaped(
        &screen,
        &[r"› untag evil\x1b]0;pwned\x07:1", r"  untag wipe\x1b[2J:2"],
    );
    key(&mut state, DialogInput::Down);
    key(&mut state, DialogInput::Down);
    key(&mut state, DialogInput::Confirm);
    let screen = show(&mut state, 120, 40);
    popup(
        &screen,
        r"Delete image evil\x1b]0;pwned\x07:1 (e5ce5ce5ce5c) ",
    );
    assert_escaped(&screen, &[r"evil\x1b]0;pwned\x07:1, wipe\x1b[2J:2"]);
    key(&mut state, DialogInput::Cancel);

    // The container name, where an image in use stays.
    select(&mut state, "c0c0c0c0c0c0");
    act(&mut state, Action::Delete);
    let screen = show(&mut state, 120, 40);
    popup(&screen, r"Delete image used\x1b[2J:1 (c0c0c0c0c0c0) ");
    assert_escaped(&screen, &[r"used by ctr\x1b]0;pwned\x07 (running)"]);
    key(&mut state, DialogInput::Cancel);

    // A conflict: the engine's message, and the container that appeared meanwhile.
    select(&mut state, "10e10e10e10e");
    act(&mut state, Action::Delete);
    let operation = removal(&key(&mut state, DialogInput::Confirm));
    state.update(Message::Engine(EngineEvent::Containers {
        generation: 0,
        by_image: HashMap::from([
            (
                id("c0c0c0c0c0c0"),
                vec![container("ctr\u{1b}]0;pwned\u{7}", true)],
            ),
            (
                id("10e10e10e10e"),
                vec![container("new\u{1b}[2J\u{7}", false)],
            ),
        ]),
    }));
    job_done(
        &mut state,
        operation,
        "10e10e10e10e",
        Outcome::Conflict(
            "unable to delete \u{1b}[31mlone\u{1b}[0m (must be forced)\u{7}".to_string(),
        ),
    );
    assert!(matches!(state.dialog, Some(Dialog::Conflict(_))));
    let screen = show(&mut state, 120, 40);
    let p = popup(
        &screen,
        r"Cannot delete lone\x1b]0;pwned\x07:1 (10e10e10e10e) ",
    );
    let lines = inside(&screen, p);
    assert!(
        lines[0].starts_with(r"unable to delete \x1b[31mlone\x1b[0m (must be forced)\x07"),
        "\n{screen}"
    );
    let used_by = index_of(&lines, "Used by:");
    assert_eq!(lines[used_by + 1], r"  new\x1b[2J\x07 (stopped)");
    assert_eq!(lines.last().unwrap(), "f force delete · n/Esc leave it");
    assert_escaped(
        &screen,
        &[r"! lone\x1b]0;pwned\x07:1 not removed: unable to delete \x1b[31mlone"],
    );
    key(&mut state, DialogInput::Cancel);

    // And the report of a bulk delete, once that container is gone again.
    state.update(Message::Engine(EngineEvent::Containers {
        generation: 0,
        by_image: HashMap::new(),
    }));
    select(&mut state, "e5ce5ce5ce5c");
    act(&mut state, Action::ToggleMark);
    select(&mut state, "10e10e10e10e");
    act(&mut state, Action::ToggleMark);
    act(&mut state, Action::Delete);
    let operation = removal(&key(&mut state, DialogInput::Confirm));
    for short in ["e5ce5ce5ce5c", "10e10e10e10e"] {
        job_done(
            &mut state,
            operation,
            short,
            Outcome::Failed("disk \u{1b}[2J full\u{7}".to_string()),
        );
    }
    assert!(matches!(state.dialog, Some(Dialog::Report(_))));
    let screen = show(&mut state, 120, 40);
    popup(&screen, "2 images not removed. ");
    assert_escaped(
        &screen,
        &[
            r" ✗ e5ce5ce5ce5c  evil\x1b]0;pwned\x07:1 — failed: disk \x1b[2J full\x07",
            r" ✗ 10e10e10e10e  lone\x1b]0;pwned\x07:1 — failed: disk \x1b[2J full\x07",
        ],
    );
}

/// Marks the three largest images (app, nginx, the old dangling one), asks to delete them
/// and confirms: the removal's operation id.
fn delete_three_marked(state: &mut AppState) -> u64 {
    act(state, Action::Top);
    for _ in 0..3 {
        act(state, Action::ToggleMark);
    }
    act(state, Action::Delete);
    removal(&key(state, DialogInput::Confirm))
}

#[test]
fn bulk_delete_shows_progress_then_a_report() {
    let mut state = cleanup();
    act(&mut state, Action::Top);
    for _ in 0..3 {
        act(&mut state, Action::ToggleMark);
    }
    act(&mut state, Action::Delete);
    let screen = show(&mut state, 120, 40);
    let p = popup(&screen, "Delete marked images ");
    let lines = inside(&screen, p);
    assert_eq!(
        lines[0], "3 images will be deleted, 617.1 MB in all:",
        "\n{screen}"
    );
    for (i, short) in [APP, NGINX, OLD].into_iter().enumerate() {
        assert!(
            lines[2 + i].starts_with(&format!("  {short} ")),
            "\n{screen}"
        );
    }
    assert!(screen.line(39).contains("3 marked (617.1 MB)"));

    let operation = removal(&key(&mut state, DialogInput::Confirm));
    let screen = show(&mut state, 120, 40);
    assert!(state.dialog.is_none());
    let status = screen.line(39);
    assert!(status.contains("⠋ 0/3 deleted"), "\n{screen}");
    assert!(!status.contains("marked"), "the marks were used up");
    assert!(!screen.contains("●"), "\n{screen}");
    // The spinner turns.
    let (turned, _) = draw_with(&state, 120, 40, 1);
    assert!(turned.line(39).contains("⠙ 0/3 deleted"), "\n{turned}");

    job_done(&mut state, operation, APP, Outcome::Deleted);
    let screen = show(&mut state, 120, 40);
    assert!(screen.line(39).contains("1/3 deleted"), "\n{screen}");
    assert!(!screen.contains("app:1"), "gone from the list:\n{screen}");
    job_done(&mut state, operation, NGINX, Outcome::AlreadyGone);
    assert!(show(&mut state, 120, 40).line(39).contains("2/3 deleted"));
    job_done(
        &mut state,
        operation,
        OLD,
        Outcome::Failed("disk full".to_string()),
    );

    let screen = show(&mut state, 120, 40);
    let summary = "Deleted 1 image (301.2 MB); 1 image already gone; 1 image not removed.";
    let p = popup(&screen, summary);
    let lines = inside(&screen, p);
    assert_eq!(
        lines[..3],
        [
            format!(" ✓ {APP}  app:1 — deleted"),
            format!(" ✓ {NGINX}  nginx:1.27 — already gone"),
            format!(" ✗ {OLD}  <none> — failed: disk full"),
        ],
        "\n{screen}"
    );
    assert_eq!(lines.last().unwrap(), "Enter/Esc close · j/k scroll");
    let (ok_y, failed_y) = (p.top + 1, p.top + 3);
    assert_ne!(
        screen.cell(p.left + 2, ok_y).fg,
        screen.cell(p.left + 2, failed_y).fg,
        "✓ and ✗ in different colours"
    );
    // The notice line says the same; the progress is gone.
    assert_eq!(
        screen.line(38).trim_end(),
        format!(" ! {summary}"),
        "\n{screen}"
    );
    assert!(!screen.line(39).contains("/3 "), "\n{screen}");
    // The failed one is still listed.
    assert!(screen.line(TOP + 2).contains(OLD), "\n{screen}");

    // Closing the report keeps the notice.
    key(&mut state, DialogInput::Confirm);
    let screen = show(&mut state, 120, 40);
    assert!(!screen.contains("Enter/Esc close"), "\n{screen}");
    assert_eq!(screen.line(38).trim_end(), format!(" ! {summary}"));
}

/// The short ids a dialog lists under its "IMAGE ID" header.
fn ids_listed(lines: &[String]) -> Vec<&str> {
    let start = index_of(lines, "IMAGE ID") + 1;
    lines[start..]
        .iter()
        .take_while(|l| !l.is_empty())
        .map(|l| &l[2..14])
        .collect()
}

/// The states with each dialog open, and the first key its bottom line names.
fn every_dialog() -> Vec<(&'static str, AppState, &'static str)> {
    let mut dangling = cleanup();
    act(&mut dangling, Action::DeleteDangling);
    let mut choose = cleanup();
    select(&mut choose, NGINX);
    act(&mut choose, Action::Delete);
    let mut in_use = cleanup();
    select(&mut in_use, BUILT);
    act(&mut in_use, Action::Delete);
    let mut prune = cleanup();
    act(&mut prune, Action::Prune);
    for c in ['7', 'd', 'x'] {
        key(&mut prune, DialogInput::Char(c));
    }
    let mut conflict = cleanup();
    select(&mut conflict, APP);
    act(&mut conflict, Action::Delete);
    let operation = removal(&key(&mut conflict, DialogInput::Confirm));
    job_done(
        &mut conflict,
        operation,
        APP,
        Outcome::Conflict("image is being used by stopped container 1e2c ".repeat(5)),
    );
    let mut report = cleanup();
    let operation = delete_three_marked(&mut report);
    for short in [APP, NGINX, OLD] {
        job_done(
            &mut report,
            operation,
            short,
            Outcome::Failed("x".repeat(200)),
        );
    }
    let all = vec![
        ("dangling", dangling, "y/Enter"),
        ("choose", choose, "j/k"),
        ("in use", in_use, "f force"),
        ("prune", prune, "Tab"),
        ("conflict", conflict, "f force"),
        ("report", report, "Enter/Esc"),
    ];
    for (name, state, _) in &all {
        assert!(state.dialog.is_some(), "{name}: no dialog");
    }
    all
}

#[test]
fn dialogs_render_on_tiny_terminals_and_keep_their_keys() {
    for (name, mut state, first_key) in every_dialog() {
        let screen = show(&mut state, 1, 1);
        assert_eq!(screen.line(0), "t", "{name}");
        for (w, h) in [(20, 5), (30, 8)] {
            let screen = show(&mut state, w, h);
            assert_clean(&screen);
            assert!(
                screen.contains(first_key),
                "{name} {w}x{h}: no {first_key:?}:\n{screen}"
            );
        }
        for w in [2, 19, 20, 21, 24, 33, 45, 60, 80] {
            for h in [2, 4, 5, 6, 7, 9, 12, 16, 20] {
                let screen = show(&mut state, w, h);
                assert_clean(&screen);
                if w >= ui::MIN_WIDTH && h >= ui::MIN_HEIGHT {
                    // The keys sit on the row above the dialog's bottom border.
                    let (x, y) = screen.at(first_key);
                    assert_eq!(screen.symbol(x - 1, y), "│", "{name} {w}x{h}:\n{screen}");
                    assert_eq!(
                        screen.symbol(x - 1, y + 1),
                        "└",
                        "{name} {w}x{h}:\n{screen}"
                    );
                }
            }
        }
    }
}

#[test]
fn confirming_a_prune_shows_the_check_then_what_it_reclaimed() {
    let mut state = cleanup();
    act(&mut state, Action::DeleteDangling);
    let commands = key(&mut state, DialogInput::Confirm);
    let [Command::Prune { operation, .. }] = commands[..] else {
        panic!("{commands:?}");
    };
    let screen = show(&mut state, 120, 40);
    assert!(state.dialog.is_none());
    assert!(
        screen
            .line(39)
            .contains("⠋ checking, then pruning…  Docker"),
        "\n{screen}"
    );
    state.update(Message::Engine(EngineEvent::PruneDone {
        operation,
        outcome: PruneOutcome::Done {
            deleted: vec![id(OLD).to_string(), id(NEW).to_string()],
            space_reclaimed: 100_000_000,
        },
    }));
    let screen = show(&mut state, 120, 40);
    assert!(!screen.line(39).contains("checking"), "\n{screen}");
    assert_eq!(
        screen.line(38).trim_end(),
        " ✓ Pruned 2 dangling images; the engine reclaimed 100 MB.",
        "\n{screen}"
    );
    assert!(!screen.contains(OLD) && !screen.contains(NEW), "\n{screen}");
    assert!(screen.contains(BUILT), "the one in use stays:\n{screen}");
}

// ----- huge data -----

/// 10,000 labels, a 1 MB label value and 500 tags on one image: drawn, scrollable to the
/// end, the huge value cut with a note, the list row still one line.
#[test]
fn huge_images_draw_and_scroll() {
    let mut huge = image(APP, &[], 1_000, NOW - DAY);
    huge.repo_tags = (0..500).map(|i| format!("repo/many:{i:03}")).collect();
    huge.labels = (0..10_000)
        .map(|i| (format!("label.{i:05}"), format!("value {i}")))
        .collect();
    huge.labels.push(("zz.huge".into(), "v".repeat(1_000_000)));
    let mut state = loaded(vec![huge]);
    let screen = show(&mut state, 160, 50);
    assert!(screen.contains("repo/many:000 +499"), "\n{screen}");
    assert!(screen.contains("Tags (500)"), "\n{screen}");
    assert!(state.viewport.detail_lines > 10_000, "{:?}", state.viewport);
    // The detail pane scrolls to its end, where the cut value and its note are.
    act(&mut state, Action::ToggleFocus);
    act(&mut state, Action::Bottom);
    let screen = show(&mut state, 160, 50);
    assert!(screen.contains("more bytes)"), "\n{screen}");
    assert!(!screen.contains("label.00000"), "\n{screen}");
    // Half way down: the labels, in key order.
    act(&mut state, Action::Top);
    for _ in 0..20 {
        act(&mut state, Action::PageDown);
    }
    let screen = show(&mut state, 160, 50);
    assert!(screen.contains("label.0"), "\n{screen}");
    assert!(!screen.contains("Tags (500)"), "\n{screen}");
}

// ----- the filter -----

fn typed(state: &mut AppState, text: &str) {
    act(state, Action::Filter);
    for c in text.chars() {
        state.update(Message::Query(QueryInput::Insert(c)));
    }
}

/// Whether the cell at `x`,`y` is drawn as a filter match.
fn matched(screen: &Screen, x: u16, y: u16) -> bool {
    screen.cell(x, y).modifier.contains(Modifier::UNDERLINED)
}

#[test]
fn typing_a_filter_shows_the_prompt_the_counts_and_the_matched_characters() {
    let mut state = loaded(sample());
    typed(&mut state, "ngx");
    let screen = show(&mut state, 160, 50);
    assert!(
        screen.line(TOP).starts_with("┌ Images 1 of 4 · by size ▼ "),
        "\n{screen}"
    );
    let y = screen.row_of(" / ngx");
    assert_eq!(y, 48, "just above the status bar:\n{screen}");
    let bar = screen.line(y);
    assert!(
        bar.contains("1 of 4 shown · Enter keeps · Esc clears"),
        "{bar}"
    );
    // The caret after the text.
    let (x, _) = screen.at(" / ngx");
    assert!(screen.reversed(x + 6, y), "\n{screen}");

    let (x, y) = screen.at("nginx:1.27");
    let hits: Vec<bool> = (0..5).map(|i| matched(&screen, x + i, y)).collect();
    assert_eq!(
        hits,
        [true, true, false, false, true],
        "n g . . x\n{screen}"
    );
    assert!(!screen.contains("redis"), "\n{screen}");

    // Enter keeps it and says how to edit or clear it.
    state.update(Message::Query(QueryInput::Accept));
    let screen = show(&mut state, 160, 50);
    let bar = screen.line(screen.row_of(" filter: ngx"));
    assert!(bar.contains("1 of 4 shown · / edits · Esc clears"), "{bar}");
    act(&mut state, Action::Back);
    let screen = show(&mut state, 160, 50);
    assert!(!screen.contains("filter:"), "\n{screen}");
    assert!(
        screen.line(TOP).starts_with("┌ Images · by size"),
        "\n{screen}"
    );
}

#[test]
fn the_row_shows_the_tag_that_matched_and_ids_match_by_prefix() {
    let mut state = loaded(sample());
    typed(&mut state, "stable");
    let screen = show(&mut state, 160, 50);
    let (x, y) = screen.at("nginx:stable +2");
    assert!(
        matched(&screen, x + 6, y) && !matched(&screen, x, y),
        "\n{screen}"
    );

    let mut state = loaded(sample());
    typed(&mut state, "feedf");
    let screen = show(&mut state, 160, 50);
    let (x, y) = screen.at("feedfacecafe 3 weeks");
    let hits: Vec<bool> = (0..7).map(|i| matched(&screen, x + i, y)).collect();
    assert_eq!(
        hits,
        [true, true, true, true, true, false, false],
        "\n{screen}"
    );
    assert!(screen.contains("<none>"), "\n{screen}");
}

#[test]
fn a_filter_that_hides_everything_or_does_not_parse_says_so() {
    let mut state = loaded(sample());
    typed(&mut state, "zzzz");
    let screen = show(&mut state, 160, 50);
    assert!(
        screen.contains("No image matches the filter."),
        "\n{screen}"
    );
    assert!(screen.contains("0 of 4 shown"), "\n{screen}");

    let mut state = loaded(sample());
    typed(&mut state, "size>");
    let screen = show(&mut state, 160, 50);
    let bar = screen.line(screen.row_of(" / size>"));
    assert!(bar.contains("✗ size>"), "{bar}");
    assert!(!bar.contains("shown"), "{bar}");
}

#[test]
fn a_typed_escape_sequence_is_shown_escaped() {
    let mut state = loaded(sample());
    typed(&mut state, "\x1b[2J\u{202e}x");
    let screen = show(&mut state, 160, 50);
    assert!(screen.contains(" / \\x1b[2J\\u{202e}x"), "\n{screen}");
    for line in &screen.lines {
        assert!(
            !line.chars().any(|c| c == '\x1b' || c == '\u{202e}'),
            "{line:?}"
        );
    }
}

#[test]
fn a_long_query_keeps_its_end_in_view_on_a_narrow_terminal() {
    let mut state = loaded(sample());
    let query = format!("{}nginx", "x".repeat(100));
    typed(&mut state, &query);
    let screen = show(&mut state, 40, 20);
    let bar = screen.line(screen.row_of(" / …"));
    assert!(bar.contains("xnginx "), "{bar}");
}

// ----- disk usage -----

/// `docker system df`: asked for once the list is in, shown in the status bar with what is
/// reclaimable, and per image in the detail pane; again after a clean-up, not per event.
#[test]
fn disk_usage_shows_in_the_status_bar_and_the_detail_pane() {
    use imgtui::core::disk::{DfImage, DfReport};
    let mut state = connected();
    let commands = state.update(Message::Engine(EngineEvent::Listed {
        generation: 0,
        images: sample(),
    }));
    assert_eq!(
        commands,
        [Command::DiskUsage],
        "asked for once the list is in"
    );
    let df = |short: &str, size, shared, containers| DfImage {
        id: id(short),
        size: Some(size),
        shared_size: Some(shared),
        containers: Some(containers),
    };
    state.update(Message::Clock(NOW));
    let commands = state.update(Message::Engine(EngineEvent::DiskUsage(Ok(DfReport {
        layers_size: 200_000_000,
        images: vec![
            df("1d53ef105045", 192_500_000, 50_000_000, 2),
            df("a1b2c3d4e5f6", 8_800_000, 8_000_000, 0),
        ],
    }))));
    assert!(commands.is_empty());
    let screen = show(&mut state, 160, 50);
    let status = screen.line(49);
    // In use: nginx, 142.5 MB of its own; the rest of 200 MB could go.
    assert!(
        status.contains("1 dangling (12.3 MB) · disk 200 MB, 57.5 MB reclaimable (28%)  ? help"),
        "{status}"
    );
    let detail = screen.line(screen.row_of("Shared size"));
    assert!(
        detail.contains("Shared size   50 MB · own 142.5 MB (disk usage just now)"),
        "{detail}"
    );

    // Engine events do not ask again; `I` does, once at a time.
    let commands = state.update(Message::Engine(EngineEvent::ImageGone {
        generation: 0,
        id: id("feedfacecafe"),
    }));
    assert!(commands.is_empty());
    let asked = state.update(Message::Action(Action::DiskUsage));
    assert_eq!(asked, [Command::DiskUsage]);
    let again = state.update(Message::Action(Action::DiskUsage));
    assert!(again.is_empty(), "one at a time");
    // The last figures stay while the new ones are computed.
    let screen = show(&mut state, 160, 50);
    assert!(
        screen.line(49).contains("reclaimable (28%) ⟳"),
        "{}",
        screen.line(49)
    );

    // A failure says so; `I` tries again.
    let mut state = connected();
    state.update(Message::Engine(EngineEvent::Listed {
        generation: 0,
        images: sample(),
    }));
    state.update(Message::Engine(EngineEvent::DiskUsage(Err("boom".into()))));
    let screen = show(&mut state, 160, 50);
    assert!(
        screen.line(49).contains("disk usage unknown (I retries)"),
        "{}",
        screen.line(49)
    );
    assert!(
        screen.contains("not computed (I computes it)"),
        "\n{screen}"
    );
}

/// On a short terminal the help scrolls: it says there is more, j/G/k move it, and every
/// line can be reached; nothing behind it moves.
#[test]
fn the_help_scrolls_on_a_short_terminal() {
    let mut state = loaded(sample());
    act(&mut state, Action::ToggleHelp);
    let screen = show(&mut state, 80, 24);
    assert!(screen.contains("move down"), "\n{screen}");
    assert!(screen.contains("↓ more · j/k scroll"), "\n{screen}");
    assert!(!screen.contains("closes this help"), "\n{screen}");

    act(&mut state, Action::Bottom);
    let screen = show(&mut state, 80, 24);
    assert!(screen.contains("Esc or ? closes this help"), "\n{screen}");
    assert!(screen.contains("↑ more · j/k scroll"), "\n{screen}");
    assert!(!screen.contains("move down"), "\n{screen}");
    let bottom = state.help_scroll;
    act(&mut state, Action::Down);
    assert_eq!(state.help_scroll, bottom, "clamped at the end");

    act(&mut state, Action::Up);
    let screen = show(&mut state, 80, 24);
    assert!(screen.contains("↑↓ more"), "\n{screen}");
    act(&mut state, Action::Top);
    let screen = show(&mut state, 80, 24);
    assert!(screen.contains("move down"), "\n{screen}");

    // The list behind did not move, and a tall terminal shows it all without a hint.
    act(&mut state, Action::ToggleHelp);
    assert_eq!(state.cursor(), 0);
    act(&mut state, Action::ToggleHelp);
    let screen = show(&mut state, 120, 60);
    assert!(screen.contains("closes this help") && !screen.contains("more · j/k"));
}

/// A row that matched on a label shows its tag, so the detail pane marks the labels the
/// filter matched.
#[test]
fn the_detail_pane_marks_the_labels_the_filter_matched() {
    let mut images = sample();
    images[1].labels = vec![
        ("com.example.team".into(), "storage".into()),
        ("org.opencontainers.image.title".into(), "web".into()),
    ];
    let mut state = loaded(images);
    typed(&mut state, "storage");
    let screen = show(&mut state, 160, 50);
    let (x, y) = screen.at("com.example.team = storage");
    assert!(
        matched(&screen, x, y) && matched(&screen, x + 20, y),
        "\n{screen}"
    );
    let (x, y) = screen.at("org.opencontainers.image.title = web");
    assert!(!matched(&screen, x, y), "\n{screen}");

    // Not filtering: nothing is marked.
    act(&mut state, Action::Back);
    act(&mut state, Action::Back);
    let screen = show(&mut state, 160, 50);
    let (x, y) = screen.at("com.example.team = storage");
    assert!(!matched(&screen, x, y), "\n{screen}");
}

/// At 80 columns the disk usage does not fit beside the counts: it is left out whole, and
/// the help hint stays.
#[test]
fn the_disk_usage_is_shown_whole_or_not_at_all() {
    use imgtui::core::disk::DfReport;
    let mut state = loaded(sample());
    state.update(Message::Engine(EngineEvent::DiskUsage(Ok(DfReport {
        layers_size: 200_000_000,
        images: Vec::new(),
    }))));
    let screen = show(&mut state, 80, 24);
    let status = screen.line(23);
    assert!(!status.contains("disk"), "{status}");
    assert!(status.contains("  ? help"), "{status}");
    let screen = show(&mut state, 160, 24);
    assert!(
        screen
            .line(23)
            .contains("disk 200 MB, 200 MB reclaimable (100%)  ? help")
    );
}

/// With the mouse off (`--no-mouse`, or the config) the help does not promise what it does.
#[test]
fn the_help_mentions_the_mouse_only_when_it_is_on() {
    let mut state = loaded(sample());
    act(&mut state, Action::ToggleHelp);
    let screen = show(&mut state, 120, 60);
    assert!(screen.contains("click a header sorts"), "\n{screen}");
    state.mouse = false;
    let screen = show(&mut state, 120, 60);
    assert!(!screen.contains("click a header sorts"), "\n{screen}");
    assert!(screen.contains("closes this help"), "\n{screen}");
}

// ----- the engine facts line -----

fn facts(state: &AppState, w: u16, h: u16) -> String {
    draw(state, w, h).0.line(0).trim_end().to_string()
}

#[test]
fn facts_line_before_the_first_connection_shows_the_host() {
    let state = AppState::new(Sort::default(), HOST);
    assert_eq!(
        facts(&state, 120, 30),
        " connecting to unix:///var/run/docker.sock"
    );
    let mut state = AppState::new(Sort::default(), HOST);
    state.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Unreachable {
            host: HOST.to_string(),
            error: "connection refused".to_string(),
            attempt: 1,
            retry_in_secs: 1,
        },
    )));
    assert_eq!(
        facts(&state, 120, 30),
        " not connected · unix:///var/run/docker.sock"
    );
}

#[test]
fn facts_line_names_product_version_storage_api_platform_and_host() {
    let mut state = loaded(sample());
    let screen = show(&mut state, 160, 30);
    assert_eq!(
        screen.line(0).trim_end(),
        " Docker 28.5.2 · containerd store (overlayfs) · API 1.51 · linux/amd64 · unix:///var/run/docker.sock"
    );
    // The product and version are bold, the separators dim.
    assert!(screen.cell(1, 0).modifier.contains(Modifier::BOLD));
    let (sep, _) = screen.at(" · containerd");
    assert!(!screen.cell(sep + 1, 0).modifier.contains(Modifier::BOLD));

    let mut podman = loaded(sample());
    podman.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Connected(EngineInfo {
            host: "unix:///run/podman/podman.sock".into(),
            product: "Podman".into(),
            version: "4.3.1".into(),
            api_version: "1.41".into(),
            os: "linux".into(),
            arch: "amd64".into(),
            storage: "overlay".into(),
        }),
    )));
    assert_eq!(
        facts(&podman, 160, 30),
        " Podman 4.3.1 · overlay · API 1.41 · linux/amd64 · unix:///run/podman/podman.sock"
    );
    // Unknown storage (GET /info failed) is left out, not shown empty.
    let mut unknown = loaded(sample());
    unknown.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Connected(EngineInfo {
            storage: String::new(),
            ..info()
        }),
    )));
    assert_eq!(
        facts(&unknown, 160, 30),
        " Docker 28.5.2 · API 1.51 · linux/amd64 · unix:///var/run/docker.sock"
    );
}

#[test]
fn facts_line_drops_the_least_important_parts_whole() {
    let state = loaded(sample());
    let full = " Docker 28.5.2 · containerd store (overlayfs) · API 1.51 · linux/amd64 · unix:///var/run/docker.sock";
    // Each shorter form: without the host, then the platform, then the API; the storage
    // goes last. Each shows exactly at its own width, and one column less shows the next.
    let forms = [
        full,
        " Docker 28.5.2 · containerd store (overlayfs) · API 1.51 · linux/amd64",
        " Docker 28.5.2 · containerd store (overlayfs) · API 1.51",
        " Docker 28.5.2 · containerd store (overlayfs)",
        " Docker 28.5.2",
    ];
    for pair in forms.windows(2) {
        let w = pair[0].width() as u16;
        assert_eq!(facts(&state, w, 30), pair[0], "{w} columns");
        assert_eq!(facts(&state, w - 1, 30), pair[1], "{} columns", w - 1);
    }
    // Every width: a prefix of the full line made of whole parts.
    for w in 20..=120u16 {
        let line = facts(&state, w, 30);
        let shown = line.width();
        assert!(shown <= usize::from(w), "{w}: {line}");
        if line.contains(" · ") {
            assert!(full.starts_with(&line), "{w}: {line}");
            let next = &full[line.len()..];
            assert!(next.is_empty() || next.starts_with(" · "), "{w}: {line}");
        }
    }
    // Narrower than the product and version: those are cut, with an ellipsis.
    let mut long = loaded(sample());
    long.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Connected(EngineInfo {
            version: "28.5.2+dfsg4-a-very-long-distribution-suffix".into(),
            ..info()
        }),
    )));
    let line = facts(&long, 30, 30);
    assert!(line.starts_with(" Docker 28.5.2+dfsg4-a-"), "{line}");
    assert!(line.ends_with('…'), "{line}");
    assert_eq!(line.width(), 30);
}

#[test]
fn facts_line_is_left_out_on_short_terminals() {
    let state = loaded(sample());
    for h in 5..8 {
        let (screen, _) = draw(&state, 100, h);
        assert!(
            screen.line(0).starts_with("┌ Images"),
            "{h} rows: the list keeps the top row\n{screen}"
        );
    }
    let (screen, _) = draw(&state, 100, 8);
    assert!(screen.line(0).starts_with(" Docker 28.5.2"), "\n{screen}");
    assert!(screen.line(1).starts_with("┌ Images"), "\n{screen}");
}
