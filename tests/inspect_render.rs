//! Rendered-buffer tests of the inspect view (Enter): the Config and History tabs, loading
//! and error states, hostile and wide strings, and tiny terminals, drawn on `TestBackend`.

use imgtui::core::action::{Action, Command, EngineEvent, EngineInfo, EngineStatus, Message};
use imgtui::core::image::{Image, ImageId};
use imgtui::core::inspect::{GONE, HistoryRow, ImageConfig, InspectData, InspectTab};
use imgtui::core::keymap::KeyMap;
use imgtui::core::sort::Sort;
use imgtui::core::state::AppState;
use imgtui::ui::{self, View};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use unicode_width::UnicodeWidthStr;

/// 2025-06-15 15:06:40 UTC.
const NOW: i64 = 1_750_000_000;
const DAY: i64 = 86_400;
const ID: &str = "sha256:1d53ef1050450123456789abcdef0123456789abcdef0123456789abcdef";

struct Screen {
    buffer: Buffer,
    lines: Vec<String>,
    /// Per row: the column of each char of `lines` (wide chars count once).
    columns: Vec<Vec<u16>>,
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
                for _ in symbol.chars() {
                    cols.push(x);
                }
                line.push_str(symbol);
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

    fn contains(&self, text: &str) -> bool {
        self.lines.iter().any(|l| l.contains(text))
    }

    /// (column, row) where `text` starts.
    fn at(&self, text: &str) -> (u16, u16) {
        for (y, line) in self.lines.iter().enumerate() {
            if let Some(byte) = line.find(text) {
                let chars = line[..byte].chars().count();
                return (self.columns[y][chars], y as u16);
            }
        }
        panic!("{text:?} not on screen:\n{self}");
    }
}

impl std::fmt::Display for Screen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (y, line) in self.lines.iter().enumerate() {
            writeln!(f, "{y:3}|{line}|")?;
        }
        Ok(())
    }
}

fn show(state: &mut AppState, width: u16, height: u16) -> Screen {
    let keymap = KeyMap::default();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    // Twice, like the app: the second frame uses the sizes the first reported.
    for _ in 0..2 {
        let view = View {
            now: NOW,
            tick: 0,
            keymap: &keymap,
            theme: &Default::default(),
            date_format: &Default::default(),
        };
        let viewport = ui::draw(&mut terminal, state, &view).unwrap();
        state.update(Message::Viewport(viewport));
    }
    let screen = Screen::new(terminal.backend().buffer().clone());
    for cell in screen.buffer.content() {
        assert!(
            !cell.symbol().chars().any(char::is_control),
            "raw control character on screen:\n{screen}"
        );
    }
    screen
}

fn image() -> Image {
    Image {
        id: ImageId::new(ID),
        repo_tags: vec!["nginx:1.25".into()],
        created: Some(NOW - 3 * DAY),
        size: 187_000_000,
        ..Image::default()
    }
}

fn data() -> InspectData {
    InspectData {
        config: ImageConfig {
            entrypoint: vec!["/docker-entrypoint.sh".into()],
            cmd: vec!["nginx".into(), "-g".into(), "daemon off;".into()],
            env: vec![
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
                "NGINX_VERSION=1.25.3".into(),
                "EVIL=\u{1b}]0;pwned\u{7}\u{1b}[2J".into(),
            ],
            working_dir: "/srv".into(),
            user: "nginx".into(),
            exposed_ports: vec!["443/tcp".into(), "80/tcp".into()],
            volumes: vec!["/var/cache/nginx".into()],
            labels: 3,
            architecture: "arm64".into(),
            os: "linux".into(),
            variant: "v8".into(),
            author: "NGINX Docker Maintainers".into(),
            created: Some(NOW - 3 * DAY),
            docker_version: "20.10.24".into(),
            layers: (1..=3).map(|i| format!("sha256:{i:064x}")).collect(),
        },
        history: vec![
            HistoryRow {
                id: String::new(),
                created: Some(NOW - 3 * DAY),
                created_by: "/bin/sh -c #(nop)  CMD [\"nginx\" \"-g\" \"daemon off;\"]".into(),
                size: 0,
                comment: String::new(),
            },
            HistoryRow {
                id: String::new(),
                created: Some(NOW - 3 * DAY),
                created_by: "/bin/sh -c set -x && addgroup --system --gid 101 nginx && adduser \
                             --system --disabled-login --ingroup nginx --no-create-home nginx \
                             && apt-get update && apt-get install --no-install-recommends -y \
                             gnupg1 ca-certificates && rm -rf /var/lib/apt/lists/*"
                    .into(),
                size: 61_200_000,
                comment: "buildkit.dockerfile.v0".into(),
            },
            HistoryRow {
                id: String::new(),
                created: Some(NOW - 30 * DAY),
                created_by: "echo 漢字テスト🐳漢字テスト🐳漢字テスト🐳漢字テスト🐳 \
                             \u{1b}[31mred\u{202e}dcba"
                    .into(),
                size: 1_500,
                comment: "\u{1b}[2Jcomment".into(),
            },
            HistoryRow {
                id: "sha256:base".into(),
                created: Some(NOW - 400 * DAY),
                created_by: "/bin/sh -c #(nop) ADD file:abc in / ".into(),
                size: 74_800_000,
                comment: String::new(),
            },
        ],
    }
}

fn loaded() -> AppState {
    let mut state = AppState::new(Sort::default(), "unix:///var/run/docker.sock");
    state.update(Message::Clock(NOW));
    state.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Connected(EngineInfo::default()),
    )));
    state.update(Message::Engine(EngineEvent::Listed {
        generation: 0,
        images: vec![image()],
    }));
    state
}

/// The view open on the sample image, with its details arrived.
fn inspected(tab: InspectTab) -> AppState {
    let mut state = loaded();
    let commands = state.update(Message::Action(Action::Inspect));
    assert_eq!(commands, [Command::Inspect(ImageId::new(ID))]);
    state.update(Message::Engine(EngineEvent::Inspected {
        id: ImageId::new(ID),
        result: Ok(Box::new(data())),
    }));
    state.update(Message::Action(Action::ShowTab(tab)));
    state
}

#[test]
fn config_tab_shows_every_field() {
    let mut state = inspected(InspectTab::Config);
    let screen = show(&mut state, 120, 40);
    assert!(screen.contains("Inspect · nginx:1.25"), "\n{screen}");
    // The active tab is highlighted, the other not.
    let (x, y) = screen.at("1 Config");
    assert!(
        screen.buffer[(x, y)].modifier.contains(Modifier::REVERSED),
        "\n{screen}"
    );
    let (x, y) = screen.at("2 History");
    assert!(!screen.buffer[(x, y)].modifier.contains(Modifier::REVERSED));
    for text in [
        r#"Entrypoint    ["/docker-entrypoint.sh"]"#,
        r#"Cmd           ["nginx", "-g", "daemon off;"]"#,
        "WorkingDir    /srv",
        "User          nginx",
        "Env           PATH=/usr/local/sbin",
        "NGINX_VERSION=1.25.3",
        "EVIL=\\x1b]0;pwned\\x07\\x1b[2J",
        "ExposedPorts  443/tcp",
        "Volumes       /var/cache/nginx",
        "Labels        3",
        "Platform      linux/arm64/v8",
        "Author        NGINX Docker Maintainers",
        "Created       2025-06-12",
        "(3 days ago)",
        "Docker        20.10.24",
        "Layers (3)    sha256:0000",
    ] {
        assert!(screen.contains(text), "{text:?}:\n{screen}");
    }
    // Multi-valued fields: one value per line, aligned under the first.
    let (env_x, env_y) = screen.at("PATH=");
    let (x, y) = screen.at("NGINX_VERSION=");
    assert_eq!((x, y), (env_x, env_y + 1), "\n{screen}");
    let (x, y) = screen.at("80/tcp");
    assert_eq!(x, screen.at("443/tcp").0);
    assert_eq!(y, screen.at("443/tcp").1 + 1);
    // Three layer digests, one per line.
    assert_eq!(
        screen
            .lines
            .iter()
            .filter(|l| l.contains("sha256:00000000"))
            .count(),
        3,
        "\n{screen}"
    );
    assert!(screen.contains("Esc back"));
}

#[test]
fn history_tab_wraps_long_commands_in_their_column() {
    let mut state = inspected(InspectTab::History);
    let screen = show(&mut state, 120, 40);
    let (x, y) = screen.at("2 History");
    assert!(screen.buffer[(x, y)].modifier.contains(Modifier::REVERSED));
    let (created_x, header_y) = screen.at("CREATED ");
    let (by_x, by_y) = screen.at("CREATED BY");
    let (size_x, size_y) = screen.at("SIZE");
    assert_eq!((header_y, by_y, size_y), (header_y, header_y, header_y));
    assert!(screen.contains("COMMENT"), "\n{screen}");

    // The long RUN line wraps under CREATED BY; its size stays on its first line.
    let (run_x, run_y) = screen.at("/bin/sh -c set -x");
    assert_eq!(run_x, by_x, "\n{screen}");
    let first = &screen.lines[usize::from(run_y)];
    assert!(first.contains("61.2 MB"), "\n{screen}");
    let (x, _) = screen.at("61.2 MB");
    // Sizes are right-aligned in the SIZE column.
    assert_eq!(x + 7, size_x + 4, "\n{screen}");
    assert!(first.contains("buildkit.dockerfile.v0"));
    let (x, y) = screen.at("--no-install-recommends");
    assert!(y > run_y, "wrapped onto a following line:\n{screen}");
    assert_eq!(x, by_x, "continuations stay in the column:\n{screen}");
    assert!(screen.contains("3 days ago"));
    assert_eq!(screen.at("3 days ago").0, created_x);
    assert!(screen.contains("1 year ago"), "\n{screen}");

    // CJK and hostile text: escaped, and the size column stays where it is.
    let (_, cjk_y) = screen.at("echo 漢字");
    let (x, y) = screen.at("1.5 kB");
    assert_eq!(y, cjk_y, "\n{screen}");
    assert_eq!(x + 6, size_x + 4, "\n{screen}");
    assert!(screen.contains("\\x1b[31mred\\u{202e}dcba"), "\n{screen}");
    assert!(screen.contains("\\x1b[2Jcomment"), "\n{screen}");
    // Every row of the CJK command ends before the SIZE column.
    for y in cjk_y..cjk_y + 3 {
        let line = &screen.lines[usize::from(y)];
        let cols = &screen.columns[usize::from(y)];
        for (i, c) in line.chars().enumerate() {
            if "漢字テスト🐳".contains(c) {
                assert!(cols[i] + 2 <= size_x, "row {y}:\n{screen}");
            }
        }
    }
    // The layer's base ADD is there, the engine's id is not shown.
    assert!(screen.contains("ADD file:abc in /"));
    assert!(!screen.contains("<missing>"));
}

#[test]
fn history_at_80_columns_keeps_columns_and_scrolls() {
    let mut state = inspected(InspectTab::History);
    let screen = show(&mut state, 80, 24);
    let (by_x, _) = screen.at("CREATED BY");
    let (run_x, run_y) = screen.at("/bin/sh -c set -x");
    assert_eq!(run_x, by_x, "\n{screen}");
    assert!(screen.lines[usize::from(run_y)].contains("61.2 MB"));
    // Scroll to the end: the last row shows, the header stays.
    state.update(Message::Action(Action::Bottom));
    let screen = show(&mut state, 80, 24);
    assert!(screen.contains("CREATED BY"), "\n{screen}");
    assert!(screen.contains("ADD file:abc"), "\n{screen}");
    // j/k scroll by one, clamped at the top.
    for _ in 0..100 {
        state.update(Message::Action(Action::Up));
    }
    assert_eq!(state.inspect.view().unwrap().scroll, 0);
    let screen = show(&mut state, 80, 24);
    assert!(screen.contains("CMD [\"nginx\""), "\n{screen}");
}

#[test]
fn narrow_history_is_stacked() {
    let mut state = inspected(InspectTab::History);
    let screen = show(&mut state, 40, 30);
    assert!(!screen.contains("CREATED BY"), "\n{screen}");
    assert!(screen.contains("3 days ago · 61.2 MB"), "\n{screen}");
    for line in &screen.lines {
        assert!(line.width() <= 40);
    }
}

#[test]
fn tabs_switch_with_keys_and_esc_returns_to_the_list() {
    let mut state = inspected(InspectTab::Config);
    state.update(Message::Action(Action::ToggleFocus));
    let screen = show(&mut state, 100, 30);
    assert!(screen.contains("CREATED BY"), "Tab: History\n{screen}");
    state.update(Message::Action(Action::NextTab));
    let screen = show(&mut state, 100, 30);
    assert!(screen.contains("WorkingDir"), "→: Config\n{screen}");
    state.update(Message::Action(Action::Back));
    let screen = show(&mut state, 100, 30);
    assert!(!screen.contains("Inspect ·"), "\n{screen}");
    assert!(screen.contains("REPOSITORY"), "\n{screen}");
    // Back again: shown from the cache at once.
    assert!(state.update(Message::Action(Action::Inspect)).is_empty());
    let screen = show(&mut state, 100, 30);
    assert!(screen.contains("Cmd "), "\n{screen}");
}

#[test]
fn loading_and_error_states() {
    let mut state = loaded();
    state.update(Message::Action(Action::Inspect));
    let screen = show(&mut state, 80, 24);
    assert!(screen.contains("Inspect · nginx:1.25"), "\n{screen}");
    assert!(screen.contains("Loading…"), "\n{screen}");
    assert!(state.inspect.is_loading());

    state.update(Message::Engine(EngineEvent::Inspected {
        id: ImageId::new(ID),
        result: Err(GONE.into()),
    }));
    let screen = show(&mut state, 80, 24);
    assert!(
        screen.contains("Cannot inspect this image: image no longer exists"),
        "\n{screen}"
    );
    assert!(screen.contains("Ctrl-R tries again"));

    // A hostile error text is escaped.
    state.update(Message::Engine(EngineEvent::Inspected {
        id: ImageId::new(ID),
        result: Err("boom \u{1b}[2J".into()),
    }));
    let screen = show(&mut state, 80, 24);
    assert!(screen.contains("boom \\x1b[2J"), "\n{screen}");

    // The removal of the open image says so.
    state.update(Message::Engine(EngineEvent::Inspected {
        id: ImageId::new(ID),
        result: Ok(Box::new(data())),
    }));
    state.update(Message::Engine(EngineEvent::ImageGone {
        generation: 0,
        id: ImageId::new(ID),
    }));
    let screen = show(&mut state, 80, 24);
    assert!(screen.contains("image no longer exists"), "\n{screen}");
}

#[test]
fn tiny_terminals_do_not_panic() {
    for tab in InspectTab::ALL {
        let mut state = inspected(tab);
        for (w, h) in [
            (1, 1),
            (10, 3),
            (20, 5),
            (21, 6),
            (30, 4),
            (44, 8),
            (300, 3),
        ] {
            let _ = show(&mut state, w, h);
            for action in [Action::Bottom, Action::PageDown, Action::Down, Action::Up] {
                state.update(Message::Action(action));
                let _ = show(&mut state, w, h);
            }
        }
    }
    let mut state = loaded();
    state.update(Message::Action(Action::Inspect));
    let _ = show(&mut state, 20, 5);
}

#[test]
fn the_help_overlay_lists_the_inspect_keys() {
    let mut state = loaded();
    state.update(Message::Action(Action::ToggleHelp));
    let screen = show(&mut state, 120, 50);
    assert!(screen.contains("inspect the image"), "\n{screen}");
    assert!(screen.contains("←"), "\n{screen}");
}

#[test]
fn wide_terminals_give_comments_the_room_past_a_hundred_columns_of_command() {
    let mut state = inspected(InspectTab::History);
    let screen = show(&mut state, 200, 50);
    let (by_x, y) = screen.at("CREATED BY");
    let (size_x, _) = screen.at("SIZE");
    let (comment_x, _) = screen.at("COMMENT");
    assert_eq!(size_x + 4 - by_x, 100 + 2 + 9, "\n{screen}");
    assert_eq!(comment_x, size_x + 4 + 2);
    assert!(screen.lines[usize::from(y) + 2].contains("buildkit.dockerfile.v0"));
}

#[test]
fn ctrl_r_fetches_the_open_image_again_and_removal_forgets_it() {
    let mut state = inspected(InspectTab::History);
    let commands = state.update(Message::Action(Action::Refresh));
    assert_eq!(
        commands,
        [
            Command::Refresh { generation: 1 },
            Command::Inspect(ImageId::new(ID))
        ]
    );
    let screen = show(&mut state, 80, 24);
    assert!(screen.contains("Loading…"), "\n{screen}");
    // Closed, then the image is removed: its entry goes, so Enter asks again.
    state.update(Message::Engine(EngineEvent::Inspected {
        id: ImageId::new(ID),
        result: Ok(Box::new(data())),
    }));
    state.update(Message::Action(Action::Back));
    state.update(Message::Engine(EngineEvent::ImageChanged {
        generation: 1,
        image: Box::new(image()),
    }));
    assert!(state.update(Message::Action(Action::Inspect)).is_empty());
    state.update(Message::Action(Action::Back));
    state.update(Message::Engine(EngineEvent::ImageGone {
        generation: 1,
        id: ImageId::new(ID),
    }));
    assert!(state.inspect.get(&ImageId::new(ID)).is_none());
    // Keys the view does not use are not passed on to the list while it is open.
    let mut state = inspected(InspectTab::Config);
    assert!(state.update(Message::Action(Action::Delete)).is_empty());
    assert!(state.dialog.is_none());
}
