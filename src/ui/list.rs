//! The image list pane: only the rows that fit are built, and only the columns that fit are
//! shown (the name and the size always; id, age and usage as width allows).

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table, TableState};

use super::text::highlighted;
use super::{View, theme};
use crate::core::filter::{Filter, FilterMatcher};
use crate::core::format;
use crate::core::image::Image;
use crate::core::sanitize::sanitize;
use crate::core::sort::SortKey;
use crate::core::state::AppState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Name,
    Id,
    Created,
    Size,
    Used,
}

impl Column {
    /// Display order.
    const ALL: [Column; 5] = [
        Column::Name,
        Column::Id,
        Column::Created,
        Column::Size,
        Column::Used,
    ];
    /// The first to go when the pane is narrow.
    const DROP_ORDER: [Column; 3] = [Column::Used, Column::Created, Column::Id];

    /// Fixed widths; the name takes what is left.
    fn width(self) -> u16 {
        match self {
            Column::Name => 0,
            Column::Id => 12,
            Column::Created => 14,
            // "999.9 MB" and the header "SIZE ▼" fit; a size is never cut.
            Column::Size => 9,
            Column::Used => 9,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Column::Name => "REPOSITORY:TAG",
            Column::Id => "IMAGE ID",
            Column::Created => "CREATED",
            Column::Size => "SIZE",
            Column::Used => "USED BY",
        }
    }

    fn sort_key(self) -> Option<SortKey> {
        match self {
            Column::Name => Some(SortKey::Name),
            Column::Id => None,
            Column::Created => Some(SortKey::Created),
            Column::Size => Some(SortKey::Size),
            Column::Used => Some(SortKey::Containers),
        }
    }
}

const SPACING: u16 = 1;
/// Below this the optional columns make room for the name.
const MIN_NAME_WIDTH: u16 = 24;

/// The columns that fit `width`, and the width left for the name.
fn layout(width: u16) -> (Vec<Column>, usize) {
    let mut columns = Column::ALL.to_vec();
    let name_width = |columns: &[Column]| -> u16 {
        let fixed: u16 = columns
            .iter()
            .filter(|c| **c != Column::Name)
            .map(|c| c.width() + SPACING)
            .sum();
        width.saturating_sub(fixed)
    };
    for drop in Column::DROP_ORDER {
        if name_width(&columns) >= MIN_NAME_WIDTH {
            break;
        }
        columns.retain(|c| *c != drop);
    }
    let name = name_width(&columns);
    (columns, usize::from(name))
}

fn widths(columns: &[Column]) -> Vec<Constraint> {
    columns
        .iter()
        .map(|c| match c {
            Column::Name => Constraint::Fill(1),
            other => Constraint::Length(other.width()),
        })
        .collect()
}

/// Where each column's header is on the header row `header`, and the sort key it stands
/// for: the same split the table makes (no highlight symbol, columns from the left).
pub fn header_columns(header: Rect) -> Vec<(Rect, Option<SortKey>)> {
    let (columns, _) = layout(header.width);
    let areas = Layout::horizontal(widths(&columns))
        .flex(Flex::Start)
        .spacing(SPACING)
        .split(header);
    columns
        .iter()
        .zip(areas.iter())
        .map(|(c, area)| (*area, c.sort_key()))
        .collect()
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, view: &View, block: Block) -> usize {
    let inner = block.inner(area);
    // One line for the header.
    let rows = usize::from(inner.height.saturating_sub(1));
    let (columns, name_width) = layout(inner.width);
    let sort = state.sort();
    let arrow = if sort.descending() { "▼" } else { "▲" };
    let header = Row::new(columns.iter().map(|c| match c.sort_key() {
        Some(key) if key == sort.key => Cell::from(format!("{} {arrow}", c.title())),
        _ => Cell::from(c.title()),
    }))
    .style(theme::header());

    // A mark column only while something is marked.
    let marking = state.marked().0 > 0;
    let name_width = if marking {
        name_width.saturating_sub(2)
    } else {
        name_width
    };
    // Matches are highlighted only in the rows drawn, so a frame costs the same filtered
    // or not; the matcher's scratch space is made once per frame.
    let mut matches = state
        .is_filtered()
        .then(|| (state.filter(), FilterMatcher::default()));
    let body: Vec<Row> = state
        .visible_rows(rows)
        .map(|(_, image)| {
            let marked = marking && state.is_marked(&image.id);
            let mut name_line = Some(name(image, name_width, matches.as_mut()));
            let cells = columns.iter().map(|c| match c {
                Column::Name => {
                    let mut line = name_line.take().unwrap_or_default();
                    if marking {
                        line.spans
                            .insert(0, Span::raw(if marked { "● " } else { "  " }));
                    }
                    Cell::from(line)
                }
                Column::Id => {
                    let short = image.id.short();
                    let hits = matches
                        .as_ref()
                        .map(|(filter, _)| filter.id_highlights(short))
                        .unwrap_or_default();
                    Cell::from(Line::from(highlighted(
                        short,
                        &hits,
                        usize::MAX,
                        theme::matched(),
                    )))
                }
                _ => cell(*c, state, image, view.now),
            });
            let row = Row::new(cells);
            if marked {
                row.style(theme::marked())
            } else {
                row
            }
        })
        .collect();
    let table = Table::new(body, widths(&columns))
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

/// The cells without highlights.
fn cell<'a>(column: Column, state: &AppState, image: &'a Image, now: i64) -> Cell<'a> {
    match column {
        Column::Id => Cell::from(sanitize(image.id.short())),
        // Drawn by the caller, with the filter's highlights.
        Column::Name => Cell::default(),
        Column::Created => Cell::from(super::created(image.created, now)),
        Column::Size => Cell::from(Line::from(format::size(image.size)).right_aligned()),
        Column::Used => {
            let used = state
                .containers_of(image)
                .map_or("?".to_string(), |n| n.to_string());
            Cell::from(Line::from(used).right_aligned())
        }
    }
}

/// The image's first tag and how many more it has. While filtering, the first tag the
/// filter matched, with the matched characters highlighted.
fn name(
    image: &Image,
    width: usize,
    matches: Option<&mut (&Filter, FilterMatcher)>,
) -> Line<'static> {
    let (reference, hits) = match matches {
        Some((filter, matcher)) => image
            .repo_tags
            .iter()
            .map(|tag| (Some(tag.as_str()), filter.highlights(matcher, tag)))
            .find(|(_, hits)| !hits.is_empty())
            .unwrap_or((image.primary_reference(), Vec::new())),
        None => (image.primary_reference(), Vec::new()),
    };
    match reference {
        Some(reference) => {
            let more = match image.repo_tags.len() {
                0 | 1 => String::new(),
                n => format!(" +{}", n - 1),
            };
            let room = width.saturating_sub(more.chars().count());
            let mut spans = highlighted(reference, &hits, room, theme::matched());
            spans.push(Span::styled(more, theme::dim()));
            Line::from(spans)
        }
        None => Line::from(vec![
            Span::styled("<none>", theme::dangling()),
            Span::styled(" dangling", theme::dim()),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_panes_drop_optional_columns_but_keep_size() {
        let (wide, name) = layout(120);
        assert_eq!(wide, Column::ALL);
        assert!(name >= usize::from(MIN_NAME_WIDTH));
        let (narrow, _) = layout(40);
        assert!(narrow.contains(&Column::Size) && narrow.contains(&Column::Name));
        assert!(!narrow.contains(&Column::Used));
        let (tiny, name) = layout(10);
        assert_eq!(tiny, [Column::Name, Column::Size]);
        assert_eq!(name, 0);
    }
}
