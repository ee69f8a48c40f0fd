//! `imgtui`: parse options, set up the terminal, run the loop, and always restore the
//! terminal (on quit, error, signal or panic) before printing anything.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};

use imgtui::app::{self, Options};
use imgtui::cli::{Cli, Command};
use imgtui::connect::discover::is_socket;
use imgtui::connect::resolve::{Environment, locate};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Completions { shell }) = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "imgtui", &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }
    if cli.print_config_path {
        match imgtui::config::chosen_path(cli.config.as_deref()) {
            Some(path) => println!("{}", path.display()),
            None => {
                eprintln!("imgtui: no config path: neither XDG_CONFIG_HOME nor HOME is set");
                return ExitCode::from(2);
            }
        }
        return ExitCode::SUCCESS;
    }
    if cli.print_default_config {
        print!("{}", imgtui::config::DEFAULT);
        return ExitCode::SUCCESS;
    }
    // Before the terminal is touched: a mistake in the file stops here, with where it is.
    let mut config = match imgtui::config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("imgtui: {err}");
            return ExitCode::from(2);
        }
    };
    if imgtui::config::no_color(std::env::var_os("NO_COLOR").as_deref()) {
        config.theme = config.theme.without_colours();
    }
    let rust_log = std::env::var("RUST_LOG").ok();
    if let Some(path) = imgtui::logging::chosen_path(cli.log_file.as_deref(), rust_log.as_deref())
        && let Err(err) = imgtui::logging::init(&path, rust_log.as_deref())
    {
        eprintln!("imgtui: {err:#}");
        return ExitCode::from(2);
    }
    tracing::info!(version = env!("CARGO_PKG_VERSION"), args = ?std::env::args().skip(1).collect::<Vec<_>>(), "imgtui starts");
    // Which engine, before the terminal is touched: a context that does not exist, a
    // broken docker CLI file or no engine anywhere stops here, saying which and why. TLS as
    // the docker CLI sets it up for --host and DOCKER_HOST: the variables, the flags over them.
    let environment =
        Environment::from_process(cli.host.clone(), cli.context.clone(), cli.tls_options());
    let located = match locate(&environment, &is_socket) {
        Ok(located) => located,
        Err(err) => {
            tracing::error!("{err}");
            eprintln!("imgtui: {err}");
            return ExitCode::from(2);
        }
    };
    tracing::info!(endpoint = %located.endpoint, source = ?located.source.to_string(), "engine chosen");
    if cli.print_engine {
        println!("{}\t{}", located.endpoint, located.source);
        return ExitCode::SUCCESS;
    }
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
    if let Some(Command::List { format }) = cli.command {
        let now = app::now();
        let listed = runtime.block_on(imgtui::listing::run(
            located.endpoint,
            cli.sort_over(config.sort),
            &cli.filter,
            format,
            now,
        ));
        runtime.shutdown_background();
        return match listed {
            Ok(out) => print_all(&out),
            Err(err) => {
                tracing::error!("imgtui list: {err:#}");
                eprintln!("imgtui: {err:#}");
                ExitCode::from(1)
            }
        };
    }
    let options = Options {
        use_cache: !cli.no_cache,
        located,
        environment,
        sort: cli.sort_over(config.sort),
        read_only: cli.read_only,
        filter: cli.filter.clone(),
        mouse: !cli.no_mouse && config.mouse,
        keymap: config.keymap,
        theme: config.theme,
        refresh_fallback_secs: config.refresh_fallback_secs,
        date_format: config.date_format,
    };
    // `terminal::init` installs a panic hook that restores the terminal before the message.
    let mut terminal = match imgtui::terminal::init() {
        Ok(terminal) => terminal,
        Err(err) => {
            eprintln!("imgtui: cannot set up the terminal: {err}");
            return ExitCode::from(1);
        }
    };
    // Panics abort (see Cargo.toml), so the terminal is never dropped: show the cursor here.
    let restore_and_report = std::panic::take_hook();
    let mouse = options.mouse;
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!("panic: {info}");
        // A panic while drawing would leave the terminal holding back the frame.
        let _ = crossterm::execute!(
            std::io::stdout(),
            crossterm::terminal::EndSynchronizedUpdate,
            crossterm::cursor::Show
        );
        if mouse {
            let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
        }
        restore_and_report(info);
    }));
    // Every way out of `app::run` (q, Ctrl-C, SIGTERM, SIGHUP, an error) comes back here to
    // turn it off; a panic turns it off in the hook above.
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), EnableMouseCapture);
    }
    let result = runtime.block_on(app::run(&mut terminal, options));
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    }
    ratatui::restore();
    // Background tasks may be waiting on the engine; do not wait for them.
    runtime.shutdown_background();
    match result {
        Ok(()) => {
            tracing::info!("imgtui quits");
            ExitCode::SUCCESS
        }
        Err(err) => {
            tracing::error!("imgtui stops: {err:#}");
            eprintln!("imgtui: {err:#}");
            ExitCode::from(1)
        }
    }
}

/// Writes the listing; a closed pipe (`imgtui list | head`) is not an error worth a panic.
fn print_all(out: &str) -> ExitCode {
    use std::io::Write;
    match std::io::stdout().lock().write_all(out.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("imgtui: writing the list failed: {err}");
            ExitCode::from(1)
        }
    }
}
