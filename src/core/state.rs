//! The application state: every image the engine reported, the order they are shown in, the
//! selection (by id, so it survives re-sorts and refreshes) and what we know of the engine.

use std::collections::HashMap;

pub use super::action::EngineStatus;
use super::action::Viewport;
use super::image::{Image, ImageId};
use super::sort::{Sort, sort_indices};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Focus {
    #[default]
    List,
    Detail,
}

/// Progress of the full listing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// Bumped on every user refresh; results tagged with an older one are dropped.
    pub generation: u64,
    pub in_flight: bool,
    /// A complete list has arrived at least once.
    pub loaded: bool,
}

/// Sums shown in the status bar, kept up to date on every change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub count: usize,
    pub size: u64,
    pub dangling: usize,
    pub dangling_size: u64,
}

#[derive(Debug)]
pub struct AppState {
    images: Vec<Image>,
    /// Where each id lives in `images`.
    positions: HashMap<ImageId, usize>,
    /// Indices into `images`, in display order.
    order: Vec<u32>,
    /// Containers per image counted from the container list; `None` until it arrived.
    counted_containers: Option<HashMap<ImageId, u64>>,
    sort: Sort,
    selected: Option<ImageId>,
    cursor: usize,
    offset: usize,
    totals: Totals,
    pub focus: Focus,
    pub detail_scroll: usize,
    pub viewport: Viewport,
    pub engine: EngineStatus,
    pub listing: Listing,
    pub last_error: Option<String>,
    pub help_open: bool,
    pub should_quit: bool,
}

impl AppState {
    pub fn new(sort: Sort, host: impl Into<String>) -> Self {
        AppState {
            images: Vec::new(),
            positions: HashMap::new(),
            order: Vec::new(),
            counted_containers: None,
            sort,
            selected: None,
            cursor: 0,
            offset: 0,
            totals: Totals::default(),
            focus: Focus::List,
            detail_scroll: 0,
            viewport: Viewport {
                list_rows: 20,
                detail_rows: 20,
                detail_lines: 0,
            },
            engine: EngineStatus::Connecting {
                host: host.into(),
                attempt: 1,
            },
            listing: Listing::default(),
            last_error: None,
            help_open: false,
            should_quit: false,
        }
    }

    // ----- queries -----

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn sort(&self) -> Sort {
        self.sort
    }

    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// Position of the selected row in display order (0 when the list is empty).
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// First row shown in the list pane.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The image at a display position.
    pub fn row(&self, position: usize) -> Option<&Image> {
        let index = *self.order.get(position)?;
        self.images.get(index as usize)
    }

    /// The rows that fit the list pane, with their display positions.
    pub fn visible_rows(&self, rows: usize) -> impl Iterator<Item = (usize, &Image)> {
        let end = self.offset.saturating_add(rows).min(self.order.len());
        (self.offset.min(end)..end).map(|p| (p, &self.images[self.order[p] as usize]))
    }

    pub fn selected(&self) -> Option<&Image> {
        let id = self.selected.as_ref()?;
        self.image(id)
    }

    pub fn image(&self, id: &ImageId) -> Option<&Image> {
        self.positions.get(id).map(|&i| &self.images[i])
    }

    /// Containers using `image`: our own count from the container list when we have it
    /// (old APIs report -1), else what the engine reported.
    pub fn containers_of(&self, image: &Image) -> Option<u64> {
        match &self.counted_containers {
            Some(counts) => Some(counts.get(&image.id).copied().unwrap_or(0)),
            None => image.containers,
        }
    }

    /// The list shown is not known to be current: not loaded yet, or the engine is gone.
    pub fn is_stale(&self) -> bool {
        !matches!(self.engine, EngineStatus::Connected(_)) && self.listing.loaded
    }

    // ----- changes (called from `update`) -----

    pub(super) fn replace_all(&mut self, images: Vec<Image>) {
        self.images = images;
        // Engines never list an id twice, but a duplicate must not break the index.
        self.images.sort_by(|a, b| a.id.cmp(&b.id));
        self.images.dedup_by(|a, b| a.id == b.id);
        self.positions = self
            .images
            .iter()
            .enumerate()
            .map(|(i, image)| (image.id.clone(), i))
            .collect();
        self.order = (0..self.images.len() as u32).collect();
        self.reorder();
    }

    /// Adds or replaces one image. What the new record does not know (an inspect response has
    /// no shared size or container count) is kept from the old one. A tag names one image, so
    /// any other image holding one of its tags has lost it: engines report the image a tag
    /// moved to (`docker load`, `docker build`), not always the one it left.
    pub(super) fn upsert(&mut self, mut image: Image) {
        if !image.repo_tags.is_empty() {
            for other in self.images.iter_mut().filter(|o| o.id != image.id) {
                if other.repo_tags.iter().any(|t| image.repo_tags.contains(t)) {
                    other.repo_tags.retain(|t| !image.repo_tags.contains(t));
                }
            }
        }
        match self.positions.get(&image.id) {
            Some(&i) => {
                let old = &self.images[i];
                image.shared_size = image.shared_size.or(old.shared_size);
                image.containers = image.containers.or(old.containers);
                image.virtual_size = image.virtual_size.or(old.virtual_size);
                self.images[i] = image;
            }
            None => {
                self.positions.insert(image.id.clone(), self.images.len());
                self.order.push(self.images.len() as u32);
                self.images.push(image);
                if self.selected.is_none() {
                    self.cursor = 0;
                }
            }
        }
        self.reorder();
    }

    pub(super) fn remove(&mut self, id: &ImageId) {
        let Some(index) = self.positions.remove(id) else {
            return;
        };
        let last = self.images.len() - 1;
        self.images.swap_remove(index);
        if index != last {
            self.positions.insert(self.images[index].id.clone(), index);
        }
        self.order.retain(|&i| i as usize != index);
        for i in &mut self.order {
            if *i as usize == last {
                *i = index as u32;
            }
        }
        self.reorder();
    }

    pub(super) fn set_container_counts(&mut self, counts: HashMap<ImageId, u64>) {
        self.counted_containers = Some(counts);
        self.reorder();
    }

    pub(super) fn set_sort(&mut self, sort: Sort) {
        self.sort = sort;
        self.reorder();
    }

    /// Moves the cursor by `delta` rows, clamped to the list.
    pub(super) fn move_cursor(&mut self, delta: isize) {
        if self.order.is_empty() {
            return;
        }
        let target = self
            .cursor
            .saturating_add_signed(delta)
            .min(self.order.len() - 1);
        self.select_position(target);
    }

    pub(super) fn select_position(&mut self, position: usize) {
        if self.order.is_empty() {
            return;
        }
        let position = position.min(self.order.len() - 1);
        let id = &self.images[self.order[position] as usize].id;
        if self.selected.as_ref() != Some(id) {
            self.selected = Some(id.clone());
            self.detail_scroll = 0;
        }
        self.cursor = position;
        self.keep_cursor_visible();
    }

    pub(super) fn set_viewport(&mut self, viewport: Viewport) {
        self.viewport = viewport;
        self.detail_scroll = self.detail_scroll.min(self.max_detail_scroll());
        self.keep_cursor_visible();
    }

    pub(super) fn max_detail_scroll(&self) -> usize {
        self.viewport
            .detail_lines
            .saturating_sub(self.viewport.detail_rows)
    }

    /// Re-sorts, recounts and puts the cursor back on the selected image; when that image is
    /// gone, the cursor stays at the same position (clamped).
    fn reorder(&mut self) {
        let counts = &self.counted_containers;
        let uses = |image: &Image| match counts {
            Some(c) => c.get(&image.id).copied().unwrap_or(0),
            None => image.containers.unwrap_or(0),
        };
        sort_indices(&self.images, uses, self.sort, &mut self.order);
        self.totals = self.images.iter().fold(
            Totals {
                count: self.images.len(),
                ..Totals::default()
            },
            |mut t, image| {
                t.size += image.size;
                if image.is_dangling() {
                    t.dangling += 1;
                    t.dangling_size += image.size;
                }
                t
            },
        );
        let found = self.selected.as_ref().and_then(|id| {
            let index = *self.positions.get(id)? as u32;
            self.order.iter().position(|&i| i == index)
        });
        match found {
            Some(position) => {
                self.cursor = position;
                self.keep_cursor_visible();
            }
            None if self.order.is_empty() => {
                self.selected = None;
                self.cursor = 0;
                self.offset = 0;
            }
            None => self.select_position(self.cursor),
        }
    }

    fn keep_cursor_visible(&mut self) {
        let rows = self.viewport.list_rows.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + rows {
            self.offset = self.cursor + 1 - rows;
        }
        // Never leave blank rows at the bottom while there are rows above to show.
        self.offset = self.offset.min(self.order.len().saturating_sub(rows));
    }
}
