//! The event loop: merges key presses, engine results, signals and a spinner tick into
//! messages for the core, runs the commands it returns, and redraws only after a change.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures_util::StreamExt;
use tokio::signal::unix::{SignalKind, signal};

use crate::connect;
use crate::connect::discover::is_socket;
use crate::connect::resolve::{Environment, Located};
use crate::core::action::{Command, Message};
use crate::core::format::DateFormat;
use crate::core::keymap::{Key, KeyInput, KeyMap};
use crate::core::picker::Switched;
use crate::core::sort::Sort;
use crate::core::state::{AppState, EngineStatus};
use crate::engine::cache::ListCache;
use crate::engine::worker::{EngineHandle, EngineRequest};
use crate::session::Session;
use crate::terminal::Screen;
use crate::ui::theme::Theme;
use crate::ui::{self, View};

const SPINNER_INTERVAL: Duration = Duration::from_millis(100);
/// Relative times ("3 minutes ago") age even when nothing happens.
const CLOCK_INTERVAL: Duration = Duration::from_secs(30);

pub struct Options {
    /// The engine to start with and how it was found.
    pub located: Located,
    /// The flags and variables it was found with; the engine picker resolves with them.
    pub environment: Environment,
    pub sort: Sort,
    pub read_only: bool,
    /// The filter query to start with (`--filter`); checked to parse before the terminal
    /// is taken over.
    pub filter: String,
    /// Keep the last list of each engine between runs (off with `--no-cache`).
    pub use_cache: bool,
    /// Report clicks and the wheel (off with `--no-mouse`; `main` turns capture on and off).
    pub mouse: bool,
    /// From the config file (the built-in defaults without one).
    pub keymap: KeyMap,
    pub theme: Theme,
    /// Seconds between safety-net re-lists (0 = never).
    pub refresh_fallback_secs: u64,
    pub date_format: DateFormat,
}

pub async fn run(terminal: &mut Screen, options: Options) -> Result<()> {
    let keymap = options.keymap;
    let theme = options.theme;
    let date_format = options.date_format;
    let mut state = AppState::new(options.sort, options.located.endpoint.to_string());
    state.engine_source = options.located.source.label();
    state.read_only = options.read_only;
    state.mouse = options.mouse;
    state.update(Message::Clock(now()));
    state.set_query(options.filter.clone());
    let fallback = (options.refresh_fallback_secs > 0)
        .then(|| Duration::from_secs(options.refresh_fallback_secs));
    let shell = Shell {
        environment: options.environment,
        use_cache: options.use_cache,
        fallback,
    };
    let mut session = Session::start(options.located, options.use_cache, fallback, 0);
    let mut input = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut spinner = tokio::time::interval(SPINNER_INTERVAL);
    let mut clock = tokio::time::interval(CLOCK_INTERVAL);
    let mut tick: u64 = 0;
    let mut dirty = true;

    // A test hook: proves the terminal is restored when imgtui panics.
    let panic_after_first_frame = std::env::var_os("IMGTUI_TEST_PANIC").is_some();
    loop {
        if dirty {
            draw(terminal, &mut state, &keymap, &theme, &date_format, tick)?;
            dirty = false;
            if state.listing.cached_at.is_some() {
                session.saved_list_shown();
            }
            if panic_after_first_frame {
                panic!("IMGTUI_TEST_PANIC is set: panicking on purpose");
            }
        }
        if state.should_quit {
            break;
        }
        let busy = state.listing.in_flight
            || state.operation.is_some()
            || matches!(state.engine, EngineStatus::Connecting { .. })
            || state.inspect.is_loading()
            || (state.disk.loading && state.disk.usage.is_none());
        tokio::select! {
            event = input.next() => match event {
                Some(Ok(Event::Key(key))) => {
                    if let Some(message) = key_input(key).and_then(|k| state.message_for(k, &keymap)) {
                        state.update(Message::Clock(now()));
                        let commands = state.update(message);
                        shell.run(&mut state, &mut session, commands);
                        dirty = true;
                    }
                }
                Some(Ok(Event::Mouse(mouse))) if options.mouse && ui::mouse::handles(mouse.kind) => {
                    // Hit-tested against the panes as `ui::render` lays them out now.
                    let area = terminal
                        .size()
                        .map(|size| ratatui::layout::Rect::new(0, 0, size.width, size.height));
                    if let Some(pointer) = area
                        .ok()
                        .and_then(|area| ui::layout::panes(area, &state))
                        .and_then(|panes| ui::mouse::pointer(mouse, &panes))
                    {
                        state.update(Message::Pointer(pointer));
                        dirty = true;
                    }
                }
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                // The terminal is gone: nothing left to show.
                Some(Err(_)) | None => break,
            },
            Some(event) = session.events.recv() => {
                // The clock too: what arrives is stamped with it (the disk usage's age).
                state.update(Message::Clock(now()));
                // Everything that is already waiting is applied together, then drawn once.
                let mut events = vec![event];
                while let Ok(event) = session.events.try_recv() {
                    events.push(event);
                }
                let commands = state.update(Message::EngineBatch(events));
                run_commands(&session.engine, commands);
                dirty = true;
                if state.listing.loaded && !state.is_stale() {
                    session.listed();
                }
                // Save the engine's first list at once, so a run that is killed still
                // leaves one for the next start.
                if !session.saved
                    && let Some(cache) = &session.cache
                    && let Some(content) = cache_content(&state, cache, session.list_took())
                {
                    session.saved = true;
                    let cache = cache.clone();
                    tokio::task::spawn_blocking(move || cache.store(&content));
                }
            },
            _ = spinner.tick(), if busy => {
                tick = tick.wrapping_add(1);
                dirty = true;
            },
            _ = clock.tick() => dirty = true,
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
        }
    }
    // The latest list, with every change the events brought since the first one.
    save_on_leaving(&state, &session);
    Ok(())
}

/// Saves the engine's current list as the loop ends.
fn save_on_leaving(state: &AppState, session: &Session) {
    if let Some(cache) = &session.cache
        && let Some(content) = cache_content(state, cache, session.list_took())
    {
        let _ = cache.store(&content);
    }
}

/// What the loop needs to switch engines.
struct Shell {
    environment: Environment,
    use_cache: bool,
    fallback: Option<Duration>,
}

impl Shell {
    /// Runs what the core asked for: engine requests go to the worker; the picker's list
    /// and a switch of engines are done here, as they read files and replace the session.
    fn run(&self, state: &mut AppState, session: &mut Session, commands: Vec<Command>) {
        let mut queue = std::collections::VecDeque::from(commands);
        while let Some(command) = queue.pop_front() {
            let answer = match command {
                Command::ListEngines => {
                    let choices = connect::choices(&self.environment, &session.located, &is_socket);
                    state.update(Message::EngineChoices(choices))
                }
                Command::SwitchEngine(target) => {
                    match connect::resolve_choice(&self.environment, &target, &is_socket) {
                        Ok(located) => self.switch(state, session, located),
                        Err(error) => {
                            tracing::warn!(error = ?error.to_string(), "cannot switch engines");
                            state.update(Message::SwitchFailed(error.to_string()))
                        }
                    }
                }
                other => {
                    run_commands(&session.engine, vec![other]);
                    Vec::new()
                }
            };
            queue.extend(answer);
        }
    }

    fn switch(
        &self,
        state: &mut AppState,
        session: &mut Session,
        located: Located,
    ) -> Vec<Command> {
        tracing::info!(
            from = %session.located.endpoint,
            to = %located.endpoint,
            source = ?located.source.to_string(),
            "switching engines"
        );
        // The list as it stands, for the next visit to that engine; written beside the loop.
        if let Some(cache) = session.cache.clone()
            && let Some(content) = cache_content(state, &cache, session.list_took())
        {
            tokio::task::spawn_blocking(move || cache.store(&content));
        }
        let generation = state.listing.generation + 1;
        let switched = Switched {
            host: located.endpoint.to_string(),
            source: located.source.label(),
            generation,
        };
        *session = Session::start(located, self.use_cache, self.fallback, generation);
        state.update(Message::Switched(switched))
    }
}

/// What to save: the engine's list while it is current, never one that is itself from the
/// cache or from an engine that went away (that would reset its age).
fn cache_content(
    state: &AppState,
    cache: &ListCache,
    list_took: Option<Duration>,
) -> Option<Vec<u8>> {
    let current = state.listing.loaded && !state.is_stale();
    let images = state.all_images().map(|i| (i, state.containers_of(i)));
    current.then(|| cache.encode(images, now(), list_took))
}

/// Draws one frame; when the panes changed size, tells the core and draws again so paging
/// and scrolling use the sizes the user sees.
fn draw(
    terminal: &mut Screen,
    state: &mut AppState,
    keymap: &KeyMap,
    theme: &Theme,
    date_format: &DateFormat,
    tick: u64,
) -> Result<()> {
    let view = View {
        now: now(),
        tick,
        keymap,
        theme,
        date_format,
    };
    // Each frame reaches the terminal whole: one that knows synchronized output (mode 2026)
    // shows it at once instead of painting it as it arrives; others ignore the mode.
    crossterm::queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    let drawn = draw_frame(terminal, state, &view);
    crossterm::execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    drawn
}

/// Renders the state; again if the layout found another viewport than the state had (its
/// scroll limits depend on it).
fn draw_frame(terminal: &mut Screen, state: &mut AppState, view: &View) -> Result<()> {
    for _ in 0..2 {
        let viewport = ui::draw(terminal, state, view)?;
        if viewport == state.viewport {
            break;
        }
        state.update(Message::Viewport(viewport));
    }
    Ok(())
}

fn run_commands(engine: &EngineHandle, commands: Vec<Command>) {
    for command in commands {
        match command {
            Command::Refresh { generation } => {
                engine.request(EngineRequest::Refresh { generation })
            }
            operation @ (Command::Remove { .. }
            | Command::Prune { .. }
            | Command::Inspect(_)
            | Command::DiskUsage) => engine.request(EngineRequest::Operate(operation)),
            // Done by `Shell::run`, which hands everything else on to here.
            Command::ListEngines | Command::SwitchEngine(_) => {}
            // Between frames, on the terminal ratatui draws on; a failed write only loses
            // the copy.
            Command::Copy(text) => {
                let _ = crate::clipboard::copy(&mut std::io::stdout(), &text);
            }
        }
    }
}

/// The wall clock in Unix seconds, as the core counts time.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Crossterm's key event in the core's terms; `None` for releases and keys we never bind.
pub fn key_input(event: KeyEvent) -> Option<KeyInput> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    let key = match event.code {
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Delete => Key::Delete,
        _ => return None,
    };
    Some(KeyInput {
        key,
        ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifted_letters_and_ctrl_keys_map() {
        let shifted = KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT);
        assert_eq!(key_input(shifted), Some(KeyInput::ch('S')));
        let ctrl = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(key_input(ctrl), Some(KeyInput::ctrl('d')));
        let f1 = KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE);
        assert_eq!(key_input(f1), None);
    }
}
