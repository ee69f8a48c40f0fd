//! The `?` overlay, generated from the key map.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::{View, centered, theme};

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
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
    lines.push(Line::from(vec![
        Span::styled(" Mouse       ", theme::key()),
        Span::raw("wheel scrolls · click selects or focuses · click a header sorts"),
    ]));
    lines.push(Line::raw(""));
    lines.push(Line::styled(" Esc or ? closes this help", theme::dim()));
    let width = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 3;
    let height = lines.len() as u16 + 2;
    let popup = centered(area, width, height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(" Keys ")
                .border_style(theme::focused_border()),
        ),
        popup,
    );
}
