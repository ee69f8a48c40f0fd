//! The `?` overlay, generated from the key map.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::{View, centered, theme};

/// Draws the overlay from line `scroll` on; returns its visible rows and its lines in all
/// (on a short terminal it scrolls).
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    view: &View,
    scroll: usize,
    mouse: bool,
) -> (usize, usize) {
    let rows = view.keymap.help_rows();
    let key_width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<Line> = rows
        .into_iter()
        .map(|(keys, help)| {
            Line::from(vec![
                Span::styled(format!(" {keys:<key_width$}  "), theme::key()),
                Span::raw(help),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled(" In dialogs  ", theme::key()),
        Span::raw("y/Enter confirm · n/Esc cancel · f force (only where offered) · j/k scroll"),
    ]));
    if mouse {
        lines.push(Line::from(vec![
            Span::styled(" Mouse       ", theme::key()),
            Span::raw("wheel scrolls · click selects or focuses · click a header sorts"),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(" Esc or ? closes this help", theme::dim()));
    let width = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 3;
    let total = lines.len();
    let height = u16::try_from(total).unwrap_or(u16::MAX).saturating_add(2);
    let popup = centered(area, width, height);
    let rows = usize::from(popup.height.saturating_sub(2));
    let scroll = scroll.min(total.saturating_sub(rows));
    let mut block = Block::bordered()
        .title(" Keys ")
        .border_style(theme::focused_border());
    if rows < total {
        let more = match (scroll > 0, scroll + rows < total) {
            (true, true) => " ↑↓ more · j/k scroll ",
            (false, _) => " ↓ more · j/k scroll ",
            (true, false) => " ↑ more · j/k scroll ",
        };
        block = block.title_bottom(Line::styled(more, theme::dim()));
    }
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
            .block(block),
        popup,
    );
    (rows, total)
}
