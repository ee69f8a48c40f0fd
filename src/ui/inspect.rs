//! The inspect view (Enter): the image's config and its history, in two tabs, over the list
//! and detail panes. Draws from the state only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::text::{fit, safe, wrap, wrap_words};
use super::{View, status, theme};
use crate::core::format;
use crate::core::inspect::{HistoryRow, ImageConfig, InspectData, InspectTab, Loaded};
use crate::core::state::AppState;

const KEY_WIDTH: usize = 14;
const CREATED_WIDTH: usize = 13;
const SIZE_WIDTH: usize = 9;
const GAP: &str = "  ";
/// Below this inner width the history rows are stacked instead of in columns.
const COLUMNS_MIN_WIDTH: usize = 44;

/// Draws the view over `area`; returns (content rows, content lines in all) so the core can
/// bound scrolling. Nothing is drawn when the view is closed.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, view: &View) -> (usize, usize) {
    let Some((open, loaded)) = state.inspect.shown() else {
        return (0, 0);
    };
    let block = Block::bordered()
        .title(Line::raw(format!(" Inspect · {} ", safe(&open.title))))
        .border_style(theme::focused_border());
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return (0, 0);
    }
    let width = usize::from(inner.width);
    let data = match loaded {
        Some(Loaded::Ready(data)) => Some(data.as_ref()),
        _ => None,
    };
    let header = match (open.tab, data) {
        (InspectTab::History, Some(_)) if width >= COLUMNS_MIN_WIDTH => Some(history_header(width)),
        _ => None,
    };
    let [tabs_area, header_area, body_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(header.is_some())),
        Constraint::Fill(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(tabs(open.tab, width)), tabs_area);
    if let Some(header) = header {
        frame.render_widget(Paragraph::new(header), header_area);
    }

    let lines = match loaded {
        Some(Loaded::Ready(data)) => lines(data, open.tab, view.now, width),
        Some(Loaded::Failed(why)) => vec![
            Line::styled(
                format!("Cannot inspect this image: {}", safe(why)),
                theme::error(),
            ),
            Line::styled("Ctrl-R tries again · Esc returns", theme::dim()),
        ],
        Some(Loaded::Loading) | None => vec![Line::raw(format!(
            "{} Loading…",
            status::spinner(view.tick)
        ))],
    };
    let rows = usize::from(body_area.height);
    let total = lines.len();
    // The scroll comes from the last frame's size; when the width changed since, the end
    // may now be nearer.
    let scroll = open.scroll.min(total.saturating_sub(rows));
    let shown: Vec<Line> = lines.into_iter().skip(scroll).take(rows).collect();
    frame.render_widget(Paragraph::new(shown), body_area);
    (rows, total)
}

/// " Config  History " with the active tab highlighted, and the keys when they fit.
fn tabs(active: InspectTab, width: usize) -> Line<'static> {
    let mut spans = Vec::new();
    let mut used = 0;
    for (n, tab) in InspectTab::ALL.into_iter().enumerate() {
        let label = format!(" {} {} ", n + 1, tab.name());
        used += label.width() + 1;
        let style = if tab == active {
            theme::selected().patch(theme::header())
        } else {
            theme::dim()
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    let hint = "Tab/←/→ switch · j/k scroll · Esc back";
    if used + 2 + hint.width() <= width {
        spans.push(Span::styled(format!(" {hint}"), theme::dim()));
    }
    Line::from(spans)
}

/// The content of a tab, `width` columns wide.
pub fn lines(data: &InspectData, tab: InspectTab, now: i64, width: usize) -> Vec<Line<'static>> {
    match tab {
        InspectTab::Config => config_lines(&data.config, now, width),
        InspectTab::History => history_lines(&data.history, now, width),
    }
}

fn config_lines(config: &ImageConfig, now: i64, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let one = |s: &str| vec![s.to_string()];
    field(&mut out, "Entrypoint", &argv(&config.entrypoint), width);
    field(&mut out, "Cmd", &argv(&config.cmd), width);
    field(&mut out, "WorkingDir", &one(&config.working_dir), width);
    field(&mut out, "User", &one(&config.user), width);
    field(&mut out, "Env", &config.env, width);
    field(&mut out, "ExposedPorts", &config.exposed_ports, width);
    field(&mut out, "Volumes", &config.volumes, width);
    field(&mut out, "Labels", &one(&config.labels.to_string()), width);
    let platform: Vec<&str> = [&config.os, &config.architecture, &config.variant]
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(String::as_str)
        .collect();
    field(&mut out, "Platform", &one(&platform.join("/")), width);
    field(&mut out, "Author", &one(&config.author), width);
    let created = match config.created {
        Some(_) => format!(
            "{} ({})",
            super::absolute(config.created),
            format::relative_time(config.created, now)
        ),
        None => String::new(),
    };
    field(&mut out, "Created", &one(&created), width);
    if !config.docker_version.is_empty() {
        field(&mut out, "Docker", &one(&config.docker_version), width);
    }
    let title = format!("Layers ({})", config.layers.len());
    field(&mut out, &title, &config.layers, width);
    out
}

/// `["sh", "-c", "echo hi"]`, as the engine stores it (JSON quoting shows the arguments'
/// bounds and escapes control characters).
fn argv(args: &[String]) -> Vec<String> {
    if args.is_empty() {
        return vec![String::new()];
    }
    let quoted: Vec<String> = args
        .iter()
        .map(|a| serde_json::to_string(a).unwrap_or_default())
        .collect();
    vec![format!("[{}]", quoted.join(", "))]
}

/// `key` and its values, one per line, each wrapped beside the key column; "none" when
/// there is nothing.
fn field(out: &mut Vec<Line<'static>>, key: &str, values: &[String], width: usize) {
    let key_width = KEY_WIDTH.min(width / 3);
    let value_width = width.saturating_sub(key_width).max(1);
    let mut first = true;
    let mut push = |text: Span<'static>, out: &mut Vec<Line<'static>>| {
        let label = if first {
            pad(&fit(key, key_width.saturating_sub(1)), key_width)
        } else {
            " ".repeat(key_width)
        };
        first = false;
        out.push(Line::from(vec![Span::styled(label, theme::header()), text]));
    };
    let values: Vec<&String> = values.iter().filter(|v| !v.is_empty()).collect();
    if values.is_empty() {
        push(Span::styled("none", theme::dim()), out);
        return;
    }
    for value in values {
        for piece in wrap(&safe(value), value_width) {
            push(Span::raw(piece), out);
        }
    }
}

/// The widest the CREATED BY column gets; on wider terminals COMMENT takes the rest.
const CREATED_BY_MAX: usize = 100;

fn comment_width(width: usize) -> usize {
    let fixed = CREATED_WIDTH + SIZE_WIDTH + 3 * GAP.len();
    match width {
        w if w >= 110 => 28.max(w.saturating_sub(fixed + CREATED_BY_MAX)),
        w if w >= 70 => 12,
        _ => 0,
    }
}

/// The width of the CREATED BY column: what the others leave.
fn created_by_width(width: usize) -> usize {
    let comment = comment_width(width);
    let comment = if comment > 0 { comment + GAP.len() } else { 0 };
    width
        .saturating_sub(CREATED_WIDTH + SIZE_WIDTH + 2 * GAP.len() + comment)
        .max(1)
}

fn history_header(width: usize) -> Line<'static> {
    let mut text = format!(
        "{}{GAP}{}{GAP}{:>SIZE_WIDTH$}",
        pad("CREATED", CREATED_WIDTH),
        pad("CREATED BY", created_by_width(width)),
        "SIZE"
    );
    if comment_width(width) > 0 {
        text.push_str(GAP);
        text.push_str("COMMENT");
    }
    Line::styled(text, theme::header())
}

fn history_lines(history: &[HistoryRow], now: i64, width: usize) -> Vec<Line<'static>> {
    if history.is_empty() {
        return vec![Line::styled("No history recorded.", theme::dim())];
    }
    let mut out = Vec::new();
    if width < COLUMNS_MIN_WIDTH {
        // Stacked: "3 days ago · 1.2 kB", then the command indented.
        for row in history {
            let head = format!(
                "{} · {}",
                super::created(row.created, now),
                format::size(row.size)
            );
            out.push(Line::styled(
                fit(&head, width).into_owned(),
                theme::header(),
            ));
            for piece in wrap_words(&safe(&row.created_by), width.saturating_sub(2).max(1)) {
                out.push(Line::raw(format!("  {piece}")));
            }
        }
        return out;
    }
    let command_width = created_by_width(width);
    let comment = comment_width(width);
    for row in history {
        let created = pad(
            &fit(&super::created(row.created, now), CREATED_WIDTH),
            CREATED_WIDTH,
        );
        let pieces = wrap_words(&safe(&row.created_by), command_width);
        let size = format::size(row.size);
        for (i, piece) in pieces.into_iter().enumerate() {
            if i == 0 {
                let mut spans = vec![
                    Span::styled(created.clone(), theme::dim()),
                    Span::raw(GAP),
                    Span::raw(pad(&piece, command_width)),
                    Span::raw(GAP),
                    Span::raw(format!("{size:>SIZE_WIDTH$}")),
                ];
                if comment > 0 && !row.comment.is_empty() {
                    spans.push(Span::raw(GAP));
                    spans.push(Span::styled(
                        fit(&safe(&row.comment), comment).into_owned(),
                        theme::dim(),
                    ));
                }
                out.push(Line::from(spans));
            } else {
                out.push(Line::raw(format!(
                    "{}{GAP}{piece}",
                    " ".repeat(CREATED_WIDTH)
                )));
            }
        }
    }
    out
}

/// `text` (already cut to fit) padded with spaces to `width` display columns.
fn pad(text: &str, width: usize) -> String {
    let used = text.width();
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}
