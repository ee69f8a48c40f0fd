//! The mouse in the core's terms: the shell hit-tests a click or a wheel notch against the
//! panes as drawn (`ui::layout`, `ui::mouse`) and sends one of these. No coordinates reach
//! the core, only which pane and which row.

use super::sort::SortKey;
use super::state::{AppState, Focus};

/// Rows moved per wheel notch.
pub const WHEEL_ROWS: isize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    List,
    Detail,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pointer {
    /// Wheel notches over a pane: negative up, positive down.
    Scroll { pane: Pane, notches: isize },
    /// A click on a row of the list, counted from the first row shown (the core adds the
    /// scroll offset, which only it knows for sure).
    ClickRow(usize),
    /// A click on a column header: sort by it, or reverse when it already sorts.
    ClickHeader(SortKey),
    /// A click inside the detail pane: it takes the focus.
    ClickDetail,
}

impl AppState {
    pub(super) fn pointer(&mut self, pointer: Pointer) {
        // An open dialog, the engine picker or the help overlay covers the list: nothing
        // behind it reacts.
        if self.dialog.is_some() || self.picker.is_some() {
            return;
        }
        // The wheel scrolls the help overlay; clicks do nothing behind it.
        if self.help_open {
            if let Pointer::Scroll { notches, .. } = pointer {
                self.scroll_help(notches.saturating_mul(WHEEL_ROWS));
            }
            return;
        }
        // The inspect view covers both panes: the wheel scrolls it, clicks do nothing.
        if self.inspect.is_open() {
            if let Pointer::Scroll { notches, .. } = pointer {
                self.inspect.scroll_by(notches.saturating_mul(WHEEL_ROWS));
            }
            return;
        }
        match pointer {
            Pointer::Scroll {
                pane: Pane::List,
                notches,
            } => self.move_cursor(notches.saturating_mul(WHEEL_ROWS)),
            Pointer::Scroll {
                pane: Pane::Detail,
                notches,
            } => self.scroll_detail(notches.saturating_mul(WHEEL_ROWS)),
            Pointer::ClickRow(row) => {
                let position = self.offset().saturating_add(row);
                // Below the last image, or a row past the pane's end: nothing there.
                if row < self.viewport.list_rows && position < self.len() {
                    self.focus = Focus::List;
                    self.select_position(position);
                }
            }
            Pointer::ClickHeader(key) => self.set_sort(self.sort().toggled(key)),
            Pointer::ClickDetail => self.focus = Focus::Detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::action::{Action, EngineEvent, EngineInfo, EngineStatus, Message, Viewport};
    use crate::core::dialog::DialogInput;
    use crate::core::image::{Image, ImageId};
    use crate::core::sort::Sort;

    fn state(n: u64) -> AppState {
        let images = (0..n)
            .map(|i| Image {
                id: ImageId::new(format!("sha256:{i:03}")),
                size: 1000 - i,
                repo_tags: vec![format!("app{i:03}:1")],
                ..Image::default()
            })
            .collect();
        let mut state = AppState::new(Sort::default(), "unix:///test.sock");
        state.update(Message::Engine(EngineEvent::Status(
            EngineStatus::Connected(EngineInfo::default()),
        )));
        state.update(Message::Engine(EngineEvent::Listed {
            generation: 0,
            images,
        }));
        state.update(Message::Viewport(Viewport {
            list_rows: 10,
            detail_rows: 5,
            detail_lines: 12,
            ..Viewport::default()
        }));
        state
    }

    fn point(state: &mut AppState, pointer: Pointer) {
        assert!(state.update(Message::Pointer(pointer)).is_empty());
    }

    fn wheel(pane: Pane, notches: isize) -> Pointer {
        Pointer::Scroll { pane, notches }
    }

    #[test]
    fn the_wheel_moves_the_selection_and_clamps() {
        let mut state = state(20);
        point(&mut state, wheel(Pane::List, 1));
        assert_eq!(state.cursor(), 3);
        point(&mut state, wheel(Pane::List, 100));
        assert_eq!(state.cursor(), 19);
        assert_eq!(state.offset(), 10, "the selection stays on screen");
        point(&mut state, wheel(Pane::List, isize::MIN));
        assert_eq!((state.cursor(), state.offset()), (0, 0));
    }

    #[test]
    fn the_wheel_over_the_detail_scrolls_it_and_clamps() {
        let mut state = state(3);
        point(&mut state, wheel(Pane::Detail, 1));
        assert_eq!(state.detail_scroll, 3);
        assert_eq!(state.cursor(), 0, "the list stays");
        point(&mut state, wheel(Pane::Detail, 5));
        assert_eq!(state.detail_scroll, 7, "lines - rows");
        point(&mut state, wheel(Pane::Detail, -100));
        assert_eq!(state.detail_scroll, 0);
    }

    #[test]
    fn a_click_selects_the_row_under_it_with_the_scroll_offset() {
        let mut state = state(30);
        point(&mut state, Pointer::ClickRow(4));
        assert_eq!(state.cursor(), 4);
        state.update(Message::Action(Action::Bottom));
        assert_eq!(state.offset(), 20);
        point(&mut state, Pointer::ClickRow(2));
        assert_eq!(state.cursor(), 22);
        assert_eq!(state.selected().unwrap().id.as_str(), "sha256:022");
        assert_eq!(state.offset(), 20, "clicking a shown row does not scroll");
        // Clicking the selected row again changes nothing.
        point(&mut state, Pointer::ClickRow(2));
        assert_eq!((state.cursor(), state.offset()), (22, 20));
    }

    #[test]
    fn a_click_below_the_last_row_is_ignored() {
        let mut state = state(3);
        point(&mut state, Pointer::ClickRow(1));
        point(&mut state, Pointer::ClickRow(3));
        assert_eq!(state.cursor(), 1);
        point(&mut state, Pointer::ClickRow(usize::MAX));
        assert_eq!(state.cursor(), 1);
        let mut empty = super::tests::state(0);
        point(&mut empty, Pointer::ClickRow(0));
        assert!(empty.selected().is_none());
    }

    #[test]
    fn a_header_click_sorts_and_again_reverses() {
        let mut state = state(3);
        point(&mut state, Pointer::ClickHeader(SortKey::Name));
        assert_eq!(state.sort().key, SortKey::Name);
        let reversed = state.sort().reversed;
        point(&mut state, Pointer::ClickHeader(SortKey::Name));
        assert_eq!(state.sort().key, SortKey::Name);
        assert_ne!(state.sort().reversed, reversed);
        // The same as the key.
        let mut keyed = super::tests::state(3);
        keyed.update(Message::Action(Action::SortBy(SortKey::Name)));
        keyed.update(Message::Action(Action::SortBy(SortKey::Name)));
        assert_eq!(keyed.sort(), state.sort());
    }

    #[test]
    fn clicks_move_the_focus() {
        let mut state = state(3);
        point(&mut state, Pointer::ClickDetail);
        assert_eq!(state.focus, Focus::Detail);
        point(&mut state, Pointer::ClickRow(2));
        assert_eq!(state.focus, Focus::List);
        assert_eq!(state.cursor(), 2);
    }

    #[test]
    fn over_the_inspect_view_the_wheel_scrolls_it_and_clicks_do_nothing() {
        use crate::core::inspect::{ImageConfig, InspectData};
        let mut state = state(20);
        state.update(Message::Action(Action::Inspect));
        let id = state.inspect.view().expect("open").id.clone();
        let data = InspectData {
            config: ImageConfig {
                env: (0..100).map(|i| format!("V{i}=x")).collect(),
                ..ImageConfig::default()
            },
            history: Vec::new(),
        };
        state.update(Message::Engine(EngineEvent::Inspected {
            id,
            result: Ok(Box::new(data)),
        }));
        state.update(Message::Viewport(Viewport {
            list_rows: 10,
            inspect_rows: 10,
            inspect_lines: 120,
            ..Viewport::default()
        }));
        point(&mut state, wheel(Pane::List, 2));
        assert_eq!(state.inspect.view().unwrap().scroll, 6);
        point(&mut state, wheel(Pane::Detail, -1));
        assert_eq!(state.inspect.view().unwrap().scroll, 3);
        point(&mut state, wheel(Pane::List, isize::MAX));
        assert_eq!(state.inspect.view().unwrap().scroll, 110, "clamped");
        for click in [
            Pointer::ClickRow(5),
            Pointer::ClickHeader(SortKey::Name),
            Pointer::ClickDetail,
        ] {
            point(&mut state, click);
        }
        assert_eq!(state.cursor(), 0);
        assert_eq!(state.sort(), Sort::default());
        assert_eq!(state.focus, Focus::List);
        assert!(state.inspect.is_open());
    }

    #[test]
    fn nothing_acts_behind_the_help_or_a_dialog() {
        let mut state = state(20);
        state.update(Message::Action(Action::ToggleHelp));
        let everything = [
            wheel(Pane::List, 2),
            wheel(Pane::Detail, 2),
            Pointer::ClickRow(5),
            Pointer::ClickHeader(SortKey::Name),
            Pointer::ClickDetail,
        ];
        for pointer in everything {
            point(&mut state, pointer);
        }
        assert_eq!(state.cursor(), 0);
        assert_eq!(state.detail_scroll, 0);
        assert_eq!(state.sort(), Sort::default());
        assert_eq!(state.focus, Focus::List);
        assert!(state.help_open, "the overlay stays open");

        state.update(Message::Action(Action::Back));
        state.update(Message::Action(Action::Delete));
        assert!(state.dialog.is_some());
        for pointer in everything {
            point(&mut state, pointer);
        }
        assert_eq!(state.cursor(), 0);
        assert_eq!(state.detail_scroll, 0);
        assert_eq!(state.sort(), Sort::default());
        assert_eq!(state.focus, Focus::List);
        state.update(Message::Dialog(DialogInput::Cancel));
        assert!(state.dialog.is_none());
        point(&mut state, Pointer::ClickRow(5));
        assert_eq!(state.cursor(), 5);
    }
}
