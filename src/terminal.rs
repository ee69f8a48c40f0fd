//! The terminal imgtui draws on: raw mode and the alternate screen, with output buffered so
//! that each frame reaches the terminal in one write.

use std::io::{self, BufWriter, Stdout, stdout};

use crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// Room for a whole frame: a full repaint of 200x50 with colours is about 11 KB. Std's
/// stdout passes output on every 1 KiB, which split such a frame into a dozen writes, each
/// one a wake-up of the terminal (or of a test's pty reader) with part of a frame.
const FRAME_BUFFER: usize = 128 * 1024;

/// What ratatui draws to: stdout behind the frame buffer. ratatui flushes it at the end of
/// every frame, so it holds nothing between frames and a direct write to stdout (the
/// clipboard, mouse modes, the panic hook) never overtakes part of a frame.
pub type Screen = Terminal<CrosstermBackend<BufWriter<Stdout>>>;

/// As `ratatui::init`, with the buffered backend: installs a panic hook that restores the
/// terminal, enters raw mode and the alternate screen. On an error the terminal is
/// restored before it is returned.
pub fn init() -> io::Result<Screen> {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        ratatui::restore();
        report(info);
    }));
    let set_up = enable_raw_mode()
        .and_then(|()| crossterm::execute!(stdout(), EnterAlternateScreen))
        .and_then(|()| {
            Terminal::new(CrosstermBackend::new(BufWriter::with_capacity(
                FRAME_BUFFER,
                stdout(),
            )))
        });
    if set_up.is_err() {
        ratatui::restore();
    }
    set_up
}
