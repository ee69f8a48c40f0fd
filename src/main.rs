//! `imgtui`: parse options, set up the terminal, run the loop, and always restore the
//! terminal (on quit, error, signal or panic) before printing anything.

use std::process::ExitCode;

use clap::Parser;

use imgtui::app::{self, Options};
use imgtui::cli::Cli;
use imgtui::engine::cache::ListCache;
use imgtui::engine::endpoint::Endpoint;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let endpoint = match cli.host.as_deref() {
        Some(host) => Endpoint::parse(host),
        None => Endpoint::from_env(),
    };
    let endpoint = match endpoint {
        Ok(endpoint) => endpoint,
        Err(err) => {
            eprintln!("imgtui: {err}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("imgtui: cannot start: {err}");
            return ExitCode::from(1);
        }
    };
    let cache = if cli.no_cache {
        None
    } else {
        ListCache::for_host(&endpoint.to_string())
    };
    let options = Options {
        cache,
        endpoint,
        sort: cli.initial_sort(),
        read_only: cli.read_only,
    };
    // ratatui::init installs a panic hook that restores the terminal before the message.
    let mut terminal = ratatui::init();
    // Panics abort (see Cargo.toml), so the terminal is never dropped: show the cursor here.
    let restore_and_report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::cursor::Show);
        restore_and_report(info);
    }));
    let result = runtime.block_on(app::run(&mut terminal, options));
    ratatui::restore();
    // Background tasks may be waiting on the engine; do not wait for them.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("imgtui: {err:#}");
            ExitCode::from(1)
        }
    }
}
