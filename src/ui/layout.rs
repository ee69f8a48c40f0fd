//! Where each pane goes, computed in one place for drawing (`ui::render`) and for the mouse
//! (`ui::mouse`), so a click always lands on what the user sees under it.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Block;

use super::{DETAIL_MIN_HEIGHT, MIN_HEIGHT, MIN_WIDTH, SIDE_BY_SIDE_WIDTH, filter, status};
use crate::core::state::AppState;

/// Below this height the engine facts line is left out: the rows are worth more.
const FACTS_MIN_HEIGHT: u16 = 8;

/// The panes of one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Panes {
    /// The engine facts line at the top (`ui::header`), when the terminal is tall enough to
    /// spare it.
    pub facts: Option<Rect>,
    /// Where the list and detail panes are (the inspect view covers all of it).
    pub main: Rect,
    /// The list pane, border included.
    pub list: Rect,
    /// The column headers, when the list shows rows (not the "loading" or "no image"
    /// placeholder).
    pub header: Option<Rect>,
    /// The list's rows, below the headers; its first line shows the row at the scroll offset.
    pub rows: Rect,
    /// The detail pane, border included, when there is room for it.
    pub detail: Option<Rect>,
    /// The filter bar (while a query is typed or applied).
    pub filter_bar: Option<Rect>,
    /// The line for a problem or notice.
    pub problem: Option<Rect>,
    pub status: Rect,
}

/// The panes for a frame of `area`; `None` when the terminal is too small for any.
pub fn panes(area: Rect, state: &AppState) -> Option<Panes> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let filter_bar = filter::shown(state);
    let problem = status::has_message(state);
    let facts = area.height >= FACTS_MIN_HEIGHT;
    let [facts_area, main, filter_area, problem_area, status_area] = Layout::vertical([
        Constraint::Length(u16::from(facts)),
        Constraint::Fill(1),
        Constraint::Length(u16::from(filter_bar)),
        Constraint::Length(u16::from(problem)),
        Constraint::Length(1),
    ])
    .areas(area);

    let show_detail = area.width >= SIDE_BY_SIDE_WIDTH || area.height >= DETAIL_MIN_HEIGHT;
    let (list, detail) = if !show_detail {
        (main, None)
    } else if area.width >= SIDE_BY_SIDE_WIDTH {
        let [l, d] =
            Layout::horizontal([Constraint::Percentage(62), Constraint::Fill(1)]).areas(main);
        (l, Some(d))
    } else {
        let [l, d] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Fill(1)]).areas(main);
        (l, Some(d))
    };
    // The list is a bordered table: one line of headers, then the rows.
    let inner = Block::bordered().inner(list);
    let [header, rows] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    let shows_rows = state.listing.loaded && !state.is_empty();
    Some(Panes {
        facts: facts.then_some(facts_area),
        main,
        list,
        header: shows_rows.then_some(header),
        rows,
        detail,
        filter_bar: filter_bar.then_some(filter_area),
        problem: problem.then_some(problem_area),
        status: status_area,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::sort::Sort;
    use crate::core::state::{EngineStatus, Level, Notice};

    /// The layout asks cheaply whether the filter bar and the message line have a line; the
    /// answers must be what building those lines gives.
    #[test]
    fn the_layout_reserves_rows_exactly_for_the_lines_drawn() {
        let agree = |state: &AppState| {
            assert_eq!(status::has_message(state), status::message(state).is_some());
            assert_eq!(filter::shown(state), filter::line(state, 80).is_some());
        };
        let mut state = AppState::new(Sort::default(), "unix:///x.sock");
        agree(&state);
        state.engine = EngineStatus::Unreachable {
            host: "unix:///x.sock".into(),
            error: "gone".into(),
            attempt: 2,
            retry_in_secs: 2,
        };
        agree(&state);
        state.engine = EngineStatus::Connected(Default::default());
        state.last_error = Some("boom".into());
        agree(&state);
        state.last_error = None;
        state.notice = Some(Notice {
            level: Level::Info,
            text: "done".into(),
        });
        agree(&state);
        state.notice = None;
        agree(&state);
        state.query.editing = true;
        agree(&state);
        state.query.editing = false;
        state.query.text = "nginx".into();
        agree(&state);
    }
}
