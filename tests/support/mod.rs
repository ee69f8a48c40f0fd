//! Shared test plumbing: the private real engines started by `scripts/with-engines.sh`, the
//! docker CLI pointed at them, and the real binary in a pseudo-terminal.
#![allow(dead_code)] // each test file uses a different part

pub mod fake_engine;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// One private engine: "old" (Docker 20.10) or "new" (Docker 28, containerd store).
#[derive(Clone, Debug)]
pub struct TestEngine {
    pub name: &'static str,
    pub host: String,
}

/// The engines to test against. `scripts/with-engines.sh` exports their addresses and
/// `IMGTUI_REQUIRE_ENGINES=1`; with that set a missing engine fails the test (CI never skips).
pub fn engines() -> Vec<TestEngine> {
    from_env(&[
        ("old", "IMGTUI_TEST_OLD_HOST"),
        ("new", "IMGTUI_TEST_NEW_HOST"),
    ])
}

/// The private Podman engine (Podman 4.3, Debian's package, `podman system service`), seeded
/// with the same set as the Docker ones but with Podman's names (`localhost/imgtui-test/…`).
/// Not in `engines()`: tests there use the docker CLI and Docker's names and answers.
pub fn podman_engine() -> Option<TestEngine> {
    from_env(&[("podman", "IMGTUI_TEST_PODMAN_HOST")]).pop()
}

/// The unseeded Podman engine, for tests that delete and prune (they hold `scratch_lock`).
pub fn scratch_podman() -> Option<TestEngine> {
    from_env(&[("scratch-podman", "IMGTUI_TEST_SCRATCH_PODMAN_HOST")]).pop()
}

/// The two Docker engines and Podman.
pub fn all_engines() -> Vec<TestEngine> {
    let mut all = engines();
    all.extend(podman_engine());
    all
}

/// Runs Podman's own client (`podman --remote`) against `engine`; panics with its output
/// when it fails.
pub fn podman(engine: &TestEngine, args: &[&str]) -> String {
    run_cli("podman", &["--remote", "--url"], engine, args)
}

/// `import_image` with the podman CLI: a new image tagged `tag` (Podman stores it as
/// `localhost/TAG`); returns its id (`sha256:…`).
pub fn podman_import(engine: &TestEngine, tag: &str, content: &str) -> String {
    let script = r#"tar -C "$1" -cf - content | podman --remote --url "$2" import - "$3""#;
    // The id is the last line it prints, without `sha256:`.
    let printed = import_with(script, "podman", engine, tag, content);
    let id = printed.lines().last().unwrap_or_default().trim();
    if id.starts_with("sha256:") {
        id.to_string()
    } else {
        format!("sha256:{id}")
    }
}

/// A dangling image on Podman: imported under `tag`, then replaced under it. Returns its id.
pub fn podman_dangling(engine: &TestEngine, tag: &str) -> String {
    let id = podman_import(engine, tag, &unique("dangling"));
    podman_import(engine, tag, &unique("replacement"));
    id
}

/// Every image id on a Podman engine.
pub fn podman_image_ids(engine: &TestEngine) -> std::collections::BTreeSet<String> {
    podman(engine, &["images", "-aq", "--no-trunc"])
        .lines()
        .map(str::to_string)
        .collect()
}

/// The engines whose addresses the variables hold; with `IMGTUI_REQUIRE_ENGINES=1` a missing
/// one fails the test.
fn from_env(vars: &[(&'static str, &str)]) -> Vec<TestEngine> {
    let required = std::env::var("IMGTUI_REQUIRE_ENGINES").is_ok_and(|v| v == "1");
    let mut found = Vec::new();
    for &(name, var) in vars {
        match std::env::var(var) {
            Ok(host) if !host.is_empty() => found.push(TestEngine { name, host }),
            _ if required => panic!("{var} is not set but IMGTUI_REQUIRE_ENGINES=1"),
            _ => eprintln!(
                "skipping the {name} engine: {var} is not set (run through scripts/with-engines.sh)"
            ),
        }
    }
    found
}

/// The unseeded engines for tests that delete and prune (a prune is engine-wide, so these
/// never run where other tests read the seed set). Tests using them hold `scratch_lock`.
pub fn scratch_engines() -> Vec<TestEngine> {
    from_env(&[
        ("scratch-old", "IMGTUI_TEST_SCRATCH_OLD_HOST"),
        ("scratch-new", "IMGTUI_TEST_SCRATCH_NEW_HOST"),
    ])
}

/// Serialises the tests of one test binary that change a scratch engine.
pub fn scratch_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    // A failed test poisons the lock; the next one still runs on its own images.
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A new image tagged `tag` whose only file holds `content` (`docker import` of a one-file
/// tar, so no registry is needed); returns its id. Importing again under the same tag with
/// other content leaves the previous image dangling.
pub fn import_image(engine: &TestEngine, tag: &str, content: &str) -> String {
    let script = r#"tar -C "$1" -cf - content | docker -H "$2" import - "$3""#;
    import_with(script, "docker", engine, tag, content)
        .trim()
        .to_string()
}

/// Runs `script` (a tar of one file holding `content` piped into `cli … import`) with the
/// directory, engine host and tag as `$1`..`$3`; what it printed.
fn import_with(script: &str, cli: &str, engine: &TestEngine, tag: &str, content: &str) -> String {
    let dir = std::env::temp_dir().join(unique("imgtui-import"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("content"), content).unwrap();
    let output = Command::new("sh")
        .args(["-c", script, "sh"])
        .arg(&dir)
        .arg(&engine.host)
        .arg(tag)
        .output()
        .expect("sh runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "{cli} import {tag} on {} failed: {}",
        engine.name,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A dangling image: imported under `tag`, then replaced under it. Returns its id.
pub fn dangling_image(engine: &TestEngine, tag: &str) -> String {
    let id = import_image(engine, tag, &unique("dangling"));
    import_image(engine, tag, &unique("replacement"));
    id
}

/// A container (created, never started) using `image`; returns its name.
pub fn create_container(engine: &TestEngine, image: &str) -> String {
    let name = unique("imgtui-user");
    docker(
        engine,
        &[
            "create",
            "--pull",
            "never",
            "--network",
            "none",
            "--name",
            &name,
            image,
            "/nothing",
        ],
    );
    name
}

/// A runtime for tests that call the engine layer directly.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The engine layer connected to `engine`.
pub async fn connect(engine: &TestEngine) -> imgtui::engine::client::Engine {
    let endpoint = imgtui::engine::endpoint::Endpoint::parse(&engine.host).unwrap();
    imgtui::engine::client::Engine::connect(endpoint)
        .await
        .unwrap_or_else(|e| panic!("{} engine: {e}", engine.name))
}

/// The image holding `tag`.
pub fn by_tag<'a>(
    images: &'a [imgtui::core::image::Image],
    tag: &str,
) -> &'a imgtui::core::image::Image {
    images
        .iter()
        .find(|i| i.repo_tags.iter().any(|t| t == tag))
        .unwrap_or_else(|| panic!("no image tagged {tag}"))
}

/// Every image id on the engine (`docker images -q --no-trunc`, all of them).
pub fn image_ids(engine: &TestEngine) -> std::collections::BTreeSet<String> {
    docker(engine, &["images", "-q", "--no-trunc"])
        .lines()
        .map(str::to_string)
        .collect()
}

/// Every container id on the engine.
pub fn container_ids(engine: &TestEngine) -> std::collections::BTreeSet<String> {
    docker(engine, &["ps", "-aq", "--no-trunc"])
        .lines()
        .map(str::to_string)
        .collect()
}

/// Runs the docker CLI against `engine`; panics with its output when it fails.
pub fn docker(engine: &TestEngine, args: &[&str]) -> String {
    run_cli("docker", &["-H"], engine, args)
}

/// Runs `program` with `host_flags` and the engine's address, then `args`; its trimmed
/// output, or a panic with what it said when it fails.
fn run_cli(program: &str, host_flags: &[&str], engine: &TestEngine, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(host_flags)
        .arg(&engine.host)
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("the {program} CLI runs: {err}"));
    assert!(
        output.status.success(),
        "{program} {args:?} on {} failed: {}",
        engine.name,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// `imgtui list --host ENGINE --format json EXTRA…` with no engine address, config or cache
/// from the environment; it must succeed. The images it printed.
pub fn list_json(engine: &TestEngine, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["list", "--host", &engine.host, "--format", "json"];
    args.extend_from_slice(extra);
    let out = Command::new(env!("CARGO_BIN_EXE_imgtui"))
        .args(&args)
        .env_remove("DOCKER_HOST")
        .env("XDG_CONFIG_HOME", private_dir("list-config"))
        .env("XDG_CACHE_HOME", private_dir("list-cache"))
        .output()
        .expect("imgtui runs");
    assert!(
        out.status.success(),
        "imgtui {args:?} failed on {}: {}",
        engine.name,
        String::from_utf8_lossy(&out.stderr)
    );
    match serde_json::from_slice(&out.stdout).expect("imgtui list prints JSON") {
        serde_json::Value::Array(items) => items,
        other => panic!("not an array: {other}"),
    }
}

/// Polls `check` every 20 ms until it returns `Some`, or panics after `limit` with `what`.
pub fn wait_for<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A new, empty directory under the temp dir, unique to this process and call.
pub fn private_dir(what: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("imgtui-test-{what}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a private directory");
    dir
}

pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// The real `imgtui` binary in a pseudo-terminal, with the screen parsed by vt100 on a
/// background thread and every raw byte kept for checks on what reached the terminal.
pub struct Tui {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    master: Box<dyn MasterPty + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    /// The screen after the last whole frame (see `FrameEdges`).
    settled: Arc<Mutex<String>>,
    raw: Arc<Mutex<Vec<u8>>>,
    /// Set by the reader thread once the pty has no more output (the program closed it).
    drained: Arc<AtomicBool>,
    /// The screen after every read from the pty, when started with `start_timed`.
    frames: Option<Arc<Frames>>,
    started: Instant,
}

/// Screens as they arrived, for timing (`Tui::start_timed`).
#[derive(Default)]
struct Frames {
    list: Mutex<Vec<Frame>>,
    grew: Condvar,
}

/// The screen right after one read from the pty, and when that read returned.
#[derive(Clone, Debug)]
pub struct Frame {
    pub index: usize,
    pub at: Instant,
    /// The same moment on the wall clock, to compare with the engine's event times.
    pub wall: SystemTime,
    pub screen: String,
}

impl Tui {
    pub fn start(args: &[&str], cols: u16, rows: u16) -> Tui {
        Tui::start_with_env(args, &[], cols, rows)
    }

    /// `start` with extra environment variables.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Tui {
        Tui::spawn(args, env, cols, rows, false)
    }

    /// `start_with_env` that also keeps the screen after every read, with its arrival time,
    /// for `wait_frame` (the real-engine benchmark times the binary with it).
    pub fn start_timed(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Tui {
        Tui::spawn(args, env, cols, rows, true)
    }

    /// `start_timed` with another program in imgtui's place: what the harness itself costs
    /// between a spawn and a screen (the real-engine benchmark's floor).
    pub fn start_other_timed(program: &str, args: &[&str], cols: u16, rows: u16) -> Tui {
        Tui::spawn_program(program, args, &[], cols, rows, true)
    }

    fn spawn(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16, timed: bool) -> Tui {
        Tui::spawn_program(env!("CARGO_BIN_EXE_imgtui"), args, env, cols, rows, timed)
    }

    fn spawn_program(
        program: &str,
        args: &[&str],
        env: &[(&str, &str)],
        cols: u16,
        rows: u16,
        timed: bool,
    ) -> Tui {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pty");
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("DOCKER_HOST");
        // No log file unless a test asks for one.
        cmd.env_remove("RUST_LOG");
        // Every run gets an empty cache of its own, so no list from an earlier run (of any
        // test, on any socket path) shows up; a test that wants one passes XDG_CACHE_HOME.
        cmd.env("XDG_CACHE_HOME", private_dir("cache"));
        // Nor does the developer's own config: an empty config dir (the defaults) unless a
        // test passes XDG_CONFIG_HOME.
        cmd.env("XDG_CONFIG_HOME", private_dir("config"));
        cmd.env_remove("NO_COLOR");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let started = Instant::now();
        let child = pty.slave.spawn_command(cmd).expect("imgtui starts");
        // Dropping our copy of the slave lets the reader see EOF when the child exits.
        drop(pty.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pty.master.try_clone_reader().expect("a reader");
        let drained = Arc::new(AtomicBool::new(false));
        let frames = timed.then(|| Arc::new(Frames::default()));
        let (p, r, d, f) = (parser.clone(), raw.clone(), drained.clone(), frames.clone());
        let settled = Arc::new(Mutex::new(String::new()));
        let s = settled.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            let mut frame = FrameEdges::default();
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let (at, wall) = (Instant::now(), SystemTime::now());
                r.lock().unwrap().extend_from_slice(&buf[..n]);
                let mut parser = p.lock().unwrap();
                process(&mut parser, &buf[..n]);
                // Half a frame is never a screen: imgtui wraps each frame in synchronized
                // output, and a screen is taken only between frames.
                if frame.inside_after(&buf[..n]) {
                    continue;
                }
                let screen = parser.screen().contents();
                drop(parser);
                *s.lock().unwrap() = screen.clone();
                if let Some(frames) = &f {
                    let mut list = frames.list.lock().unwrap();
                    let index = list.len();
                    list.push(Frame {
                        index,
                        at,
                        wall,
                        screen,
                    });
                    frames.grew.notify_all();
                }
            }
            d.store(true, Ordering::SeqCst);
        });
        let writer = pty.master.take_writer().expect("a writer");
        Tui {
            child,
            writer,
            master: pty.master,
            parser,
            settled,
            raw,
            drained,
            frames,
            started,
        }
    }

    /// When the program was spawned.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// How many screens were recorded so far (`start_timed` only).
    pub fn frame_count(&self) -> usize {
        self.timed_frames().list.lock().unwrap().len()
    }

    /// The first recorded screen from index `from` on that satisfies `check`, waiting up to
    /// `limit` for it (`start_timed` only).
    pub fn wait_frame(
        &self,
        from: usize,
        limit: Duration,
        check: impl Fn(&str) -> bool,
    ) -> Option<Frame> {
        let frames = self.timed_frames();
        let deadline = Instant::now() + limit;
        let mut next = from;
        let mut list = frames.list.lock().unwrap();
        loop {
            if let Some(found) = list[next.min(list.len())..]
                .iter()
                .find(|frame| check(&frame.screen))
            {
                return Some(found.clone());
            }
            next = list.len();
            let left = deadline.checked_duration_since(Instant::now())?;
            list = frames.grew.wait_timeout(list, left).unwrap().0;
        }
    }

    fn timed_frames(&self) -> &Frames {
        self.frames
            .as_deref()
            .expect("screens are recorded only with Tui::start_timed")
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("a pid")
    }

    /// The screen as the last whole frame left it.
    pub fn screen(&self) -> String {
        self.settled.lock().unwrap().clone()
    }

    /// Every byte the program wrote so far.
    pub fn raw(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits until the screen satisfies `check`; returns that screen.
    pub fn wait_screen(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let limit = Duration::from_secs(60);
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            if start.elapsed() > limit {
                panic!("timed out waiting for {what}; the screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the program to exit and for all it wrote to be read; returns whether it
    /// succeeded.
    pub fn wait_exit(&mut self) -> bool {
        self.wait_exit_code() == 0
    }

    /// Waits like `wait_exit`; returns the exit code.
    pub fn wait_exit_code(&mut self) -> u32 {
        let status = wait_for(Duration::from_secs(20), "imgtui to exit", || {
            self.child.try_wait().unwrap()
        });
        wait_for(Duration::from_secs(20), "the pty to drain", || {
            self.drained.load(Ordering::SeqCst).then_some(())
        });
        status.exit_code()
    }

    /// Sends `signal` to the program.
    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        let pid = self.pid() as i32;
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal).expect("kill");
    }

    /// Resizes the terminal (the program gets SIGWINCH). The parser takes the new size
    /// first, under its lock, so output the program writes for the new size is never parsed
    /// at the old one (which left a 10-column screen that the program, having drawn at 120,
    /// never redraws).
    pub fn resize(&self, cols: u16, rows: u16) {
        let mut parser = self.parser.lock().unwrap();
        parser.screen_mut().set_size(rows, cols);
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize");
    }

    /// The terminal's line discipline after the program: (canonical mode, echo), both true
    /// when raw mode was turned off.
    pub fn cooked(&self) -> (bool, bool) {
        use nix::sys::termios::LocalFlags;
        let termios = self.master.get_termios().expect("termios of the pty");
        (
            termios.local_flags.contains(LocalFlags::ICANON),
            termios.local_flags.contains(LocalFlags::ECHO),
        )
    }
}

/// Where the output is relative to imgtui's frames, each wrapped in synchronized output
/// (`CSI ? 2026 h` … `CSI ? 2026 l`), whose markers may be split between two reads.
#[derive(Default)]
struct FrameEdges {
    inside: bool,
    /// The end of the previous read, which may hold the start of a marker.
    tail: Vec<u8>,
}

impl FrameEdges {
    const BEGIN: &[u8] = b"\x1b[?2026h";
    const END: &[u8] = b"\x1b[?2026l";

    /// Takes the next bytes read; whether they end inside a frame.
    fn inside_after(&mut self, bytes: &[u8]) -> bool {
        let mut text = std::mem::take(&mut self.tail);
        text.extend_from_slice(bytes);
        let last = |marker: &[u8]| text.windows(marker.len()).rposition(|w| w == marker);
        match (last(Self::BEGIN), last(Self::END)) {
            (Some(begin), Some(end)) => self.inside = begin > end,
            (Some(_), None) => self.inside = true,
            (None, Some(_)) => self.inside = false,
            (None, None) => {}
        }
        let keep = text.len().saturating_sub(Self::BEGIN.len() - 1);
        self.tail = text.split_off(keep);
        self.inside
    }
}

/// Feeds `bytes` to the parser. vt100 0.16 panics on some output meant for a larger
/// screen (a wide character on a 1-column one: an overflow in `Grid::col_wrap`), which
/// happens when a frame drawn before a resize is parsed after it. The screen is then
/// started afresh at its size: the program redraws all of it after the resize anyway, and
/// the reader thread lives on instead of poisoning the lock.
fn process(parser: &mut vt100::Parser, bytes: &[u8]) {
    let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.process(bytes)));
    if done.is_err() {
        let (rows, cols) = parser.screen().size();
        *parser = vt100::Parser::new(rows, cols, 0);
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// The line of `screen` that contains `needle`.
pub fn line_of(screen: &str, needle: &str) -> Option<usize> {
    screen.lines().position(|l| l.contains(needle))
}
