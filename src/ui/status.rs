//! The status bar: counts, sort, engine, spinner, and what went wrong.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::fit;
use super::{View, theme};
use crate::core::format;
use crate::core::sanitize::sanitize;
use crate::core::state::{AppState, EngineStatus, Level};

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn spinner(tick: u64) -> &'static str {
    SPINNER[(tick % SPINNER.len() as u64) as usize]
}

/// The line with counts (left) and engine (right).
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, view: &View) {
    let totals = state.totals();
    let mut left = vec![
        Span::styled(format!(" {} images", totals.count), theme::header()),
        Span::raw(format!(" · {}", format::size(totals.size))),
    ];
    if totals.dangling > 0 {
        left.push(Span::raw(" · "));
        left.push(Span::styled(
            format!(
                "{} dangling ({})",
                totals.dangling,
                format::size(totals.dangling_size)
            ),
            theme::dangling(),
        ));
    }
    let (marked, marked_bytes) = state.marked();
    if marked > 0 {
        left.push(Span::raw(" · "));
        left.push(Span::styled(
            format!("{marked} marked ({})", format::size(marked_bytes)),
            theme::marked(),
        ));
    }
    // First, so no width ever cuts the safety badge.
    if state.read_only {
        left.insert(0, Span::styled(" READ-ONLY ", theme::read_only()));
    }
    left.push(Span::styled("  ? help", theme::dim()));
    // The least important part: shown whole or not at all, where the engine label keeps its
    // quarter of the line.
    if let Some(disk) = disk_usage(state, view) {
        let used: usize = left.iter().map(Span::width).sum();
        let room = usize::from(area.width - area.width / 4);
        if used + 3 + disk.width() <= room {
            let help = left.len() - 1;
            left.insert(help, disk);
            left.insert(help, Span::raw(" · "));
        }
    }

    let busy = state.listing.in_flight || matches!(state.engine, EngineStatus::Connecting { .. });
    let mut right = Vec::new();
    if let Some(op) = &state.operation {
        let progress = if op.checking {
            "checking, then pruning…".to_string()
        } else {
            format!("{}/{} deleted", op.results.len(), op.targets.len())
        };
        right.push(Span::styled(
            format!("{} {progress}  ", spinner(view.tick)),
            theme::warning(),
        ));
    } else if busy {
        right.push(Span::raw(format!("{} ", spinner(view.tick))));
    }
    // Counts, marks and progress come first; the engine label takes what they leave (at
    // least a quarter of the line), cut with an ellipsis.
    let left = Line::from(left);
    let fixed: usize = right.iter().map(Span::width).sum();
    let room = usize::from(area.width)
        .saturating_sub(left.width() + 1)
        .max(usize::from(area.width / 4));
    let label = engine_label(state) + " ";
    right.push(Span::raw(
        fit(&label, room.saturating_sub(fixed)).into_owned(),
    ));
    let right = Line::from(right).right_aligned();
    let right_width = (right.width() as u16).min(area.width);

    let [left_area, right_area] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(right_width)]).areas(area);
    frame.render_widget(Paragraph::new(left), left_area);
    frame.render_widget(Paragraph::new(right), right_area);
}

/// Whether `message` has a line, without building it (the layout asks every frame).
pub fn has_message(state: &AppState) -> bool {
    matches!(state.engine, EngineStatus::Unreachable { .. })
        || state.last_error.is_some()
        || state.notice.is_some()
}

/// The line above the status bar: what is wrong, else the last notice; `None` when there
/// is nothing to say.
pub fn message(state: &AppState) -> Option<Line<'static>> {
    problem(state).or_else(|| {
        let notice = state.notice.as_ref()?;
        let (mark, style) = match notice.level {
            Level::Info => (" ✓ ", theme::ok()),
            Level::Warning => (" ! ", theme::warning()),
            Level::Error => (" ✗ ", theme::error()),
        };
        Some(Line::from(vec![
            Span::styled(mark, style),
            Span::raw(sanitize(&notice.text).into_owned()),
        ]))
    })
}

/// What is wrong with the engine or the last request; `None` when all is well.
pub fn problem(state: &AppState) -> Option<Line<'static>> {
    let line = match &state.engine {
        EngineStatus::Unreachable {
            error,
            attempt,
            retry_in_secs,
            ..
        } => Line::from(vec![
            Span::styled(" ✗ ", theme::error()),
            Span::styled(sanitize(error).into_owned(), theme::error()),
            Span::raw(format!(
                " — retrying in {retry_in_secs} s (attempt {attempt})"
            )),
        ]),
        _ => {
            let error = state.last_error.as_ref()?;
            Line::from(vec![
                Span::styled(" ✗ ", theme::error()),
                Span::styled(sanitize(error).into_owned(), theme::error()),
            ])
        }
    };
    Some(line)
}

fn engine_label(state: &AppState) -> String {
    // How the engine was found (`context dev`, `rootless Docker`), before its address.
    let source = match state.engine_source.as_str() {
        "" => String::new(),
        source => format!("{} · ", sanitize(source)),
    };
    match &state.engine {
        // The version comes with `GET /version`, after the first list: until then there is
        // none to show.
        EngineStatus::Connected(info) if info.version.is_empty() => format!(
            "{} (API {}) · {source}{}",
            sanitize(&info.product),
            sanitize(&info.api_version),
            sanitize(&info.host)
        ),
        EngineStatus::Connected(info) => format!(
            "{} {} (API {}) · {source}{}",
            sanitize(&info.product),
            sanitize(&info.version),
            sanitize(&info.api_version),
            sanitize(&info.host)
        ),
        EngineStatus::Connecting { host, .. } => {
            format!("connecting to {source}{}", sanitize(host))
        }
        // The error line above may be cut on a narrow screen; the retries show here too.
        EngineStatus::Unreachable {
            host,
            attempt,
            retry_in_secs,
            ..
        } => format!(
            "disconnected · attempt {attempt}, retry in {retry_in_secs} s · {source}{}",
            sanitize(host)
        ),
    }
}

/// `disk 8.4 MB, 3.1 MB reclaimable (37%)`, as `docker system df` counts it (layers shared
/// between images once); a spinner while the engine computes it.
fn disk_usage(state: &AppState, view: &View) -> Option<Span<'static>> {
    let disk = &state.disk;
    match (&disk.usage, disk.loading, &disk.error) {
        (Some(usage), _, _) => Some(Span::raw(format!(
            "disk {}, {} reclaimable ({}%){}",
            format::size(usage.size),
            format::size(usage.reclaimable),
            usage.reclaimable_percent(),
            if disk.loading { " ⟳" } else { "" }
        ))),
        (None, true, _) => Some(Span::raw(format!("disk usage {}", spinner(view.tick)))),
        (None, false, Some(_)) => Some(Span::styled(
            "disk usage unknown (I retries)",
            theme::dangling(),
        )),
        (None, false, None) => None,
    }
}
