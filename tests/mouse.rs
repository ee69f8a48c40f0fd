//! The mouse end to end without a terminal: a state drawn on ratatui's `TestBackend`, the
//! layout of that frame, crossterm mouse events at the cells where the drawn text is, through
//! the mapper (`ui::mouse`) and the core. Clicks land on what is drawn under them, with a
//! filter bar, a scrolled list, a narrow or a stacked layout.

use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use imgtui::core::action::{Action, EngineEvent, EngineInfo, EngineStatus, Message};
use imgtui::core::image::{Image, ImageId};
use imgtui::core::keymap::KeyMap;
use imgtui::core::sort::{Sort, SortKey};
use imgtui::core::state::{AppState, Focus};
use imgtui::ui::{self, View, layout, mouse};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;

const NOW: i64 = 1_750_000_000;

/// `n` images `app-NNN:1`, largest first in index order, each with `labels` labels.
fn images(n: usize, labels: usize) -> Vec<Image> {
    (0..n)
        .map(|i| Image {
            id: ImageId::new(format!("sha256:{i:04x}{}", "ab".repeat(30))),
            repo_tags: vec![format!("app-{i:03}:1")],
            size: 1_000_000 - i as u64,
            created: Some(NOW - i as i64 * 3600),
            labels: (0..labels)
                .map(|l| (format!("label.{l:02}"), format!("value {l}")))
                .collect(),
            ..Image::default()
        })
        .collect()
}

fn loaded(images: Vec<Image>) -> AppState {
    let mut state = AppState::new(Sort::default(), "unix:///test.sock");
    state.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Connected(EngineInfo::default()),
    )));
    state.update(Message::Engine(EngineEvent::Listed {
        generation: 0,
        images,
    }));
    state
}

/// A frame as the loop draws it (the pane sizes fed back to the core).
struct Frame {
    buffer: Buffer,
    width: u16,
    height: u16,
}

impl Frame {
    /// The cell where `text` starts, searching rows top down.
    fn find(&self, text: &str) -> Option<(u16, u16)> {
        let needle: Vec<String> = text.chars().map(String::from).collect();
        for y in 0..self.height {
            for x in 0..self.width {
                let fits = needle.iter().enumerate().all(|(i, c)| {
                    let cx = x + i as u16;
                    cx < self.width && self.buffer[(cx, y)].symbol() == c
                });
                if fits {
                    return Some((x, y));
                }
            }
        }
        None
    }

    fn at(&self, text: &str) -> (u16, u16) {
        self.find(text)
            .unwrap_or_else(|| panic!("{text:?} is not on the screen:\n{self}"))
    }

    fn reversed(&self, x: u16, y: u16) -> bool {
        self.buffer[(x, y)].modifier.contains(Modifier::REVERSED)
    }
}

impl std::fmt::Display for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for y in 0..self.height {
            let line: String = (0..self.width)
                .map(|x| self.buffer[(x, y)].symbol())
                .collect();
            writeln!(f, "{y:>3}|{line}|")?;
        }
        Ok(())
    }
}

fn show(state: &mut AppState, width: u16, height: u16) -> Frame {
    let keymap = KeyMap::default();
    let view = View {
        now: NOW,
        tick: 0,
        keymap: &keymap,
        theme: &Default::default(),
        date_format: &Default::default(),
    };
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    for _ in 0..3 {
        let viewport = ui::draw(&mut terminal, state, &view).unwrap();
        if viewport == state.viewport {
            break;
        }
        state.update(Message::Viewport(viewport));
    }
    Frame {
        buffer: terminal.backend().buffer().clone(),
        width,
        height,
    }
}

fn event(kind: MouseEventKind, (column, row): (u16, u16)) -> MouseEvent {
    MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }
}

fn click(at: (u16, u16)) -> MouseEvent {
    event(MouseEventKind::Down(MouseButton::Left), at)
}

/// What the app loop does with a mouse event on a frame of this size (events `handles`
/// refuses never get here); whether it meant anything.
fn feed(state: &mut AppState, frame: &Frame, mouse_event: MouseEvent) -> bool {
    let area = Rect::new(0, 0, frame.width, frame.height);
    let panes = layout::panes(area, state).expect("room for the panes");
    let pointer = mouse::pointer(mouse_event, &panes);
    // The app drops what `handles` refuses before laying out: it must refuse nothing useful.
    assert!(
        mouse::handles(mouse_event.kind) || pointer.is_none(),
        "{mouse_event:?}"
    );
    match pointer {
        Some(pointer) => {
            state.update(Message::Pointer(pointer));
            true
        }
        None => false,
    }
}

fn selected(state: &AppState) -> String {
    state.selected().unwrap().repo_tags[0].clone()
}

#[test]
fn a_click_selects_the_row_drawn_under_it() {
    let mut state = loaded(images(10, 0));
    let frame = show(&mut state, 120, 30);
    let target = frame.at("app-004:1");
    assert!(feed(&mut state, &frame, click((target.0 + 3, target.1))));
    assert_eq!(selected(&state), "app-004:1");
    let frame = show(&mut state, 120, 30);
    assert!(
        frame.reversed(target.0, target.1),
        "drawn selected:\n{frame}"
    );
    // Again on the same row: nothing else happens.
    feed(&mut state, &frame, click(target));
    assert_eq!(selected(&state), "app-004:1");
    // Below the last row, on the border, on the status bar: nothing.
    let last = frame.at("app-009:1");
    for at in [(last.0, last.1 + 1), (last.0, last.1 + 5), (0, 10), (5, 29)] {
        feed(&mut state, &frame, click(at));
        assert_eq!(selected(&state), "app-004:1", "click at {at:?}");
    }
    // Other buttons, releases and moves are not clicks.
    for kind in [
        MouseEventKind::Down(MouseButton::Right),
        MouseEventKind::Up(MouseButton::Left),
        MouseEventKind::Moved,
        MouseEventKind::Drag(MouseButton::Left),
    ] {
        assert!(!feed(&mut state, &frame, event(kind, last)));
        assert!(
            !mouse::handles(kind),
            "{kind:?} is dropped before any layout"
        );
    }
    assert_eq!(selected(&state), "app-004:1");
}

#[test]
fn a_click_on_a_scrolled_list_uses_the_scroll_offset() {
    let mut state = loaded(images(100, 0));
    state.update(Message::Action(Action::Bottom));
    let frame = show(&mut state, 120, 30);
    assert!(state.offset() > 50, "scrolled: {}", state.offset());
    let offset = state.offset();
    let target = frame.at("app-080:1");
    feed(&mut state, &frame, click(target));
    assert_eq!(selected(&state), "app-080:1");
    assert_eq!(state.cursor(), 80);
    assert_eq!(
        state.offset(),
        offset,
        "a click on a shown row does not scroll"
    );
}

#[test]
fn with_a_filter_bar_clicks_still_land_on_their_rows_and_panes() {
    // 100x40: the detail pane sits below the list, so the filter bar moves its top.
    for (width, height) in [(100, 40), (120, 30)] {
        let mut state = loaded(images(100, 30));
        state.set_query("app-0".to_string());
        state.update(Message::Action(Action::Bottom));
        let frame = show(&mut state, width, height);
        assert!(frame.find(" filter: app-0").is_some(), "\n{frame}");
        assert!(state.offset() > 0);
        // The last row drawn in the list (after its border: the detail shows the tag too).
        let last = frame.at("│app-099:1");
        let above = frame.at("│app-097:1");
        let (last, above) = ((last.0 + 1, last.1), (above.0 + 1, above.1));
        feed(&mut state, &frame, click(above));
        assert_eq!(selected(&state), "app-097:1", "{width}x{height}");
        feed(&mut state, &frame, click(last));
        assert_eq!(selected(&state), "app-099:1", "{width}x{height}");
        // The filter bar itself is not a row.
        let bar = frame.at(" filter: app-0");
        assert!(!feed(&mut state, &frame, click(bar)), "{width}x{height}");
        // The detail pane's first line focuses it, and its wheel scrolls it.
        let (x, y) = frame.at("sha256:");
        assert!(feed(&mut state, &frame, click((x, y))));
        assert_eq!(state.focus, Focus::Detail, "{width}x{height}");
        feed(
            &mut state,
            &frame,
            event(MouseEventKind::ScrollDown, (x, y)),
        );
        assert_eq!(state.detail_scroll, 3, "{width}x{height}");
        assert_eq!(selected(&state), "app-099:1");
        // Back in the list.
        feed(&mut state, &frame, click(above));
        assert_eq!(state.focus, Focus::List);
        assert_eq!(selected(&state), "app-097:1");
    }
}

#[test]
fn the_wheel_over_the_list_moves_the_selection_three_rows() {
    let mut state = loaded(images(50, 0));
    let frame = show(&mut state, 120, 30);
    let row = frame.at("app-002:1");
    let down = event(MouseEventKind::ScrollDown, row);
    feed(&mut state, &frame, down);
    assert_eq!(state.cursor(), 3);
    for _ in 0..30 {
        feed(&mut state, &frame, down);
    }
    assert_eq!(state.cursor(), 49, "clamped at the last row");
    let frame = show(&mut state, 120, 30);
    assert!(
        frame.find("app-049:1").is_some(),
        "kept on screen:\n{frame}"
    );
    feed(&mut state, &frame, event(MouseEventKind::ScrollUp, row));
    assert_eq!(state.cursor(), 46);
    // Over the status bar: nothing.
    assert!(!feed(
        &mut state,
        &frame,
        event(MouseEventKind::ScrollUp, (3, 29))
    ));
    assert_eq!(state.cursor(), 46);
}

#[test]
fn a_header_click_sorts_by_that_column_and_again_reverses() {
    // Wide: every column; narrow (the list alone is 60 wide): some dropped.
    for (width, height) in [(120, 30), (60, 30)] {
        let mut state = loaded(images(5, 0));
        let frame = show(&mut state, width, height);
        let size = frame.at("SIZE ▼");
        let name = frame.at("REPOSITORY:TAG");
        feed(&mut state, &frame, click((name.0 + 5, name.1)));
        assert_eq!(state.sort().key, SortKey::Name, "{width}x{height}");
        let first = state.sort();
        let frame = show(&mut state, width, height);
        feed(&mut state, &frame, click(name));
        assert_eq!(state.sort().key, SortKey::Name);
        assert_ne!(state.sort().reversed, first.reversed, "again reverses");
        // The same as the key does twice.
        let mut keyed = loaded(images(5, 0));
        keyed.update(Message::Action(Action::SortBy(SortKey::Name)));
        keyed.update(Message::Action(Action::SortBy(SortKey::Name)));
        assert_eq!(keyed.sort(), state.sort());
        assert_eq!(selected(&state), "app-000:1", "the selection stays");

        let frame = show(&mut state, width, height);
        feed(&mut state, &frame, click((size.0 + 1, size.1)));
        assert_eq!(state.sort().key, SortKey::Size, "{width}x{height}");
        let frame = show(&mut state, width, height);
        assert!(frame.find("SIZE ▼").is_some(), "\n{frame}");
        for (title, key) in [
            ("CREATED", SortKey::Created),
            ("USED BY", SortKey::Containers),
        ] {
            if let Some(at) = frame.find(title) {
                feed(&mut state, &frame, click(at));
                assert_eq!(state.sort().key, key, "{title} at {width}x{height}");
            }
        }
        // The ID column does not sort.
        if let Some(at) = frame.find("IMAGE ID") {
            let before = state.sort();
            assert!(!feed(&mut state, &frame, click(at)));
            assert_eq!(state.sort(), before);
        }
    }
}

#[test]
fn nothing_behind_the_help_or_a_dialog_reacts() {
    let mut state = loaded(images(20, 0));
    let frame = show(&mut state, 120, 30);
    let row = frame.at("app-003:1");
    let header = frame.at("REPOSITORY:TAG");
    let detail = frame.at("sha256:");
    let everything = [
        click(row),
        click(header),
        click(detail),
        event(MouseEventKind::ScrollDown, row),
        event(MouseEventKind::ScrollDown, detail),
    ];
    state.update(Message::Action(Action::ToggleHelp));
    let frame = show(&mut state, 120, 30);
    for e in everything {
        feed(&mut state, &frame, e);
    }
    assert_eq!(state.cursor(), 0);
    assert_eq!(state.sort(), Sort::default());
    assert_eq!(state.focus, Focus::List);
    assert!(state.help_open);

    state.update(Message::Action(Action::Back));
    state.update(Message::Action(Action::Delete));
    assert!(state.dialog.is_some());
    let frame = show(&mut state, 120, 30);
    for e in everything {
        feed(&mut state, &frame, e);
    }
    assert_eq!(state.cursor(), 0);
    assert_eq!(state.sort(), Sort::default());
    assert_eq!(state.focus, Focus::List);
    assert!(state.dialog.is_some());
}

#[test]
fn the_panes_are_the_ones_drawn() {
    let sizes = [(120, 30), (100, 40), (80, 12), (20, 5)];
    for ((width, height), filtered) in sizes.into_iter().flat_map(|s| [(s, false), (s, true)]) {
        let mut state = loaded(images(30, 0));
        if filtered {
            // The filter bar takes a line above the status bar.
            state.set_query("app".to_string());
        }
        let frame = show(&mut state, width, height);
        let panes = layout::panes(Rect::new(0, 0, width, height), &state).unwrap();
        // The list's corners are where its border is drawn, and its rows are as many as the
        // core pages by.
        assert_eq!(frame.buffer[(panes.list.x, panes.list.y)].symbol(), "┌");
        assert_eq!(
            frame.buffer[(panes.list.right() - 1, panes.list.bottom() - 1)].symbol(),
            "┘",
            "{width}x{height} filtered: {filtered}\n{frame}"
        );
        assert_eq!(
            usize::from(panes.rows.height).max(1),
            state.viewport.list_rows
        );
        if panes.rows.height > 0 {
            let first = frame.at("app-0");
            assert_eq!((first.0, first.1), (panes.rows.x, panes.rows.y));
        }
        if let Some(detail) = panes.detail {
            assert_eq!(frame.buffer[(detail.x, detail.y)].symbol(), "┌");
            let corner = (detail.right() - 1, detail.bottom() - 1);
            assert_eq!(frame.buffer[corner].symbol(), "┘", "{width}x{height}");
        }
        if let Some(bar) = panes.filter_bar {
            assert!(filtered);
            assert_eq!(frame.find(" filter:").map(|at| at.1), Some(bar.y));
        }
        // The engine facts line is the top row where it is drawn; a click or a wheel notch
        // on it means nothing.
        match panes.facts {
            Some(facts) => {
                assert_eq!((facts.y, facts.height), (0, 1));
                assert_ne!(frame.buffer[(0, 0)].symbol(), "┌", "{width}x{height}");
                assert_eq!(panes.list.y, 1, "{width}x{height}");
                for x in [0, width / 2, width - 1] {
                    assert!(!feed(&mut state, &frame, click((x, 0))), "{width}x{height}");
                    let wheel = event(MouseEventKind::ScrollDown, (x, 0));
                    assert!(!feed(&mut state, &frame, wheel), "{width}x{height}");
                }
            }
            None => {
                assert!(height < 8, "{width}x{height}");
                assert_eq!(panes.list.y, 0);
            }
        }
    }
    let state = loaded(images(3, 0));
    assert!(layout::panes(Rect::new(0, 0, 19, 5), &state).is_none());
}
