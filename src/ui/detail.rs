//! The detail pane: every field of the selected image.

use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::text::{MAX_VALUE_CHARS, safe, wrap};
use super::{View, theme};
use crate::core::filter::{Filter, FilterMatcher};
use crate::core::format;
use crate::core::image::{Descriptor, Image, Manifest};
use crate::core::state::AppState;

const KEY_WIDTH: usize = 14;

/// Draws the pane; returns (rows shown, lines in all) so the core can bound scrolling.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    view: &View,
    block: Block,
) -> (usize, usize) {
    let inner = block.inner(area);
    let rows = usize::from(inner.height);
    let width = usize::from(inner.width);
    let Some(image) = state.selected() else {
        let none = Line::styled("No image selected.", theme::dim());
        frame.render_widget(Paragraph::new(none).block(block), area);
        return (rows, 1);
    };
    let window = |scroll: usize| scroll..scroll.saturating_add(rows);
    let (mut visible, total) = lines(state, image, view.now, width, window(state.detail_scroll));
    // The scroll position comes from the last frame's line count; when the image or the
    // width changed since, the end may now be nearer.
    let scroll = state.detail_scroll.min(total.saturating_sub(rows));
    if scroll != state.detail_scroll {
        visible = lines(state, image, view.now, width, window(scroll)).0;
    }
    frame.render_widget(Paragraph::new(visible).block(block), area);
    (rows, total)
}

/// The pane's lines in `window` (line numbers), wrapped to `width`, and how many lines there
/// are in all. Lines outside the window are only counted, and a plain value is counted
/// without wrapping it: an image with 10,000 labels costs little more than a small one.
pub fn lines(
    state: &AppState,
    image: &Image,
    now: i64,
    width: usize,
    window: Range<usize>,
) -> (Vec<Line<'static>>, usize) {
    let mut out = Lines {
        lines: Vec::new(),
        width,
        window,
        count: 0,
    };
    out.field("ID", image.id.as_str());
    out.field(
        "Parent",
        image.parent_id.as_ref().map_or("none", |p| p.as_str()),
    );
    out.field(
        "Created",
        &format!(
            "{} ({})",
            super::absolute(image.created),
            format::relative_time(image.created, now)
        ),
    );
    out.field("Size", &bytes(image.size));
    out.field("Shared size", &shared_size(state, image, now));
    if let Some(virtual_size) = image.virtual_size {
        out.field("Virtual size", &bytes(virtual_size));
    }
    let containers = match (state.containers_of(image), image.containers) {
        (Some(n), Some(reported)) if n != reported => format!("{n} (engine reports {reported})"),
        (Some(n), _) => n.to_string(),
        (None, _) => "unknown".to_string(),
    };
    out.field("Containers", &containers);
    if image.is_dangling() {
        out.field("Status", "dangling (no tag refers to it)");
    }

    out.list("Tags", &image.repo_tags);
    out.list("Digests", &image.repo_digests);
    // While filtering, the labels the filter matched stand out: the list row shows a tag,
    // so this is where a match on a label shows.
    let mut matches = state
        .is_filtered()
        .then(|| (state.filter(), FilterMatcher::default()));
    out.labels(&image.labels, matches.as_mut());

    if let Some(descriptor) = &image.descriptor {
        out.heading("Descriptor".to_string());
        out.descriptor(descriptor);
    }
    if !image.manifests.is_empty() {
        out.heading(format!("Manifests ({})", image.manifests.len()));
        for manifest in &image.manifests {
            out.manifest(manifest);
        }
    }
    (out.lines, out.count)
}

fn bytes(n: u64) -> String {
    format!("{} ({n} bytes)", format::size(n))
}

struct Lines {
    /// The lines inside `window`.
    lines: Vec<Line<'static>>,
    width: usize,
    window: Range<usize>,
    /// Lines so far, inside the window or not.
    count: usize,
}

/// How many lines `parts`, joined, wrap into at `width`, when that is known without wrapping:
/// printable ASCII short enough to be shown whole is one column per byte.
fn plain_line_count(parts: &[&str], width: usize) -> Option<usize> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let plain = parts
        .iter()
        .all(|p| p.bytes().all(|b| (0x20..0x7f).contains(&b)));
    (plain && len <= MAX_VALUE_CHARS).then(|| len.div_ceil(width.max(1)).max(1))
}

impl Lines {
    fn push(&mut self, line: impl FnOnce() -> Line<'static>) {
        if self.window.contains(&self.count) {
            self.lines.push(line());
        }
        self.count += 1;
    }

    /// Counts a value that wraps into lines all outside the window, without building them;
    /// false (nothing counted) when it has to be built.
    fn counted_unseen(&mut self, parts: &[&str], width: usize) -> bool {
        let Some(n) = plain_line_count(parts, width) else {
            return false;
        };
        let outside =
            self.count.saturating_add(n) <= self.window.start || self.count >= self.window.end;
        if outside {
            self.count += n;
        }
        outside
    }

    /// `key   value`, the value wrapped under itself.
    fn field(&mut self, key: &str, value: &str) {
        self.keyed(key, value, 0);
    }

    fn keyed(&mut self, key: &str, value: &str, indent: usize) {
        let value_width = self.width.saturating_sub(KEY_WIDTH + indent).max(8);
        if self.counted_unseen(&[value], value_width) {
            return;
        }
        for (i, piece) in wrap(&safe(value), value_width).into_iter().enumerate() {
            let label = if i == 0 {
                safe(key).into_owned()
            } else {
                String::new()
            };
            self.push(|| {
                Line::from(vec![
                    Span::raw(" ".repeat(indent)),
                    Span::styled(format!("{label:<KEY_WIDTH$}"), theme::key()),
                    Span::raw(piece),
                ])
            });
        }
    }

    /// An indented value without a key, given in parts so that a line never shown is never
    /// joined.
    fn item(&mut self, parts: &[&str]) {
        self.styled_item(parts, Style::new);
    }

    /// `item`, with a style chosen only when the item is drawn.
    fn styled_item(&mut self, parts: &[&str], style: impl FnOnce() -> Style) {
        let width = self.width.saturating_sub(2).max(8);
        if self.counted_unseen(parts, width) {
            return;
        }
        let style = style();
        for piece in wrap(&safe(&parts.concat()), width) {
            self.push(|| Line::styled(format!("  {piece}"), style));
        }
    }

    fn heading(&mut self, title: String) {
        self.push(|| Line::raw(""));
        self.push(|| Line::styled(title, theme::header()));
    }

    fn list(&mut self, title: &str, items: &[String]) {
        self.heading(format!("{title} ({})", items.len()));
        if items.is_empty() {
            self.push(|| Line::styled("  none", theme::dim()));
        }
        for item in items {
            self.item(&[item]);
        }
    }

    /// The labels; those a fuzzy term of `matches` matches (key or value) are styled as
    /// matches. Only labels drawn are matched, so 10,000 labels cost no more while filtering.
    fn labels(
        &mut self,
        pairs: &[(String, String)],
        mut matches: Option<&mut (&Filter, FilterMatcher)>,
    ) {
        self.heading(format!("Labels ({})", pairs.len()));
        if pairs.is_empty() {
            self.push(|| Line::styled("  none", theme::dim()));
        }
        for (key, value) in pairs {
            self.styled_item(&[key, " = ", value], || {
                let hit = matches.as_deref_mut().is_some_and(|(filter, matcher)| {
                    !filter.highlights(matcher, key).is_empty()
                        || !filter.highlights(matcher, value).is_empty()
                });
                if hit { theme::matched() } else { Style::new() }
            });
        }
    }

    fn descriptor(&mut self, d: &Descriptor) {
        self.keyed("media type", &d.media_type, 2);
        self.keyed("digest", &d.digest, 2);
        self.keyed("size", &bytes(d.size), 2);
        if let Some(platform) = &d.platform {
            self.keyed("platform", &platform.to_string(), 2);
        }
        for (key, value) in &d.annotations {
            self.item(&[key, " = ", value]);
        }
    }

    fn manifest(&mut self, m: &Manifest) {
        let platform = m
            .platform
            .as_ref()
            .or(m.descriptor.platform.as_ref())
            .map_or("unknown platform".to_string(), ToString::to_string);
        let availability = if m.available {
            "available"
        } else {
            "not available"
        };
        self.push(|| Line::raw(""));
        self.item(&[&m.kind.to_string(), " · ", &platform, " · ", availability]);
        self.keyed("digest", &m.descriptor.digest, 2);
        self.keyed("media type", &m.descriptor.media_type, 2);
        self.keyed(
            "size",
            &format!(
                "content {} · total {}",
                format::size(m.content_size),
                format::size(m.total_size)
            ),
            2,
        );
        if let Some(unpacked) = m.unpacked_size {
            self.keyed("unpacked", &format::size(unpacked), 2);
        }
        if let Some(attests) = &m.attests {
            self.keyed("attests", attests, 2);
        }
    }
}

/// The engine's figure where the list carries one, else the latest `docker system df`
/// (with its own part beside it, and the figure's age: it is not updated per event).
fn shared_size(state: &AppState, image: &Image, now: i64) -> String {
    if let Some(shared) = image.shared_size {
        return bytes(shared);
    }
    let disk = &state.disk;
    match disk
        .usage
        .as_ref()
        .and_then(|u| Some((u.shared.get(&image.id)?, u.at)))
    {
        Some((&shared, at)) => format!(
            "{} · own {} (disk usage {})",
            format::size(shared),
            format::size(image.size.saturating_sub(shared)),
            format::relative_time(Some(at), now)
        ),
        None if disk.loading => "computing…".to_string(),
        None => "not computed (I computes it)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::image::ImageId;
    use crate::core::sort::Sort;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(ToString::to_string).collect()
    }

    /// Counting lines without wrapping them must agree with wrapping them: every window of
    /// the pane shows exactly the lines the whole pane has there.
    #[test]
    fn a_window_is_the_same_slice_of_the_whole_pane() {
        let mut image = Image {
            id: ImageId::new("sha256:0123456789abcdef"),
            repo_tags: vec!["app:1".into(), "漢字/ü:2".into(), "x".repeat(300)],
            ..Image::default()
        };
        image.labels = vec![
            ("a".into(), "short".into()),
            ("b".into(), "y".repeat(95)),
            ("c".into(), "🦀 wide 漢字 ".repeat(20)),
            ("d".into(), "\u{1b}]0;title\u{7} and \r".into()),
            ("e".into(), String::new()),
            ("f".into(), "v".repeat(10_000)),
        ];
        let state = AppState::new(Sort::default(), "unix:///x");
        for width in [1, 9, 20, 33, 80] {
            let (all, total) = lines(&state, &image, 0, width, 0..usize::MAX);
            assert_eq!(all.len(), total, "width {width}");
            // Every start where it is cheap, a spread of them where there are thousands.
            for start in (0..total).step_by((total / 100).max(1)).chain([total - 1]) {
                for rows in [1, 7] {
                    let (some, count) = lines(&state, &image, 0, width, start..start + rows);
                    assert_eq!(count, total, "width {width}");
                    let end = (start + rows).min(total);
                    assert_eq!(
                        text(&some),
                        text(&all[start..end]),
                        "width {width}, {start}+{rows}"
                    );
                }
            }
        }
    }
}
