//! The inspect view (Enter on an image): which image is open, which tab, how far it is
//! scrolled, and what the engine answered for each image id (kept until a refresh or the
//! image's removal). The engine layer fills the plain data structs below.

use std::collections::HashMap;

use super::action::{Action, Command};
use super::image::ImageId;

/// The image's configuration from `GET /images/{id}/json`. Strings are raw engine text:
/// sanitizing is the UI's job.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageConfig {
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    pub working_dir: String,
    pub user: String,
    /// Sorted ("80/tcp").
    pub exposed_ports: Vec<String>,
    /// Sorted mount points.
    pub volumes: Vec<String>,
    pub labels: usize,
    pub architecture: String,
    pub os: String,
    pub variant: String,
    pub author: String,
    /// Unix seconds.
    pub created: Option<i64>,
    pub docker_version: String,
    /// RootFS layer digests, bottom first.
    pub layers: Vec<String>,
}

/// One entry of `GET /images/{id}/history`, newest first as the engine sends them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryRow {
    /// Empty for the engine's `<missing>`.
    pub id: String,
    pub created: Option<i64>,
    pub created_by: String,
    pub size: u64,
    pub comment: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InspectData {
    pub config: ImageConfig,
    pub history: Vec<HistoryRow>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InspectTab {
    #[default]
    Config,
    History,
}

impl InspectTab {
    pub const ALL: [InspectTab; 2] = [InspectTab::Config, InspectTab::History];

    pub fn name(self) -> &'static str {
        match self {
            InspectTab::Config => "Config",
            InspectTab::History => "History",
        }
    }

    fn other(self) -> InspectTab {
        match self {
            InspectTab::Config => InspectTab::History,
            InspectTab::History => InspectTab::Config,
        }
    }
}

/// What we know of one image's details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Loaded {
    Loading,
    Ready(Box<InspectData>),
    /// Why the fetch failed, in plain words.
    Failed(String),
}

/// The open view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectView {
    pub id: ImageId,
    /// How the title names the image (its first tag, else its short id).
    pub title: String,
    pub tab: InspectTab,
    pub scroll: usize,
}

/// Says the removed image is gone when it is the one open.
pub const GONE: &str = "image no longer exists";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inspect {
    open: Option<InspectView>,
    cache: HashMap<ImageId, Loaded>,
    /// The pane's content rows and its lines in all (the tab drawn last), from the shell.
    rows: usize,
    lines: usize,
}

impl Inspect {
    pub fn view(&self) -> Option<&InspectView> {
        self.open.as_ref()
    }

    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    pub fn get(&self, id: &ImageId) -> Option<&Loaded> {
        self.cache.get(id)
    }

    /// What the open view shows.
    pub fn shown(&self) -> Option<(&InspectView, Option<&Loaded>)> {
        let view = self.open.as_ref()?;
        Some((view, self.cache.get(&view.id)))
    }

    /// The open image's details are being fetched (the spinner turns).
    pub fn is_loading(&self) -> bool {
        matches!(self.shown(), Some((_, Some(Loaded::Loading))))
    }

    /// Opens the view on `id`; asks the engine unless the answer is cached or on its way.
    /// A failure is asked again.
    pub fn open(&mut self, id: ImageId, title: String) -> Option<Command> {
        self.open = Some(InspectView {
            id: id.clone(),
            title,
            tab: InspectTab::Config,
            scroll: 0,
        });
        match self.cache.get(&id) {
            Some(Loaded::Ready(_) | Loaded::Loading) => None,
            _ => {
                self.cache.insert(id.clone(), Loaded::Loading);
                Some(Command::Inspect(id))
            }
        }
    }

    pub fn close(&mut self) {
        self.open = None;
    }

    /// The engine's answer: cached whether or not its image is still open.
    pub fn answered(&mut self, id: ImageId, result: Result<Box<InspectData>, String>) {
        let loaded = match result {
            Ok(data) => Loaded::Ready(data),
            Err(why) => Loaded::Failed(why),
        };
        self.cache.insert(id, loaded);
    }

    /// The image was removed: its details go; an open view says it is gone.
    pub fn forget(&mut self, id: &ImageId) {
        if self.open.as_ref().is_some_and(|v| &v.id == id) {
            self.cache
                .insert(id.clone(), Loaded::Failed(GONE.to_string()));
        } else {
            self.cache.remove(id);
        }
    }

    /// Ctrl-R: every cached answer goes; the open image is asked again.
    pub fn refresh(&mut self) -> Option<Command> {
        self.cache.clear();
        let id = self.open.as_ref()?.id.clone();
        self.cache.insert(id.clone(), Loaded::Loading);
        Some(Command::Inspect(id))
    }

    /// The pane's size as drawn: `rows` of content, `lines` in all.
    pub fn set_size(&mut self, rows: usize, lines: usize) {
        self.rows = rows;
        self.lines = lines;
        if let Some(view) = &mut self.open {
            view.scroll = view.scroll.min(lines.saturating_sub(rows));
        }
    }

    fn max_scroll(&self) -> usize {
        self.lines.saturating_sub(self.rows)
    }

    /// Scrolls the open view by `delta` lines, within its length.
    pub fn scroll_by(&mut self, delta: isize) {
        let max = self.max_scroll();
        if let Some(view) = &mut self.open {
            view.scroll = view.scroll.saturating_add_signed(delta).min(max);
        }
    }

    /// A key while the view is open: scrolling and tabs; `Back` closes it; the rest are
    /// swallowed. Returns whether the view was open.
    pub fn action(&mut self, action: Action) -> bool {
        let max = self.max_scroll();
        let page = self.rows.max(1) as isize;
        let delta = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -page,
            Action::PageDown => page,
            Action::HalfPageUp => -(page / 2).max(1),
            Action::HalfPageDown => (page / 2).max(1),
            _ => 0,
        };
        if delta != 0 {
            self.scroll_by(delta);
            return self.open.is_some();
        }
        let Some(view) = &mut self.open else {
            return false;
        };
        match action {
            Action::Top => view.scroll = 0,
            Action::Bottom => view.scroll = max,
            Action::ToggleFocus | Action::NextTab => {
                view.tab = view.tab.other();
                view.scroll = 0;
            }
            Action::ShowTab(tab) if view.tab != tab => {
                view.tab = tab;
                view.scroll = 0;
            }
            Action::Back => self.open = None,
            // The list's keys (marks, deletes, sorts, the filter) wait until Esc.
            _ => {}
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ImageId {
        ImageId::new(s)
    }

    fn data(cmd: &str) -> Box<InspectData> {
        Box::new(InspectData {
            config: ImageConfig {
                cmd: vec![cmd.to_string()],
                ..ImageConfig::default()
            },
            history: Vec::new(),
        })
    }

    #[test]
    fn open_asks_once_and_close_keeps_the_cache() {
        let mut inspect = Inspect::default();
        assert_eq!(
            inspect.open(id("a"), "a:1".into()),
            Some(Command::Inspect(id("a")))
        );
        assert!(inspect.is_loading());
        // Enter again while the answer is on its way: no second request.
        assert_eq!(inspect.open(id("a"), "a:1".into()), None);
        inspect.answered(id("a"), Ok(data("sh")));
        assert!(!inspect.is_loading());
        assert!(inspect.action(Action::Back));
        assert!(!inspect.is_open());
        assert_eq!(inspect.open(id("a"), "a:1".into()), None, "a cache hit");
        assert!(matches!(inspect.shown(), Some((_, Some(Loaded::Ready(_))))));
    }

    #[test]
    fn a_failure_is_asked_again() {
        let mut inspect = Inspect::default();
        inspect.open(id("a"), "a".into());
        inspect.answered(id("a"), Err("timeout".into()));
        assert!(matches!(
            inspect.shown(),
            Some((_, Some(Loaded::Failed(_))))
        ));
        inspect.close();
        assert_eq!(
            inspect.open(id("a"), "a".into()),
            Some(Command::Inspect(id("a")))
        );
    }

    #[test]
    fn tabs_switch_and_reset_the_scroll() {
        let mut inspect = Inspect::default();
        inspect.open(id("a"), "a".into());
        inspect.set_size(5, 20);
        inspect.action(Action::Down);
        assert_eq!(inspect.view().unwrap().scroll, 1);
        inspect.action(Action::ToggleFocus);
        assert_eq!(inspect.view().unwrap().tab, InspectTab::History);
        assert_eq!(inspect.view().unwrap().scroll, 0);
        inspect.action(Action::NextTab);
        assert_eq!(inspect.view().unwrap().tab, InspectTab::Config);
        inspect.action(Action::NextTab);
        assert_eq!(inspect.view().unwrap().tab, InspectTab::History);
        inspect.action(Action::ShowTab(InspectTab::Config));
        assert_eq!(inspect.view().unwrap().tab, InspectTab::Config);
        inspect.action(Action::ShowTab(InspectTab::History));
        assert_eq!(inspect.view().unwrap().tab, InspectTab::History);
        assert!(inspect.action(Action::MarkAll), "swallowed while open");
        assert_eq!(inspect.view().unwrap().tab, InspectTab::History);
    }

    #[test]
    fn scrolling_is_clamped() {
        let mut inspect = Inspect::default();
        assert!(!inspect.action(Action::Down), "nothing open");
        inspect.open(id("a"), "a".into());
        inspect.set_size(5, 12);
        inspect.action(Action::PageDown);
        assert_eq!(inspect.view().unwrap().scroll, 5);
        inspect.action(Action::PageDown);
        assert_eq!(inspect.view().unwrap().scroll, 7, "lines - rows");
        inspect.action(Action::Down);
        assert_eq!(inspect.view().unwrap().scroll, 7);
        inspect.action(Action::Top);
        inspect.action(Action::Up);
        assert_eq!(inspect.view().unwrap().scroll, 0);
        inspect.action(Action::Bottom);
        assert_eq!(inspect.view().unwrap().scroll, 7);
        // The terminal shrank content-wise (wider lines wrap less): the scroll follows.
        inspect.set_size(5, 8);
        assert_eq!(inspect.view().unwrap().scroll, 3);
        inspect.set_size(0, 0);
        assert_eq!(inspect.view().unwrap().scroll, 0);
        inspect.set_size(usize::MAX, usize::MAX);
        inspect.action(Action::PageDown);
        inspect.action(Action::HalfPageUp);
        assert_eq!(inspect.view().unwrap().scroll, 0);
    }

    #[test]
    fn a_late_answer_is_stored_without_changing_the_view() {
        let mut inspect = Inspect::default();
        inspect.open(id("a"), "a".into());
        inspect.close();
        inspect.open(id("b"), "b".into());
        inspect.answered(id("a"), Ok(data("late")));
        let (view, loaded) = inspect.shown().unwrap();
        assert_eq!(view.id, id("b"));
        assert_eq!(loaded, Some(&Loaded::Loading));
        assert_eq!(inspect.get(&id("a")), Some(&Loaded::Ready(data("late"))));
        inspect.close();
        assert_eq!(inspect.open(id("a"), "a".into()), None);
    }

    #[test]
    fn refresh_and_removal_drop_cache_entries() {
        let mut inspect = Inspect::default();
        inspect.answered(id("a"), Ok(data("a")));
        inspect.answered(id("b"), Ok(data("b")));
        inspect.forget(&id("a"));
        assert_eq!(inspect.get(&id("a")), None);
        inspect.open(id("b"), "b".into());
        inspect.forget(&id("b"));
        assert_eq!(inspect.get(&id("b")), Some(&Loaded::Failed(GONE.into())));
        assert_eq!(inspect.refresh(), Some(Command::Inspect(id("b"))));
        assert!(inspect.is_loading());
        inspect.close();
        assert_eq!(inspect.refresh(), None);
        assert_eq!(inspect.get(&id("b")), None);
    }
}
