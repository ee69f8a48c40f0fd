//! Drawing. Every function here reads the state and draws; none changes anything. `render`
//! returns the pane sizes it used, which the loop feeds back to the core for paging.

mod detail;
mod dialog;
mod filter;
mod header;
mod help;
mod inspect;
pub mod layout;
mod list;
pub mod mouse;
mod picker;
mod status;
pub mod text;
pub mod theme;

use ratatui::backend::Backend;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::{Frame, Terminal};

use crate::core::action::{Action, Viewport};
use crate::core::format::DateFormat;
use crate::core::keymap::KeyMap;
use crate::core::sanitize::sanitize;
use crate::core::state::{AppState, EngineStatus, Focus};

/// What a frame needs besides the state: the clock and the key map.
pub struct View<'a> {
    /// Seconds since the epoch, for "3 days ago".
    pub now: i64,
    /// Advances while something is in flight; drives the spinner.
    pub tick: u64,
    pub keymap: &'a KeyMap,
    /// Colours and styles (from the config file; without colours under `NO_COLOR`).
    pub theme: &'a theme::Theme,
    /// How dates are written (config `general.date_format`; relative by default).
    pub date_format: &'a DateFormat,
}

thread_local! {
    /// The frame's date format, installed by `render` like the theme.
    static DATE_FORMAT: std::cell::RefCell<DateFormat> = std::cell::RefCell::default();
}

/// When an image (or layer) was created, as the config says: "3 days ago" by default.
fn created(at: Option<i64>, now: i64) -> String {
    DATE_FORMAT.with(|f| f.borrow().format(at, now))
}

/// The exact time: the config's pattern, else `2024-05-10 12:34:56 UTC`.
fn absolute(at: Option<i64>) -> String {
    DATE_FORMAT.with(|f| match &*f.borrow() {
        DateFormat::Pattern(_) => f.borrow().format(at, 0),
        DateFormat::Relative => crate::core::format::absolute_time(at),
    })
}

/// Below this nothing useful fits.
pub const MIN_WIDTH: u16 = 20;
pub const MIN_HEIGHT: u16 = 5;
/// From this width on, the detail pane sits beside the list instead of below it.
const SIDE_BY_SIDE_WIDTH: u16 = 120;
/// Below this height the detail pane is left out.
const DETAIL_MIN_HEIGHT: u16 = 16;

/// Draws `state` as one frame on `terminal`: the viewport the layout found, which the state
/// should be told of when it differs from its own.
pub fn draw<B: Backend>(
    terminal: &mut Terminal<B>,
    state: &AppState,
    view: &View,
) -> Result<Viewport, B::Error> {
    let mut viewport = state.viewport;
    terminal.draw(|frame| viewport = render(frame, state, view))?;
    Ok(viewport)
}

pub fn render(frame: &mut Frame, state: &AppState, view: &View) -> Viewport {
    theme::install(view.theme);
    DATE_FORMAT.with(|f| f.borrow_mut().clone_from(view.date_format));
    let area = frame.area();
    let Some(panes) = layout::panes(area, state) else {
        too_small(frame, area);
        return Viewport {
            list_rows: 1,
            ..state.viewport
        };
    };
    let problem = status::message(state);
    let filter_bar = filter::line(state, area.width);
    let (list_area, detail_area) = (panes.list, panes.detail);

    let list_block = pane_block(list_title(state, view.now), state.focus == Focus::List);
    // The layout gives the list a header exactly when it has rows to show.
    let list_rows = if panes.header.is_some() {
        list::draw(frame, list_area, state, view, list_block)
    } else {
        placeholder(frame, list_area, state, view, list_block);
        usize::from(list_area.height.saturating_sub(3))
    };

    let (detail_rows, detail_lines) = match detail_area {
        Some(d) => {
            let block = pane_block(Line::raw(" Detail "), state.focus == Focus::Detail);
            detail::draw(frame, d, state, view, block)
        }
        None => (0, 0),
    };
    // Over the list and detail panes, which stay drawn (and sized) beneath.
    let (inspect_rows, inspect_lines) = inspect::draw(frame, panes.main, state, view);

    if let Some(facts) = panes.facts {
        frame.render_widget(Paragraph::new(header::line(state, facts.width)), facts);
    }
    if let (Some(line), Some(filter_area)) = (filter_bar, panes.filter_bar) {
        frame.render_widget(Paragraph::new(line), filter_area);
    }
    if let (Some(line), Some(problem_area)) = (problem, panes.problem) {
        frame.render_widget(Paragraph::new(line), problem_area);
    }
    status::draw(frame, panes.status, state, view);

    if let Some(open) = &state.dialog {
        dialog::draw(frame, area, state, open, view.now);
    }
    if let (None, Some(open)) = (&state.dialog, &state.picker) {
        picker::draw(frame, area, open);
    }
    let (help_rows, help_lines) = if state.dialog.is_none() && state.help_open {
        help::draw(frame, area, view, state.help_scroll, state.mouse)
    } else {
        (0, 0)
    };
    Viewport {
        help_rows,
        help_lines,
        list_rows: list_rows.max(1),
        detail_rows,
        detail_lines,
        inspect_rows,
        inspect_lines,
    }
}

fn pane_block(title: Line<'static>, focused: bool) -> Block<'static> {
    let style = if focused {
        theme::focused_border()
    } else {
        theme::border()
    };
    Block::bordered().title(title).border_style(style)
}

fn list_title(state: &AppState, now: i64) -> Line<'static> {
    let sort = state.sort();
    let direction = if sort.descending() { "▼" } else { "▲" };
    let count = if state.is_filtered() {
        format!(" {} of {}", state.len(), state.totals().count)
    } else {
        String::new()
    };
    let mut spans = vec![Span::raw(format!(
        " Images{count} · by {} {direction} ",
        sort.key.name()
    ))];
    if let Some(saved_at) = state.listing.cached_at {
        // Only say we are loading while there is an engine to load from.
        let doing = match state.engine {
            EngineStatus::Unreachable { .. } => "engine unreachable",
            _ => "loading the engine's list",
        };
        spans.push(Span::styled(
            format!(
                "STALE: saved {}, {doing} ",
                crate::core::format::relative_time(Some(saved_at), now)
            ),
            theme::warning(),
        ));
    } else if state.is_stale() {
        spans.push(Span::styled(
            "STALE: engine disconnected ",
            theme::warning(),
        ));
    }
    Line::from(spans)
}

/// What the list pane shows before there is a list, or when it is empty.
fn placeholder(frame: &mut Frame, area: Rect, state: &AppState, view: &View, block: Block) {
    let spin = status::spinner(view.tick);
    let lines: Vec<Line> = match (&state.engine, state.listing.loaded) {
        (_, true) if state.totals().count > 0 => vec![
            Line::raw("No image matches the filter."),
            Line::styled("Esc clears it · / edits it", theme::dim()),
        ],
        (_, true) => vec![
            Line::raw("No images."),
            Line::styled("Build or load one and it appears here.", theme::dim()),
        ],
        (
            EngineStatus::Unreachable {
                host,
                error,
                retry_in_secs,
                attempt,
            },
            false,
        ) => vec![
            Line::styled(
                format!("Cannot reach the engine at {}", sanitize(host)),
                theme::error(),
            ),
            Line::raw(""),
            Line::raw(sanitize(error).into_owned()),
            Line::raw(""),
            Line::styled(
                // The keys as configured.
                [
                    Some(format!("Retrying in {retry_in_secs} s (attempt {attempt})")),
                    view.keymap
                        .key_for(Action::Refresh)
                        .map(|k| format!("{k} retries now")),
                    view.keymap
                        .key_for(Action::Quit)
                        .map(|k| format!("{k} quits")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
                theme::dim(),
            ),
        ],
        (EngineStatus::Connecting { host, .. }, false) => {
            vec![Line::raw(format!(
                "{spin} Connecting to {}…",
                sanitize(host)
            ))]
        }
        (EngineStatus::Connected(_), false) => vec![
            Line::raw(format!("{spin} Loading images…")),
            Line::styled("Large image stores can take a while.", theme::dim()),
        ],
    };
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let top = inner.height.saturating_sub(lines.len() as u16) / 2;
    let [_, text_area] =
        Layout::vertical([Constraint::Length(top), Constraint::Fill(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        text_area,
    );
}

/// A `width` x `height` rectangle in the middle of `area` (clipped to it), for overlays.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [column] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(column);
    popup
}

fn too_small(frame: &mut Frame, area: Rect) {
    frame.render_widget(
        Paragraph::new("terminal too small")
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        area,
    );
}
