//! The application state: every image the engine reported, the order they are shown in, the
//! selection (by id, so it survives re-sorts and refreshes) and what we know of the engine.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

pub use super::action::EngineStatus;
use super::action::Viewport;
use super::cleanup::{Outcome, Plan, Target, Usage};
use super::dialog::Dialog;
use super::disk::Disk;
use super::filter::{Filter, FilterMatcher};
use super::image::{ContainerRef, Image, ImageId};
use super::inspect::Inspect;
use super::picker::Picker;
use super::search::{self, Hit, Needle, SearchText};
use super::sort::{OrderCache, SharedPrefix, Sort, SortColumns, sort_indices, swap_removed};

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
    /// A complete list has arrived at least once (from the engine or the cache).
    pub loaded: bool,
    /// The list shown is the one saved at this Unix time by an earlier run, not yet
    /// replaced by the engine's.
    pub cached_at: Option<i64>,
}

/// Sums shown in the status bar, kept up to date on every change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub count: usize,
    pub size: u64,
    pub dangling: usize,
    pub dangling_size: u64,
}

/// A removal or prune that was confirmed and is running.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    pub id: u64,
    pub plan: Plan,
    /// The images the jobs were sent for (the plan's, or the blocked ones when forced).
    pub targets: Vec<Target>,
    pub force: bool,
    /// A prune is re-checking what it would remove.
    pub checking: bool,
    pub results: Vec<(Target, Outcome)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// A one-line message in the status bar (what a clean-up did, why a key did nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub level: Level,
    pub text: String,
}

/// The filter query as the user typed it (`/`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub text: String,
    /// The prompt is open: keys type into `text`.
    pub editing: bool,
    /// Why `text` does not parse; the last query that did stays applied meanwhile.
    pub error: Option<String>,
}

#[derive(Debug)]
pub struct AppState {
    images: Vec<Image>,
    /// Where each id lives in `images`.
    positions: HashMap<ImageId, usize>,
    /// Which image holds each tag.
    tag_owners: TagOwners,
    /// Indices into `images` of every image, in the sort's order.
    sorted: Vec<u32>,
    /// Per image (same index as `images`): whether it passes the filter.
    passes: Vec<bool>,
    /// Indices into `images` of the rows shown: `sorted` minus what the filter hides.
    order: Vec<u32>,
    /// Orders for other sorts of the same data, so flipping between sorts is instant.
    orders: OrderCache,
    /// Containers per image from the container list; `None` until it arrived.
    containers: Option<HashMap<ImageId, Vec<ContainerRef>>>,
    /// Per index into `images`: its container count as `uses` gives it, so that sorting and
    /// filtering 100,000 images by it costs no hashing. Recounted on every change.
    uses: Vec<Option<u64>>,
    /// What every id and every name shares, kept up to date as images and tags come, so a
    /// sort reads each id and name once. Still right (if shorter) after a removal.
    ids_shared: SharedPrefix,
    names_shared: SharedPrefix,
    /// Per index into `images`: what a sort reads, kept in step with the images.
    columns: SortColumns,
    /// Marked images, for a bulk delete.
    marks: HashSet<ImageId>,
    sort: Sort,
    /// The last query that parsed, and the clock it judges ages by (fixed while it stays, so
    /// that rows do not come and go as time passes under the cursor).
    filter: Filter,
    filter_now: i64,
    /// One per filter thread (`recheck`); at least one.
    matchers: Vec<FilterMatcher>,
    pub query: Query,
    selected: Option<ImageId>,
    cursor: usize,
    offset: usize,
    totals: Totals,
    pub focus: Focus,
    pub detail_scroll: usize,
    pub viewport: Viewport,
    pub engine: EngineStatus,
    /// How the engine was chosen (`context dev`, `DOCKER_HOST`, `rootless Docker`), from the
    /// shell; empty when not told.
    pub engine_source: String,
    /// The engine picker (`c`), while open.
    pub picker: Option<Picker>,
    pub listing: Listing,
    pub last_error: Option<String>,
    pub help_open: bool,
    /// The help overlay's first line shown (it scrolls on short terminals).
    pub help_scroll: usize,
    pub should_quit: bool,
    /// Started with `--read-only`: every destructive key is refused.
    pub read_only: bool,
    /// Whether the mouse is captured (`--no-mouse`, config `general.mouse`): the help says
    /// what it does only when it does something.
    pub mouse: bool,
    pub dialog: Option<Dialog>,
    pub operation: Option<Operation>,
    pub notice: Option<Notice>,
    /// The inspect view (Enter) and the details fetched so far.
    pub inspect: Inspect,
    /// Every image's text, lower-cased in one buffer, for the filter.
    search: SearchText,
    /// Where the filter's needle matched each image in `search`, to resume from.
    hits: Hits,
    /// The filters typed on from, and whom they let through: Backspace goes back to one.
    narrowings: Narrowings,
    /// Image changes leave the order, counts and totals to `settle` (`defer_reorder`), and
    /// whether one did since.
    deferring: bool,
    reorder_due: bool,
    /// `docker system df` for images, asked for in the background.
    pub disk: Disk,
    /// Unix seconds, from the shell (`Message::Clock`).
    pub now: i64,
    pub(super) next_operation: u64,
}

impl AppState {
    pub fn new(sort: Sort, host: impl Into<String>) -> Self {
        AppState {
            images: Vec::new(),
            positions: HashMap::new(),
            tag_owners: TagOwners::default(),
            sorted: Vec::new(),
            passes: Vec::new(),
            order: Vec::new(),
            orders: OrderCache::default(),
            containers: None,
            uses: Vec::new(),
            ids_shared: SharedPrefix::default(),
            names_shared: SharedPrefix::default(),
            columns: SortColumns::default(),
            marks: HashSet::new(),
            sort,
            filter: Filter::default(),
            filter_now: 0,
            matchers: (0..filter_threads())
                .map(|_| FilterMatcher::default())
                .collect(),
            query: Query::default(),
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
                inspect_rows: 0,
                inspect_lines: 0,
                help_rows: 0,
                help_lines: 0,
            },
            engine: EngineStatus::Connecting {
                host: host.into(),
                attempt: 1,
            },
            engine_source: String::new(),
            picker: None,
            listing: Listing::default(),
            last_error: None,
            help_open: false,
            help_scroll: 0,
            should_quit: false,
            read_only: false,
            mouse: true,
            dialog: None,
            operation: None,
            notice: None,
            inspect: Inspect::default(),
            search: SearchText::default(),
            hits: Hits::default(),
            narrowings: Narrowings::default(),
            deferring: false,
            reorder_due: false,
            disk: Disk::default(),
            now: 0,
            next_operation: 0,
        }
    }

    // ----- queries -----

    /// Rows shown (images the filter lets through).
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
        uses(&self.containers, image)
    }

    /// Whether a forced delete would also remove the containers using the image: Podman's
    /// does (Docker's leaves them, showing the image as missing), so imgtui offers no force
    /// there.
    pub fn force_removes_containers(&self) -> bool {
        matches!(&self.engine, EngineStatus::Connected(info) if info.product == "Podman")
    }

    /// The containers using `image`, when the container list has arrived.
    pub fn containers_using(&self, image: &ImageId) -> Option<&[ContainerRef]> {
        let by_image = self.containers.as_ref()?;
        Some(by_image.get(image).map_or(&[], Vec::as_slice))
    }

    pub fn all_images(&self) -> impl Iterator<Item = &Image> {
        self.images.iter()
    }

    /// Every image in the sort's order, the ones the filter hides included: what a prune
    /// or a delete of marked images would consider.
    pub fn images_in_order(&self) -> impl Iterator<Item = &Image> {
        self.sorted.iter().map(|&i| &self.images[i as usize])
    }

    /// The rows shown, in order.
    pub fn shown_images(&self) -> impl Iterator<Item = &Image> {
        self.order.iter().map(|&i| &self.images[i as usize])
    }

    /// The query applied to the list (the last one typed that parses).
    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    pub fn is_filtered(&self) -> bool {
        !self.filter.is_empty()
    }

    pub fn is_marked(&self, id: &ImageId) -> bool {
        self.marks.contains(id)
    }

    /// How many images are marked and the bytes they hold.
    pub fn marked(&self) -> (usize, u64) {
        let bytes = self
            .marks
            .iter()
            .filter_map(|id| self.image(id))
            .fold(0u64, |sum, i| sum.saturating_add(i.size));
        (self.marks.len(), bytes)
    }

    /// Marked images in display order, those the filter hides included.
    pub fn marked_images(&self) -> impl Iterator<Item = &Image> {
        self.images_in_order()
            .filter(|image| self.marks.contains(&image.id))
    }

    /// The list shown is not known to be current: not loaded yet, or the engine is gone.
    pub fn is_stale(&self) -> bool {
        self.listing.cached_at.is_some()
            || (!matches!(self.engine, EngineStatus::Connected(_)) && self.listing.loaded)
    }

    // ----- changes (called from `update`) -----

    pub(super) fn replace_all(&mut self, images: Vec<Image>) {
        // Engines never list an id twice, but a duplicate must not break the index: the last
        // record of an id wins.
        let mut positions = HashMap::with_capacity(images.len());
        let mut kept: Vec<Image> = Vec::with_capacity(images.len());
        for image in images {
            match positions.entry(image.id.clone()) {
                Entry::Occupied(at) => kept[*at.get()] = image,
                Entry::Vacant(slot) => {
                    slot.insert(kept.len());
                    kept.push(image);
                }
            }
        }
        self.marks.retain(|id| positions.contains_key(id));
        self.search.invalidate();
        self.ids_shared = SharedPrefix::of(kept.iter().map(|i| i.id.as_str()));
        self.names_shared = SharedPrefix::of(kept.iter().filter_map(Image::primary_reference));
        self.columns = SortColumns::of(&kept, self.ids_shared.bytes(), self.names_shared.bytes());
        self.tag_owners.forget();
        self.images = kept;
        self.positions = positions;
        self.sorted = (0..self.images.len() as u32).collect();
        self.refilter_all();
        self.reorder(Changed::Everything);
    }

    /// Adds or replaces one image. What the new record does not know (an inspect response has
    /// no shared size or container count) is kept from the old one. A tag names one image, so
    /// any other image holding one of its tags has lost it: engines report the image a tag
    /// moved to (`docker load`, `docker build`), not always the one it left.
    pub(super) fn upsert(&mut self, mut image: Image) {
        let mut lost_a_tag = Vec::new();
        for tag in &image.repo_tags {
            if let Some(at) = self.tag_owners.holder(tag, &self.images)
                && self.images[at].id != image.id
            {
                self.images[at].repo_tags.retain(|t| t != tag);
                if !lost_a_tag.contains(&at) {
                    lost_a_tag.push(at);
                }
            }
        }
        let index = match self.positions.get(&image.id) {
            Some(&i) => {
                let old = &self.images[i];
                let dropped = old
                    .repo_tags
                    .iter()
                    .filter(|t| !image.repo_tags.contains(t));
                self.tag_owners.let_go(i, dropped.map(String::as_str));
                // An id names fixed content, so its size cannot change; but Docker 28's
                // inspect counts only stored content where its list also counts unpacked
                // files. Keep the list's figure so sizes do not jump on an untag.
                image.size = old.size;
                image.shared_size = image.shared_size.or(old.shared_size);
                image.containers = image.containers.or(old.containers);
                image.virtual_size = image.virtual_size.or(old.virtual_size);
                self.tag_owners.held(i, &image);
                self.images[i] = image;
                i
            }
            None => {
                let i = self.images.len();
                self.ids_shared.add(image.id.as_str());
                self.columns.push(&image);
                self.positions.insert(image.id.clone(), i);
                self.sorted.push(i as u32);
                self.passes.push(true);
                self.tag_owners.held(i, &image);
                self.images.push(image);
                if self.selected.is_none() {
                    self.cursor = 0;
                }
                i
            }
        };
        lost_a_tag.push(index);
        for &i in &lost_a_tag {
            self.changed_in_place(i);
        }
        self.reorder(Changed::Images(
            lost_a_tag.into_iter().map(|i| i as u32).collect(),
        ));
    }

    /// Image changes from here on (`upsert`, `remove`) patch only the images, their columns,
    /// search text and filter passes; the display order, container counts and totals wait
    /// for `settle`, which works them out once (a full sort) instead of after each change:
    /// at 100,000 images that tail cost 2.6 ms a removal, so a prune of 1,000 took 2.6 s.
    pub(super) fn defer_reorder(&mut self) {
        self.deferring = true;
    }

    /// Works out what deferred changes left undone; does nothing when none did.
    pub(super) fn settle(&mut self) {
        self.deferring = false;
        if std::mem::take(&mut self.reorder_due) {
            // Removals left `sorted` as it was: any permutation will do for a full sort.
            self.sorted.clear();
            self.sorted.extend(0..self.images.len() as u32);
            self.reorder(Changed::Everything);
        }
    }

    /// Image `i` changed where it is (new tags, another date), or is new at the end: its
    /// name joins the shared name prefix, and its sort columns, search text and filter
    /// passes follow.
    fn changed_in_place(&mut self, i: usize) {
        if let Some(name) = self.images[i].primary_reference() {
            self.names_shared.add(name);
        }
        self.columns.set(i, &self.images[i]);
        self.search.update(i, &self.images[i]);
        self.hits.changed(i);
        self.refilter(i);
    }

    pub(super) fn remove(&mut self, id: &ImageId) {
        let Some(index) = self.positions.remove(id) else {
            return;
        };
        self.marks.remove(id);
        self.search.swap_remove(index);
        self.hits.swap_remove(index);
        self.narrowings.swap_remove(index);
        let last = self.images.len() - 1;
        let gone = self.images.swap_remove(index);
        self.tag_owners
            .let_go(index, gone.repo_tags.iter().map(String::as_str));
        self.passes.swap_remove(index);
        self.columns.swap_remove(index);
        if index != last {
            self.positions.insert(self.images[index].id.clone(), index);
            self.tag_owners.held(index, &self.images[index]);
        }
        let (index, last) = (index as u32, last as u32);
        // Deferred, the order is sorted anew from scratch by `settle`.
        if !self.deferring {
            swap_removed(&mut self.sorted, index, last);
        }
        self.reorder(Changed::SwapRemoved { index, last });
    }

    pub(super) fn set_containers(&mut self, by_image: HashMap<ImageId, Vec<ContainerRef>>) {
        self.containers = Some(by_image);
        // Counts only matter to `in-use`/`unused` terms, and the other terms are costlier.
        if self.filter.uses_containers() {
            self.refilter_all();
        }
        self.reorder(Changed::Everything);
    }

    /// Another engine: none of these images, their containers or marks are its.
    pub(super) fn forget_images(&mut self) {
        self.containers = None;
        self.marks.clear();
        self.selected = None;
        self.cursor = 0;
        self.offset = 0;
        self.detail_scroll = 0;
        self.focus = Focus::List;
        self.replace_all(Vec::new());
    }

    pub(super) fn toggle_mark(&mut self, id: &ImageId) {
        if !self.marks.remove(id) {
            self.marks.insert(id.clone());
        }
    }

    pub(super) fn mark_all_shown(&mut self) {
        let ids: Vec<ImageId> = self.shown_images().map(|i| i.id.clone()).collect();
        self.marks.extend(ids);
    }

    pub(super) fn clear_marks(&mut self) {
        self.marks.clear();
    }

    /// A tag was removed: patch the image now rather than wait for the engine's event.
    pub(super) fn drop_reference(&mut self, id: &ImageId, reference: &str) {
        if let Some(&i) = self.positions.get(id) {
            self.images[i].repo_tags.retain(|t| t != reference);
            self.tag_owners.let_go(i, [reference].into_iter());
            self.changed_in_place(i);
            self.reorder(Changed::Images(vec![i as u32]));
        }
    }

    pub(super) fn set_sort(&mut self, sort: Sort) {
        self.sort = sort;
        self.apply_sort();
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
        self.inspect
            .set_size(viewport.inspect_rows, viewport.inspect_lines);
        self.detail_scroll = self.detail_scroll.min(self.max_detail_scroll());
        self.help_scroll = self.help_scroll.min(self.max_help_scroll());
        self.keep_cursor_visible();
    }

    pub(super) fn max_help_scroll(&self) -> usize {
        self.viewport
            .help_lines
            .saturating_sub(self.viewport.help_rows)
    }

    /// Scrolls the help overlay by `delta` lines, within its length.
    pub(super) fn scroll_help(&mut self, delta: isize) {
        self.help_scroll = self
            .help_scroll
            .saturating_add_signed(delta)
            .min(self.max_help_scroll());
    }

    pub(super) fn max_detail_scroll(&self) -> usize {
        self.viewport
            .detail_lines
            .saturating_sub(self.viewport.detail_rows)
    }

    /// After a change to the images or their containers: recounts, re-sorts and puts the
    /// cursor back on the selected image. The orders already computed are patched where
    /// only a few images changed, so an engine event costs no sort.
    fn reorder(&mut self, changed: Changed) {
        if self.deferring {
            self.reorder_due = true;
            return;
        }
        self.count_uses();
        match changed {
            Changed::Everything => self.orders.clear(),
            Changed::Images(changed) => {
                let (images, uses) = (&self.images, &self.uses);
                self.orders.patch(&changed, |sort, a, b| {
                    let (a, b) = (a as usize, b as usize);
                    let count = |i: usize| uses[i].unwrap_or(0);
                    sort.compare(&images[a], count(a), &images[b], count(b))
                });
            }
            Changed::SwapRemoved { index, last } => self.orders.swap_removed(index, last),
        }
        self.totals = self.images.iter().fold(
            Totals {
                count: self.images.len(),
                ..Totals::default()
            },
            |mut t, image| {
                t.size = t.size.saturating_add(image.size);
                if image.is_dangling() {
                    t.dangling += 1;
                    t.dangling_size = t.dangling_size.saturating_add(image.size);
                }
                t
            },
        );
        self.apply_sort();
    }

    /// Puts the images in the current sort's order (from the cache when this data was
    /// already sorted that way), then shows the ones the filter lets through.
    fn apply_sort(&mut self) {
        match self.orders.get(self.sort) {
            Some(cached) if cached.len() == self.sorted.len() => {
                self.sorted.copy_from_slice(cached)
            }
            _ => {
                let uses = &self.uses;
                let uses = |i: u32| uses[i as usize].unwrap_or(0);
                let (id_skip, name_skip) = (self.ids_shared.bytes(), self.names_shared.bytes());
                self.columns.rekey(&self.images, id_skip, name_skip);
                sort_indices(
                    &self.images,
                    &self.columns,
                    uses,
                    self.sort,
                    &mut self.sorted,
                );
                self.orders.put(self.sort, &self.sorted);
            }
        }
        self.show_filtered();
    }

    /// Takes the rows shown from `sorted` and `passes`, and puts the cursor back on the
    /// selected image; when that image is gone or hidden, the cursor stays at the same
    /// position (clamped).
    fn show_filtered(&mut self) {
        self.order.clear();
        if self.filter.is_empty() {
            self.order.extend_from_slice(&self.sorted);
        } else {
            let passes = &self.passes;
            self.order
                .extend(self.sorted.iter().filter(|&&i| passes[i as usize]));
        }
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

    // ----- the filter -----

    /// Sets the query text (a keystroke in the prompt, a quick toggle, `--filter`). When it
    /// parses it becomes the filter; otherwise the previous filter stays applied and
    /// `query.error` says what is wrong, so a query being typed never empties the list.
    pub fn set_query(&mut self, text: String) {
        let parsed = Filter::parse(&text);
        self.query.text = text;
        let filter = match parsed {
            Ok(filter) => filter,
            Err(error) => {
                self.query.error = Some(error.to_string());
                return;
            }
        };
        self.query.error = None;
        if filter == self.filter {
            return;
        }
        let narrows = filter.narrows(&self.filter);
        let previous = std::mem::replace(&mut self.filter, filter);
        if narrows {
            // Typing on at the end only narrows: re-check just the rows shown, by the same
            // clock, instead of every image; in memory order, which is faster than sort order.
            self.narrowings.push(previous, &self.passes);
            self.recheck(false);
        } else if let Some(passes) = self.narrowings.back_to(&self.filter) {
            // Backspace to a filter typed on from: who passed it has not changed since.
            self.passes = passes;
        } else {
            self.refilter_all();
        }
        self.show_filtered();
    }

    /// Image `index` changed: whether it passes the filter now, and each filter typed on
    /// from (so Backspace after an engine event still needs no full pass).
    fn refilter(&mut self, index: usize) {
        let image = &self.images[index];
        let text = self.search.of(index);
        let (containers, now) = (&self.containers, self.filter_now);
        let matcher = &mut self.matchers[0];
        self.passes[index] = passes(&self.filter, matcher, image, text, containers, now);
        self.narrowings.changed(index, |step| {
            passes(step, matcher, image, text, containers, now)
        });
    }

    fn refilter_all(&mut self) {
        self.narrowings.clear();
        self.filter_now = self.now;
        self.passes.clear();
        self.passes.resize(self.images.len(), true);
        if !self.filter.is_empty() {
            self.recheck(true);
        }
    }

    /// Checks every image (`all`), or only those that passed before (the filter narrowed),
    /// against the filter. At scale the images are split over a few threads: a pass over
    /// 100,000 images costs milliseconds, and a user typing pays it on every key.
    fn recheck(&mut self, all: bool) {
        let counted = self.filter.uses_containers();
        if counted {
            self.count_uses();
        }
        if self.filter.has_text_terms() {
            self.search.ensure(&self.images);
        }
        // One plain needle: remember where it matched each image, and when the next needle
        // only adds to its end, resume there (most keystrokes while typing).
        let single = self.filter.single_needle().cloned();
        let resume = match &single {
            Some(needle) if !all => self.hits.resumable(&self.search, needle, self.images.len()),
            _ => None,
        };
        self.hits.at.resize(self.images.len(), None);
        let (filter, uses, search, images, now) = (
            &self.filter,
            &self.uses,
            &self.search,
            &self.images,
            self.filter_now,
        );
        let single = single.as_ref();
        let check = |matcher: &mut FilterMatcher,
                     from: usize,
                     passes: &mut [bool],
                     hits: &mut [Option<Hit>]| {
            for (offset, (pass, hit)) in passes.iter_mut().zip(hits).enumerate() {
                if !(all || *pass) {
                    continue;
                }
                let index = from + offset;
                if let (Some(needle), Some(matched), Some(previous)) = (single, resume, *hit) {
                    *hit = search.find_after(index, needle, previous, matched);
                    *pass = hit.is_some();
                    continue;
                }
                let text = search.of(index);
                if let (Some(needle), Some(text)) = (single, text) {
                    *hit = text.find(needle, 0);
                    *pass = hit.is_some();
                    continue;
                }
                *hit = None;
                let used = if counted { uses[index] } else { None };
                *pass = filter.matches_with_text(matcher, &images[index], text, used, now);
            }
        };
        let threads = if images.len() >= PARALLEL_FROM {
            self.matchers.len()
        } else {
            1
        };
        let chunk = images.len().div_ceil(threads).max(1);
        let mut parts = self
            .passes
            .chunks_mut(chunk)
            .zip(self.hits.at.chunks_mut(chunk))
            .zip(self.matchers.iter_mut())
            .enumerate();
        let check = &check;
        std::thread::scope(|scope| {
            let first = parts.next();
            for (n, ((passes, hits), matcher)) in parts {
                scope.spawn(move || check(matcher, n * chunk, passes, hits));
            }
            if let Some((_, ((passes, hits), matcher))) = first {
                check(matcher, 0, passes, hits);
            }
        });
        self.hits.found(&self.search, single);
    }

    /// Fills `uses` for the images as they are now: a lookup per image in the container
    /// list (small: only images in use are in it), not a hash of every image's id.
    fn count_uses(&mut self) {
        self.uses.clear();
        match &self.containers {
            Some(by_image) => {
                self.uses.resize(self.images.len(), Some(0));
                for (id, containers) in by_image {
                    if let Some(&index) = self.positions.get(id) {
                        self.uses[index] = Some(containers.len() as u64);
                    }
                }
            }
            None => self
                .uses
                .extend(self.images.iter().map(|image| image.containers)),
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

/// What changed since the display orders were computed (`AppState::reorder`).
enum Changed {
    /// A new list, or container counts (which move many images in the containers sort).
    Everything,
    /// These images changed or were added at the end.
    Images(Vec<u32>),
    /// Image `index` is gone and image `last` took its place.
    SwapRemoved { index: u32, last: u32 },
}

/// Per image, where a one-needle filter matched in the search text (`None`: no match, or
/// not looked for), and for which needle and build of the text.
#[derive(Debug, Default)]
struct Hits {
    at: Vec<Option<Hit>>,
    needle: Option<Needle>,
    generation: u64,
}

impl Hits {
    /// How many leading bytes of `needle` the recorded hits already matched, when they can
    /// be resumed: same text build, every image covered, and `needle` extends theirs.
    fn resumable(&self, search: &SearchText, needle: &Needle, images: usize) -> Option<usize> {
        let old = self.needle.as_ref()?;
        (self.generation == search.generation()
            && self.at.len() == images
            && needle.bytes().starts_with(old.bytes()))
        .then_some(old.bytes().len())
    }

    /// Image `index` changed (or is new at the end): where the needle matched it before
    /// says nothing now, so the next pass looks afresh.
    fn changed(&mut self, index: usize) {
        if let Some(hit) = self.at.get_mut(index) {
            *hit = None;
        } else if index == self.at.len() {
            self.at.push(None);
        }
    }

    fn swap_remove(&mut self, index: usize) {
        if index < self.at.len() {
            self.at.swap_remove(index);
        }
    }

    /// The pass just made recorded hits for `needle` (or, with none, nothing usable).
    fn found(&mut self, search: &SearchText, needle: Option<&Needle>) {
        self.needle = needle.cloned();
        self.generation = search.generation();
    }
}

/// The chain of filters a query narrowed through as it was typed (each implied by the
/// next), oldest first, each with the images it let through. Going back to one (Backspace,
/// clearing the query) restores its passes instead of checking every image again. An image
/// that changes, comes or goes is checked against every step (`changed`, `swap_remove`); a
/// new list, new container counts the filter reads, or a new clock clears the chain.
#[derive(Debug, Default)]
struct Narrowings {
    chain: Vec<(Filter, Vec<bool>)>,
}

impl Narrowings {
    /// A long query keeps only its latest steps (at 100,000 images each costs 100 kB).
    const KEPT: usize = 32;

    fn push(&mut self, filter: Filter, passes: &[bool]) {
        if self.chain.len() == Self::KEPT {
            self.chain.remove(0);
        }
        self.chain.push((filter, passes.to_vec()));
    }

    /// The passes of `filter` if the chain holds it; it and the steps after it are dropped
    /// (the query is back there, and narrows from there again).
    fn back_to(&mut self, filter: &Filter) -> Option<Vec<bool>> {
        let at = self.chain.iter().rposition(|(step, _)| step == filter)?;
        self.chain.truncate(at + 1);
        self.chain.pop().map(|(_, passes)| passes)
    }

    /// Image `index` changed, or is new at the end: `check` says whether it passes a step.
    fn changed(&mut self, index: usize, mut check: impl FnMut(&Filter) -> bool) {
        for (step, passes) in &mut self.chain {
            let pass = check(step);
            match passes.get_mut(index) {
                Some(slot) => *slot = pass,
                None => passes.push(pass),
            }
        }
    }

    fn swap_remove(&mut self, index: usize) {
        for (_, passes) in &mut self.chain {
            passes.swap_remove(index);
        }
    }

    fn clear(&mut self) {
        self.chain.clear();
    }
}

/// Which image holds each tag (a tag names one image), so that a tag an event moves is
/// found by a lookup instead of by reading every image (4 ms an event at 100,000 images).
/// Built at the first lookup after a new list (10-30 ms at 100,000, which the list itself
/// then does not wait for). Every tag an image holds has an entry naming that image; an
/// entry may outlive its tag (an untag, another list order), so a lookup checks the image
/// still holds it.
#[derive(Debug, Default)]
struct TagOwners {
    by_tag: HashMap<Box<str>, u32>,
    built: bool,
}

impl TagOwners {
    /// A new list: built again when next looked in.
    fn forget(&mut self) {
        self.by_tag = HashMap::new();
        self.built = false;
    }

    /// The index of the image holding `tag`, if one does.
    fn holder(&mut self, tag: &str, images: &[Image]) -> Option<usize> {
        if !self.built {
            self.built = true;
            for (index, image) in images.iter().enumerate() {
                self.held(index, image);
            }
        }
        let at = *self.by_tag.get(tag)? as usize;
        let image = images.get(at)?;
        image.repo_tags.iter().any(|t| t == tag).then_some(at)
    }

    /// `image`, at `index`, holds each of its tags.
    fn held(&mut self, index: usize, image: &Image) {
        if !self.built {
            return;
        }
        for tag in &image.repo_tags {
            match self.by_tag.get_mut(tag.as_str()) {
                Some(at) => *at = index as u32,
                None => {
                    self.by_tag.insert(tag.as_str().into(), index as u32);
                }
            }
        }
    }

    /// The image at `index` no longer holds `tags`.
    fn let_go<'a>(&mut self, index: usize, tags: impl Iterator<Item = &'a str>) {
        for tag in tags {
            if self.by_tag.get(tag) == Some(&(index as u32)) {
                self.by_tag.remove(tag);
            }
        }
    }
}

/// From this many images on, a filter pass is split over threads (below, starting them
/// costs more than it saves).
const PARALLEL_FROM: usize = 20_000;

/// How many threads a filter pass uses: the cores there are, up to 4 (the pass is bound by
/// memory more than by computation beyond that).
fn filter_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4))
}

/// Whether `image` passes `filter`, one image at a time (after a change).
fn passes(
    filter: &Filter,
    matcher: &mut FilterMatcher,
    image: &Image,
    text: Option<search::Entry<'_>>,
    containers: &Option<HashMap<ImageId, Vec<ContainerRef>>>,
    now: i64,
) -> bool {
    // Hashing every id costs more than most terms: count only when a term asks.
    let used = if filter.uses_containers() {
        uses(containers, image)
    } else {
        None
    };
    filter.is_empty() || filter.matches_with_text(matcher, image, text, used, now)
}

/// Containers using `image`: our own count from the container list when we have it (old
/// APIs report -1), else what the engine reported.
fn uses(containers: &Option<HashMap<ImageId, Vec<ContainerRef>>>, image: &Image) -> Option<u64> {
    match containers {
        Some(by_image) => Some(by_image.get(&image.id).map_or(0, |c| c.len() as u64)),
        None => image.containers,
    }
}

/// What the planner needs to know of containers: their names, from the container list;
/// without it, the engine's own count (names unknown) or nothing.
impl Usage for AppState {
    fn containers(&self, image: &Image) -> Option<Vec<String>> {
        match &self.containers {
            Some(by_image) => by_image.containers(image),
            None => match image.containers? {
                0 => Some(Vec::new()),
                n => Some(vec![format!("{n} container(s)")]),
            },
        }
    }
}
