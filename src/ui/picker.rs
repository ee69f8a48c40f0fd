//! The engine picker overlay (`c`): one row per docker context or local socket, the
//! connected one marked `●`, the selected one highlighted.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::text::{fit, safe};
use super::{centered, theme};
use crate::core::picker::Picker;

const MAX_WIDTH: u16 = 110;
const NAME_MAX: usize = 24;
const HOST_MAX: usize = 48;

pub fn draw(frame: &mut Frame, area: Rect, picker: &Picker) {
    let width = area.width.saturating_sub(4).clamp(1, MAX_WIDTH);
    let inner_width = usize::from(width.saturating_sub(2));
    // Text from files goes to the terminal only sanitized.
    let rows: Vec<(String, String, String)> = picker
        .choices
        .iter()
        .map(|c| {
            let about = match &c.problem {
                Some(problem) => format!("✗ {problem}"),
                None => c.description.clone(),
            };
            (
                safe(&c.name).into_owned(),
                safe(&c.host).into_owned(),
                safe(&about).into_owned(),
            )
        })
        .collect();
    let name_width = column(rows.iter().map(|r| r.0.as_str()), NAME_MAX);
    let host_width = column(rows.iter().map(|r| r.1.as_str()), HOST_MAX);
    let mut lines: Vec<Line> = Vec::new();
    for (index, (choice, (name, host, about))) in picker.choices.iter().zip(&rows).enumerate() {
        let mark = if choice.current { " ● " } else { "   " };
        let text = format!(
            "{mark}{:<name_width$}  {:<host_width$}  {about}",
            fit(name, name_width),
            fit(host, host_width),
        );
        let text = fit(&text, inner_width).into_owned();
        lines.push(if index == picker.selected {
            // Padded, so the highlight spans the overlay.
            Line::styled(format!("{text:<inner_width$}"), theme::selected())
        } else if choice.problem.is_some() {
            Line::styled(text, theme::error())
        } else {
            Line::raw(text)
        });
    }
    if lines.is_empty() {
        lines.push(Line::styled("   no engine found", theme::dim()));
    }
    // Rows, a blank line, the keys, the borders; within the screen.
    let wanted = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(4);
    let height = wanted.min(area.height.saturating_sub(2)).max(3);
    let popup = centered(area, width, height);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .title(Line::styled(" Switch engine ", theme::header()))
        .border_style(theme::focused_border());
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [list_area, keys_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    let visible = usize::from(list_area.height.saturating_sub(1)).max(1);
    // Keep the selected row in view.
    let offset = picker.selected.saturating_sub(visible - 1);
    let shown: Vec<Line> = lines.into_iter().skip(offset).take(visible).collect();
    frame.render_widget(Paragraph::new(shown), list_area);
    let keys = Line::from(vec![
        Span::styled(" j/k", theme::key()),
        Span::raw(" move · "),
        Span::styled("Enter", theme::key()),
        Span::raw(" connect · "),
        Span::styled("Esc", theme::key()),
        Span::raw(" close · ● connected now"),
    ]);
    frame.render_widget(Paragraph::new(keys), keys_area);
}

/// The width of a column: its widest value, at most `max`.
fn column<'a>(values: impl Iterator<Item = &'a str>, max: usize) -> usize {
    values
        .map(UnicodeWidthStr::width)
        .max()
        .unwrap_or(0)
        .min(max)
}
