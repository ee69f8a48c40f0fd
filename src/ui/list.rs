//! The image list pane: only the rows that fit are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table, TableState};

use super::text::fit;
use super::{View, theme};
use crate::core::format;
use crate::core::image::Image;
use crate::core::sanitize::sanitize;
use crate::core::sort::SortKey;
use crate::core::state::AppState;

/// Image id, created, size and "used by" columns; the name takes the rest.
const FIXED_WIDTHS: [u16; 4] = [12, 14, 9, 9];
const SPACING: u16 = 1;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, view: &View, block: Block) -> usize {
    let inner = block.inner(area);
    // One line for the header.
    let rows = usize::from(inner.height.saturating_sub(1));
    let sort = state.sort();
    let arrow = if sort.descending() { "▼" } else { "▲" };
    let title = |name: &'static str, key: SortKey| -> Cell<'static> {
        if sort.key == key {
            Cell::from(format!("{name} {arrow}"))
        } else {
            Cell::from(name)
        }
    };
    let header = Row::new([
        title("REPOSITORY:TAG", SortKey::Name),
        Cell::from("IMAGE ID"),
        title("CREATED", SortKey::Created),
        title("SIZE", SortKey::Size),
        title("USED BY", SortKey::Containers),
    ])
    .style(theme::header());

    let fixed: u16 = FIXED_WIDTHS.iter().sum::<u16>() + SPACING * FIXED_WIDTHS.len() as u16;
    let name_width = usize::from(inner.width.saturating_sub(fixed));
    let body: Vec<Row> = state
        .visible_rows(rows)
        .map(|(_, image)| row(state, image, view.now, name_width))
        .collect();
    let [id, created, size, used] = FIXED_WIDTHS.map(Constraint::Length);
    let widths = [Constraint::Fill(1), id, created, size, used];
    let table = Table::new(body, widths)
        .header(header)
        .block(block)
        .column_spacing(SPACING)
        .row_highlight_style(theme::selected());
    let mut table_state = TableState::default();
    if !state.is_empty() {
        table_state.select(Some(state.cursor().saturating_sub(state.offset())));
    }
    frame.render_stateful_widget(table, area, &mut table_state);
    rows
}

fn row<'a>(state: &AppState, image: &'a Image, now: i64, name_width: usize) -> Row<'a> {
    let name = match image.primary_reference() {
        Some(reference) => {
            let more = match image.repo_tags.len() {
                0 | 1 => String::new(),
                n => format!(" +{}", n - 1),
            };
            let room = name_width.saturating_sub(more.chars().count());
            Line::from(vec![
                Span::raw(fit(&sanitize(reference), room).into_owned()),
                Span::styled(more, theme::dim()),
            ])
        }
        None => Line::from(vec![
            Span::styled("<none>", theme::dangling()),
            Span::styled(" dangling", theme::dim()),
        ]),
    };
    let used = match state.containers_of(image) {
        Some(n) => n.to_string(),
        None => "?".to_string(),
    };
    Row::new([
        Cell::from(name),
        Cell::from(sanitize(image.id.short())),
        Cell::from(format::relative_time(image.created, now)),
        Cell::from(Line::from(format::size(image.size)).right_aligned()),
        Cell::from(Line::from(used).right_aligned()),
    ])
}
