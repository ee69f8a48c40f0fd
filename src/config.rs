//! The config file (TOML): key bindings, theme, default sort, mouse, refresh fallback and
//! date format. The defaults ship in `assets/config.toml`, built into the binary; a user's
//! file sets only what it changes. Every mistake is an error naming the file, line, column
//! and key: nothing is ignored silently.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use toml::Spanned;

use crate::core::action::Action;
use crate::core::format::DateFormat;
use crate::core::keymap::{self, KeyInput, KeyMap};
use crate::core::sort::{Sort, SortKey};
use crate::ui::theme::Theme;

/// The complete default config, commented (`imgtui --print-default-config`).
pub const DEFAULT: &str = include_str!("../assets/config.toml");

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub sort: Sort,
    pub mouse: bool,
    /// Seconds between full re-lists besides the event stream; 0 = never.
    pub refresh_fallback_secs: u64,
    pub date_format: DateFormat,
    pub keymap: KeyMap,
    pub theme: Theme,
}

impl Default for Config {
    /// The built-in defaults (what `assets/config.toml` says, see the tests).
    fn default() -> Self {
        Config {
            sort: Sort::default(),
            mouse: true,
            refresh_fallback_secs: 0,
            date_format: DateFormat::Relative,
            keymap: KeyMap::default(),
            theme: Theme::default(),
        }
    }
}

/// A mistake in a config file, where it is and what it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    /// The key as a dotted path ("keys.quit"); empty for a syntax error.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.path, self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    general: Option<RawGeneral>,
    keys: Option<BTreeMap<String, Spanned<Vec<Spanned<String>>>>>,
    theme: Option<BTreeMap<String, Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGeneral {
    sort: Option<Spanned<String>>,
    reverse: Option<bool>,
    mouse: Option<bool>,
    refresh_fallback_secs: Option<u64>,
    date_format: Option<Spanned<String>>,
}

struct Source<'a> {
    path: &'a str,
    text: &'a str,
}

impl Source<'_> {
    /// 1-based line and column (in characters) of a byte offset.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    fn error(&self, span: Range<usize>, key: String, message: String) -> ConfigError {
        let (line, column) = self.line_col(span.start);
        ConfigError {
            path: self.path.to_string(),
            line,
            column,
            key,
            message,
        }
    }

    /// The error at the start of the key whose value is at `span` (an unknown name).
    fn error_at_key(&self, value: Range<usize>, key: String, message: String) -> ConfigError {
        let line_start = self.text[..value.start.min(self.text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let indent = self.text[line_start..].len() - self.text[line_start..].trim_start().len();
        self.error(line_start + indent..value.end, key, message)
    }

    /// The dotted key a toml error's span falls on: the section above it and the key on
    /// its line.
    fn key_at(&self, offset: usize) -> String {
        let offset = offset.min(self.text.len());
        let line_start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i);
        let line = self.text[line_start..line_end].trim();
        let section = self.text[..line_start]
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| l.starts_with('[') && l.ends_with(']'))
            .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
        if line.starts_with('[') {
            return line
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
        }
        let key = line
            .split_once('=')
            .map(|(k, _)| k.trim().trim_matches('"').to_string())
            .unwrap_or_default();
        match section {
            Some(section) if !key.is_empty() => format!("{section}.{key}"),
            Some(section) => section,
            None => key,
        }
    }
}

impl Config {
    /// The defaults with what `text` (the file at `path`) sets on top.
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        let source = Source { path, text };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            // serde says "field"; the file's readers say "key" (a section is a key too).
            let message = e.message().trim().replace("unknown field", "unknown key");
            source.error(span.clone(), source.key_at(span.start), message)
        })?;
        let mut config = Config::default();
        if let Some(general) = raw.general {
            config.apply_general(general, &source)?;
        }
        if let Some(keys) = raw.keys {
            config.apply_keys(keys, &source)?;
        }
        if let Some(theme) = raw.theme {
            for (name, value) in theme {
                let key = format!("theme.{name}");
                let Some(style) = config.theme.style_mut(&name) else {
                    return Err(source.error_at_key(
                        value.span(),
                        key,
                        format!(
                            "unknown style {name:?} (known: {})",
                            Theme::NAMES.join(", ")
                        ),
                    ));
                };
                *style =
                    parse_style(value.get_ref()).map_err(|m| source.error(value.span(), key, m))?;
            }
        }
        Ok(config)
    }

    fn apply_general(&mut self, general: RawGeneral, source: &Source) -> Result<(), ConfigError> {
        if let Some(sort) = general.sort {
            self.sort.key = SortKey::parse(sort.get_ref()).ok_or_else(|| {
                let names: Vec<&str> = SortKey::ALL.iter().map(|k| k.name()).collect();
                source.error(
                    sort.span(),
                    "general.sort".into(),
                    format!(
                        "unknown sort {:?} (expected one of: {})",
                        sort.get_ref(),
                        names.join(", ")
                    ),
                )
            })?;
        }
        if let Some(reverse) = general.reverse {
            self.sort.reversed = reverse;
        }
        if let Some(mouse) = general.mouse {
            self.mouse = mouse;
        }
        if let Some(secs) = general.refresh_fallback_secs {
            self.refresh_fallback_secs = secs;
        }
        if let Some(format) = general.date_format {
            self.date_format = DateFormat::parse(format.get_ref())
                .map_err(|m| source.error(format.span(), "general.date_format".into(), m))?;
        }
        Ok(())
    }

    fn apply_keys(
        &mut self,
        keys: BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
        source: &Source,
    ) -> Result<(), ConfigError> {
        // Where each action the file binds is, for a conflict's message.
        let mut set_at = Vec::new();
        for (name, list) in keys {
            let key = format!("keys.{name}");
            let Some(action) = keymap::action_by_name(&name) else {
                return Err(source.error_at_key(
                    list.span(),
                    key,
                    format!("unknown action {name:?}"),
                ));
            };
            let span = list.span();
            let mut inputs = Vec::new();
            for text in list.into_inner() {
                let input = KeyInput::parse(text.get_ref()).ok_or_else(|| {
                    source.error(
                        text.span(),
                        key.clone(),
                        format!("unknown key {:?}", text.get_ref()),
                    )
                })?;
                inputs.push((input, text.span()));
            }
            // An empty list unbinds an action, but something must still quit.
            if inputs.is_empty() && action == Action::Quit {
                return Err(source.error(span, key, "quit needs at least one key".into()));
            }
            self.keymap
                .set_keys(action, inputs.iter().map(|(k, _)| *k).collect());
            set_at.push((action, name, span, inputs));
        }
        // A key for two actions: report it where the file binds it (the file's entry that
        // comes last, when both are in the file).
        set_at.sort_by_key(|(_, _, span, _)| std::cmp::Reverse(span.start));
        for (action, name, _, inputs) in &set_at {
            for (input, span) in inputs {
                let owners: Vec<_> = self
                    .keymap
                    .bindings()
                    .iter()
                    .filter(|b| b.keys.contains(input))
                    .map(|b| b.action)
                    .collect();
                if let Some(other) = owners.iter().find(|a| *a != action) {
                    let other = keymap::action_name(*other).unwrap_or("?");
                    return Err(source.error(
                        span.clone(),
                        format!("keys.{name}"),
                        format!(
                            "key {:?} is also bound to {other} (a key may trigger only one action)",
                            input.config_name()
                        ),
                    ));
                }
                if inputs.iter().filter(|(k, _)| k == input).count() > 1 {
                    return Err(source.error(
                        span.clone(),
                        format!("keys.{name}"),
                        format!("key {:?} is listed twice", input.config_name()),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A style: colours and modifiers separated by spaces, a background after "on"
/// ("black on yellow", "cyan bold underlined", "#ff8800", "208").
pub fn parse_style(text: &str) -> Result<Style, String> {
    let mut style = Style::new();
    let mut words = text.split_whitespace();
    let mut fg_set = false;
    while let Some(word) = words.next() {
        let lower = word.to_ascii_lowercase();
        if lower == "on" {
            let colour = words
                .next()
                .ok_or_else(|| format!("{text:?}: a colour must follow \"on\""))?;
            style = style.bg(parse_colour(colour)?);
        } else if let Some(modifier) = parse_modifier(&lower) {
            style = style.add_modifier(modifier);
        } else if !fg_set {
            style = style.fg(parse_colour(word)?);
            fg_set = true;
        } else {
            return Err(format!(
                "{text:?}: {word:?} is neither a modifier nor a background (write \"on {word}\")"
            ));
        }
    }
    Ok(style)
}

fn parse_modifier(word: &str) -> Option<Modifier> {
    Some(match word {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" => Modifier::UNDERLINED,
        "reversed" => Modifier::REVERSED,
        "crossed_out" => Modifier::CROSSED_OUT,
        _ => return None,
    })
}

/// A named colour, `#rrggbb`, or an index 0..=255.
pub fn parse_colour(text: &str) -> Result<Color, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix('#') {
        if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            let v = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
            return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
        }
        return Err(format!("bad colour {text:?} (expected #rrggbb)"));
    }
    if lower.chars().all(|c| c.is_ascii_digit()) && !lower.is_empty() {
        return lower
            .parse::<u8>()
            .map(Color::Indexed)
            .map_err(|_| format!("bad colour {text:?} (an index is 0..255)"));
    }
    Ok(match lower.as_str() {
        "reset" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return Err(format!("bad colour {text:?}")),
    })
}

/// `NO_COLOR` as <https://no-color.org> says: set and not empty.
pub fn no_color(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

/// `$XDG_CONFIG_HOME/imgtui/config.toml`, else `~/.config/imgtui/config.toml`.
pub fn default_path(
    xdg_config_home: Option<&std::ffi::OsStr>,
    home: Option<&std::ffi::OsStr>,
) -> Option<PathBuf> {
    let base = match xdg_config_home.map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        _ => PathBuf::from(home.filter(|h| !h.is_empty())?).join(".config"),
    };
    Some(base.join("imgtui").join("config.toml"))
}

/// The file in use: `--config FILE`, else the default path.
pub fn chosen_path(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit.map(Path::to_path_buf).or_else(|| {
        default_path(
            std::env::var_os("XDG_CONFIG_HOME").as_deref(),
            std::env::var_os("HOME").as_deref(),
        )
    })
}

/// Reads the config: a missing file at the default path is the defaults; a missing
/// `--config FILE` is an error, as is any mistake in either.
pub fn load(explicit: Option<&Path>) -> Result<Config, String> {
    let Some(path) = chosen_path(explicit) else {
        return Ok(Config::default());
    };
    let shown = path.display().to_string();
    match std::fs::read_to_string(&path) {
        Ok(text) => Config::parse(&text, &shown).map_err(|e| e.to_string()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
            Ok(Config::default())
        }
        Err(err) => Err(format!("{shown}: cannot read the config: {err}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, "/c/config.toml")
    }

    fn err(text: &str) -> ConfigError {
        parse(text).expect_err("must be refused")
    }

    #[test]
    fn the_shipped_default_is_exactly_the_built_in_one() {
        let parsed = parse(DEFAULT).unwrap();
        assert_eq!(parsed.keymap, KeyMap::default());
        assert_eq!(parsed.theme, Theme::default());
        assert_eq!(parsed, Config::default());
        // And it says so explicitly: every action and every style is in it.
        for (name, _) in keymap::ACTION_NAMES {
            assert!(DEFAULT.contains(&format!("\n{name} = [")), "{name}");
        }
        for name in Theme::NAMES {
            assert!(DEFAULT.contains(&format!("\n{name} = \"")), "{name}");
        }
    }

    #[test]
    fn a_file_sets_only_what_it_names() {
        let config = parse(
            "[general]\nsort = \"name\"\nmouse = false\nrefresh_fallback_secs = 300\n\
             date_format = \"%Y-%m-%d\"\n[keys]\nquit = [\"x\"]\n[theme]\nkey = \"#ff8800 bold\"\n",
        )
        .unwrap();
        assert_eq!(config.sort.key, SortKey::Name);
        assert!(!config.sort.reversed);
        assert!(!config.mouse);
        assert_eq!(config.refresh_fallback_secs, 300);
        assert_eq!(config.date_format, DateFormat::Pattern("%Y-%m-%d".into()));
        assert_eq!(
            config.keymap.action_for(KeyInput::ch('x')),
            Some(Action::Quit)
        );
        assert_eq!(config.keymap.action_for(KeyInput::ch('q')), None);
        assert_eq!(
            config.keymap.action_for(KeyInput::ch('j')),
            Some(Action::Down)
        );
        assert_eq!(
            config.theme.key,
            Style::new()
                .fg(Color::Rgb(0xff, 0x88, 0))
                .add_modifier(Modifier::BOLD)
        );
        assert_eq!(config.theme.error, Theme::default().error);
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn the_readme_example_parses() {
        let config = parse(
            "[general]\nsort = \"created\"\ndate_format = \"%Y-%m-%d\"\nrefresh_fallback_secs = 0\n\
             [keys]\nquit = [\"x\", \"Ctrl-c\"]\nmove_down = [\"n\", \"Down\"]\n\
             [theme]\nselected = \"black on #ffaf00 bold\"\n",
        )
        .unwrap();
        assert_eq!(config.sort.key, SortKey::Created);
        assert_eq!(
            config.keymap.action_for(KeyInput::ch('n')),
            Some(Action::Down)
        );
        assert_eq!(
            config.theme.selected,
            Style::new()
                .fg(Color::Black)
                .bg(Color::Rgb(0xff, 0xaf, 0))
                .add_modifier(Modifier::BOLD)
        );
    }

    #[test]
    fn a_key_can_move_from_one_action_to_another() {
        // `q` leaves quit and goes to move_down: no conflict once both are set.
        let config = parse("[keys]\nquit = [\"Ctrl-c\"]\nmove_down = [\"q\"]\n").unwrap();
        assert_eq!(
            config.keymap.action_for(KeyInput::ch('q')),
            Some(Action::Down)
        );
        assert_eq!(config.keymap.action_for(KeyInput::ch('j')), None);
    }

    fn where_(e: &ConfigError) -> (usize, usize, &str) {
        (e.line, e.column, e.key.as_str())
    }

    #[test]
    fn every_mistake_names_its_line_column_and_key() {
        let e = err("[general]\nsort = \"size\"\n\n[keys]\nquit = [\"q\", \"Ctrl-ü\"]\n");
        assert_eq!(where_(&e), (5, 14, "keys.quit"));
        assert_eq!(
            e.to_string(),
            "/c/config.toml:5:14: keys.quit: unknown key \"Ctrl-ü\""
        );

        let e = err("[keys]\n  launch = [\"l\"]\n");
        assert_eq!(where_(&e), (2, 3, "keys.launch"));
        assert!(e.message.contains("unknown action \"launch\""), "{e}");

        let e = err("[keys]\nquit = [\"j\"]\n");
        assert_eq!(where_(&e), (2, 9, "keys.quit"));
        assert!(e.message.contains("also bound to move_down"), "{e}");

        let e = err("[keys]\nquit = [\"x\", \"x\"]\n");
        assert_eq!(where_(&e), (2, 9, "keys.quit"));
        assert!(e.message.contains("twice"), "{e}");

        let e = err("[keys]\nquit = []\n");
        assert_eq!(where_(&e), (2, 8, "keys.quit"));
        assert!(e.message.contains("at least one key"), "{e}");
        let unbound = parse("[keys]\nprune = []\n").unwrap();
        assert_eq!(unbound.keymap.action_for(KeyInput::ch('P')), None);

        let e = err("[theme]\nkey = \"cyan\"\nerror = \"redish\"\n");
        assert_eq!(where_(&e), (3, 9, "theme.error"));
        assert!(e.message.contains("bad colour \"redish\""), "{e}");

        let e = err("[theme]\nkeys = \"cyan\"\n");
        assert_eq!(where_(&e), (2, 1, "theme.keys"));
        assert!(e.message.contains("unknown style"), "{e}");

        let e = err("[general]\nsort = \"colour\"\n");
        assert_eq!(where_(&e), (2, 8, "general.sort"));
        assert!(e.message.contains("unknown sort \"colour\""), "{e}");

        let e = err("[general]\ndate_format = \"%Y-%q\"\n");
        assert_eq!(where_(&e), (2, 15, "general.date_format"));
        assert!(e.message.contains("%q"), "{e}");

        let e = err("[general]\nsort = \"size\"\nmause = true\n");
        assert_eq!(where_(&e), (3, 1, "general.mause"));
        assert!(e.message.contains("unknown key `mause`"), "{e}");

        let e = err("[general]\nmouse = \"yes\"\n");
        assert_eq!((e.line, e.key.as_str()), (2, "general.mouse"));

        let e = err("[colours]\nkey = \"cyan\"\n");
        assert_eq!((e.line, e.key.as_str()), (1, "colours"));
        assert!(e.message.contains("unknown key `colours`"), "{e}");

        let e = err("[general]\nsort = \"size\n");
        assert_eq!(e.line, 2);
        assert!(e.to_string().starts_with("/c/config.toml:2:"), "{e}");
    }

    #[test]
    fn styles_and_colours() {
        assert_eq!(parse_colour("Cyan"), Ok(Color::Cyan));
        assert_eq!(parse_colour("#0a0B0c"), Ok(Color::Rgb(10, 11, 12)));
        assert_eq!(parse_colour("123"), Ok(Color::Indexed(123)));
        for bad in ["256", "#12345", "#gggggg", "purple", ""] {
            assert!(parse_colour(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_style("black on yellow"),
            Ok(Style::new().fg(Color::Black).bg(Color::Yellow))
        );
        assert_eq!(
            parse_style("bold reversed"),
            Ok(Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED))
        );
        assert_eq!(parse_style(""), Ok(Style::new()));
        assert!(parse_style("red blue").is_err());
        assert!(parse_style("red on").is_err());
    }

    #[test]
    fn no_color_means_set_and_not_empty() {
        use std::ffi::OsStr;
        assert!(no_color(Some(OsStr::new("1"))));
        assert!(!no_color(Some(OsStr::new(""))));
        assert!(!no_color(None));
    }

    #[test]
    fn the_path_follows_xdg_then_home() {
        use std::ffi::OsStr;
        assert_eq!(
            default_path(Some(OsStr::new("/x")), Some(OsStr::new("/h"))),
            Some(PathBuf::from("/x/imgtui/config.toml"))
        );
        assert_eq!(
            default_path(Some(OsStr::new("relative")), Some(OsStr::new("/h"))),
            Some(PathBuf::from("/h/.config/imgtui/config.toml"))
        );
        assert_eq!(
            default_path(None, Some(OsStr::new("/h"))),
            Some(PathBuf::from("/h/.config/imgtui/config.toml"))
        );
        assert_eq!(default_path(None, None), None);
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        let err = load(Some(Path::new("/nonexistent/imgtui.toml"))).unwrap_err();
        assert!(
            err.starts_with("/nonexistent/imgtui.toml: cannot read"),
            "{err}"
        );
    }
}
