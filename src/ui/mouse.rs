//! Crossterm's mouse events in the core's terms: which pane, row or column header is under
//! the pointer, from the same layout the frame was drawn with.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::layout::Panes;
use super::list;
use crate::core::pointer::{Pane, Pointer};

/// Whether `pointer` can make anything of this kind of event. The terminal reports every
/// move while the mouse is captured: those are dropped before any layout is worked out.
pub fn handles(kind: MouseEventKind) -> bool {
    matches!(
        kind,
        MouseEventKind::ScrollUp
            | MouseEventKind::ScrollDown
            | MouseEventKind::Down(MouseButton::Left)
    )
}

/// What `event` means on a frame laid out as `panes`; `None` for anything we ignore (moves,
/// drags, releases, other buttons, clicks on borders or bars).
pub fn pointer(event: MouseEvent, panes: &Panes) -> Option<Pointer> {
    let at = Position::new(event.column, event.row);
    let over_detail = panes.detail.is_some_and(|d| d.contains(at));
    match event.kind {
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
            let notches = if event.kind == MouseEventKind::ScrollUp {
                -1
            } else {
                1
            };
            let pane = if panes.list.contains(at) {
                Pane::List
            } else if over_detail {
                Pane::Detail
            } else {
                return None;
            };
            Some(Pointer::Scroll { pane, notches })
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(header) = panes.header.filter(|h| h.contains(at)) {
                return header_key(header, at.x).map(Pointer::ClickHeader);
            }
            if panes.rows.contains(at) {
                return Some(Pointer::ClickRow(usize::from(at.y - panes.rows.y)));
            }
            over_detail.then_some(Pointer::ClickDetail)
        }
        _ => None,
    }
}

/// The sort key of the column whose header is at column `x`.
fn header_key(header: Rect, x: u16) -> Option<crate::core::sort::SortKey> {
    list::header_columns(header)
        .into_iter()
        .find(|(area, _)| area.x <= x && x < area.right())
        .and_then(|(_, key)| key)
}
