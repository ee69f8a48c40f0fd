//! Colours and styles in one place: the `Theme` (built from the config file) that the frame
//! being drawn uses. `ui::render` installs the view's theme for the frame, so the drawing
//! code asks for a style by name (`theme::key()`) and never passes the theme around.

use std::cell::Cell;

use ratatui::style::{Color, Modifier, Style};

/// Every style the UI uses; `Default` is the built-in look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub header: Style,
    pub selected: Style,
    pub dim: Style,
    pub dangling: Style,
    pub error: Style,
    pub warning: Style,
    pub key: Style,
    pub focused_border: Style,
    pub border: Style,
    pub ok: Style,
    /// Marked rows: for a bulk delete.
    pub marked: Style,
    /// The characters a filter term matched.
    pub matched: Style,
    pub read_only: Style,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            header: Style::new().add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            dim: Style::new().fg(Color::DarkGray),
            dangling: Style::new().fg(Color::Yellow),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            warning: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            key: Style::new().fg(Color::Cyan),
            focused_border: Style::new().fg(Color::Cyan),
            border: Style::new().fg(Color::DarkGray),
            ok: Style::new().fg(Color::Green),
            marked: Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
            matched: Style::new()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            read_only: Style::new().fg(Color::Black).bg(Color::Yellow),
        }
    }
}

impl Theme {
    /// The style names of the config file's `[theme]` section, with their fields.
    pub const NAMES: [&'static str; 13] = [
        "header",
        "selected",
        "dim",
        "dangling",
        "error",
        "warning",
        "key",
        "focused_border",
        "border",
        "ok",
        "marked",
        "matched",
        "read_only",
    ];

    pub fn style_mut(&mut self, name: &str) -> Option<&mut Style> {
        Some(match name {
            "header" => &mut self.header,
            "selected" => &mut self.selected,
            "dim" => &mut self.dim,
            "dangling" => &mut self.dangling,
            "error" => &mut self.error,
            "warning" => &mut self.warning,
            "key" => &mut self.key,
            "focused_border" => &mut self.focused_border,
            "border" => &mut self.border,
            "ok" => &mut self.ok,
            "marked" => &mut self.marked,
            "matched" => &mut self.matched,
            "read_only" => &mut self.read_only,
            _ => return None,
        })
    }

    /// For `NO_COLOR`: the same modifiers (so the selection stays visible), no colours.
    pub fn without_colours(mut self) -> Theme {
        for name in Theme::NAMES {
            if let Some(style) = self.style_mut(name) {
                *style = Style::new()
                    .add_modifier(style.add_modifier)
                    .remove_modifier(style.sub_modifier);
            }
        }
        self
    }
}

thread_local! {
    static CURRENT: Cell<Theme> = Cell::new(Theme::default());
}

/// Makes `theme` the one the style functions below answer with (on this thread).
pub fn install(theme: &Theme) {
    CURRENT.with(|c| c.set(*theme));
}

fn current() -> Theme {
    CURRENT.with(Cell::get)
}

pub fn header() -> Style {
    current().header
}

pub fn selected() -> Style {
    current().selected
}

pub fn dim() -> Style {
    current().dim
}

pub fn dangling() -> Style {
    current().dangling
}

pub fn error() -> Style {
    current().error
}

pub fn warning() -> Style {
    current().warning
}

pub fn key() -> Style {
    current().key
}

pub fn focused_border() -> Style {
    current().focused_border
}

pub fn border() -> Style {
    current().border
}

pub fn ok() -> Style {
    current().ok
}

/// Marked rows: for a bulk delete.
pub fn marked() -> Style {
    current().marked
}

/// The characters a filter term matched.
pub fn matched() -> Style {
    current().matched
}

pub fn read_only() -> Style {
    current().read_only
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_colours_keeps_only_the_modifiers() {
        let plain = Theme::default().without_colours();
        assert_eq!(
            plain.selected,
            Style::new().add_modifier(Modifier::REVERSED)
        );
        assert_eq!(plain.error, Style::new().add_modifier(Modifier::BOLD));
        assert_eq!(plain.read_only, Style::new());
        for name in Theme::NAMES {
            let style = *plain.clone().style_mut(name).unwrap();
            assert_eq!((style.fg, style.bg), (None, None), "{name}");
        }
    }
}
