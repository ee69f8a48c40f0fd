//! The image list pane: only the rows that fit are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table, TableState};

use super::{View, theme};
use crate::core::format;
use crate::core::image::Image;
use crate::core::sanitize::sanitize;
use crate::core::sort::SortKey;
use crate::core::state::AppState;

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

    let body: Vec<Row> = state
        .visible_rows(rows)
        .map(|(_, image)| row(state, image, view.now))
        .collect();
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(12),
        Constraint::Length(15),
        Constraint::Length(10),
        Constraint::Length(9),
    ];
    let table = Table::new(body, widths)
        .header(header)
        .block(block)
        .column_spacing(1)
        .row_highlight_style(theme::selected());
    let mut table_state = TableState::default();
    if !state.is_empty() {
        table_state.select(Some(state.cursor().saturating_sub(state.offset())));
    }
    frame.render_stateful_widget(table, area, &mut table_state);
    rows
}

fn row<'a>(state: &AppState, image: &'a Image, now: i64) -> Row<'a> {
    let name = match image.primary_reference() {
        Some(reference) => {
            let mut spans = vec![Span::raw(sanitize(reference))];
            if image.repo_tags.len() > 1 {
                spans.push(Span::styled(
                    format!(" +{}", image.repo_tags.len() - 1),
                    theme::dim(),
                ));
            }
            Line::from(spans)
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
