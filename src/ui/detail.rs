//! The detail pane: every field of the selected image.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::text::{safe, wrap};
use super::{View, theme};
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
    let lines = match state.selected() {
        Some(image) => lines(state, image, view.now, usize::from(inner.width)),
        None => vec![Line::styled("No image selected.", theme::dim())],
    };
    let total = lines.len();
    let scroll = state.detail_scroll.min(total.saturating_sub(rows));
    let visible: Vec<Line> = lines.into_iter().skip(scroll).take(rows).collect();
    frame.render_widget(Paragraph::new(visible).block(block), area);
    (rows, total)
}

/// Builds the pane's lines, wrapped to `width`.
pub fn lines(state: &AppState, image: &Image, now: i64, width: usize) -> Vec<Line<'static>> {
    let mut out = Lines {
        lines: Vec::new(),
        width,
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
            format::absolute_time(image.created),
            format::relative_time(image.created, now)
        ),
    );
    out.field("Size", &bytes(image.size));
    out.field(
        "Shared size",
        &image.shared_size.map_or("not computed".to_string(), bytes),
    );
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
    out.pairs("Labels", &image.labels);

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
    out.lines
}

fn bytes(n: u64) -> String {
    format!("{} ({n} bytes)", format::size(n))
}

struct Lines {
    lines: Vec<Line<'static>>,
    width: usize,
}

impl Lines {
    /// `key   value`, the value wrapped under itself.
    fn field(&mut self, key: &str, value: &str) {
        self.keyed(key, value, 0);
    }

    fn keyed(&mut self, key: &str, value: &str, indent: usize) {
        let value_width = self.width.saturating_sub(KEY_WIDTH + indent).max(8);
        let pad = " ".repeat(indent);
        for (i, piece) in wrap(&safe(value), value_width).into_iter().enumerate() {
            let label = if i == 0 {
                safe(key).into_owned()
            } else {
                String::new()
            };
            self.lines.push(Line::from(vec![
                Span::raw(pad.clone()),
                Span::styled(format!("{label:<KEY_WIDTH$}"), theme::key()),
                Span::raw(piece),
            ]));
        }
    }

    /// An indented value without a key.
    fn item(&mut self, value: &str) {
        let width = self.width.saturating_sub(2).max(8);
        for piece in wrap(&safe(value), width) {
            self.lines.push(Line::raw(format!("  {piece}")));
        }
    }

    fn heading(&mut self, title: String) {
        self.lines.push(Line::raw(""));
        self.lines.push(Line::styled(title, theme::header()));
    }

    fn list(&mut self, title: &str, items: &[String]) {
        self.heading(format!("{title} ({})", items.len()));
        if items.is_empty() {
            self.lines.push(Line::styled("  none", theme::dim()));
        }
        for item in items {
            self.item(item);
        }
    }

    fn pairs(&mut self, title: &str, pairs: &[(String, String)]) {
        self.heading(format!("{title} ({})", pairs.len()));
        if pairs.is_empty() {
            self.lines.push(Line::styled("  none", theme::dim()));
        }
        for (key, value) in pairs {
            self.item(&format!("{key} = {value}"));
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
            self.item(&format!("{key} = {value}"));
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
        self.lines.push(Line::raw(""));
        self.item(&format!("{} · {platform} · {availability}", m.kind));
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
