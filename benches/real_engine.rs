//! Figures only a real engine can give (issue 4, targets 1, 4, 5 and 6), each with the
//! baseline it is measured against in the same run:
//!
//! 1. time from process start to the full list on screen, against a bare `curl` of the same
//!    `GET /images/json` query; each run also split into the engine's answer (imgtui's log,
//!    curl's `time_total`) and the rest, beside what the pty harness alone costs; and the
//!    time to the first frame;
//! 4. CPU used while the engine is quiet;
//! 5. the time from an image's event (`docker load` of a new image) to its row on screen;
//! 6. the first useful frame when the last list is in the cache, against the live list.
//!
//! `scripts/perf.sh` starts private engines, seeds them with 1,000 and 10,000 images and runs
//! `cargo bench --bench real_engine` with `IMGTUI_PERF_HOSTS=label=unix:///…,…`. Under
//! `cargo test --all-targets` (CI) it runs once, briefly, against the scratch engines of
//! `scripts/with-engines.sh`, and fails if any figure cannot be obtained; it never asserts a
//! time. The binary runs in a pseudo-terminal of 200x50 and every screen it draws is recorded
//! with the moment it was read.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use imgtui::engine::client::Engine;
use imgtui::engine::endpoint::Endpoint;
use support::{Frame, Tui};

const COLS: u16 = 200;
const ROWS: u16 = 50;
/// Longer than Docker 28 needs to list 10,000 images (~45 s), with room for a loaded machine.
const LIST_LIMIT: Duration = Duration::from_secs(600);

struct Settings {
    runs: usize,
    idle: Duration,
    probes: usize,
    /// Under `cargo bench`: target 1 takes more runs when a list is quick (see `runs_for`).
    full: bool,
}

/// Target 1's runs, together, may list for this long: a list of 1,000 images on Docker 20.10
/// varies by ±20% from one request to the next, and a median of 4 cannot see 10% through
/// that. Slow lists (Docker 28's) keep `IMGTUI_PERF_RUNS`.
const TARGET1_BUDGET: Duration = Duration::from_secs(15);
const TARGET1_MAX_RUNS: usize = 41;

impl Settings {
    /// How many times imgtui (and as many times curl) lists, when one list takes `list`.
    fn runs_for(&self, list: Duration) -> usize {
        if !self.full {
            return self.runs;
        }
        let affordable = (TARGET1_BUDGET.as_secs_f64() / list.as_secs_f64().max(1e-3)) as usize;
        self.runs.max(affordable.min(TARGET1_MAX_RUNS))
    }
}

/// One bare list by curl.
struct CurlList {
    /// From spawning curl to its exit, as imgtui is timed from its spawn.
    took: Duration,
    /// The transfer alone, as curl times it (`time_total`): the engine's answer.
    transfer: Duration,
    images: usize,
}

/// One engine to measure, and what we learnt about it first.
struct Target {
    label: String,
    host: String,
    socket: PathBuf,
    /// `GET` path of the list query imgtui sends, e.g. `/v1.51/images/json?manifests=1`.
    list_path: String,
    api_prefix: String,
    description: String,
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let settings = Settings {
        runs: env_number("IMGTUI_PERF_RUNS").unwrap_or(if full { 4 } else { 1 }),
        idle: Duration::from_secs(env_number("IMGTUI_PERF_IDLE_SECS").unwrap_or(if full {
            60
        } else {
            2
        }) as u64),
        probes: env_number("IMGTUI_PERF_PROBES").unwrap_or(if full { 5 } else { 1 }),
        full,
    };
    let hosts = hosts(full);
    if hosts.is_empty() {
        println!(
            "real_engine: no engines given; run scripts/perf.sh (or set IMGTUI_PERF_HOSTS=label=unix:///…)"
        );
        return;
    }
    for (label, host) in hosts {
        let target = Target::connect(label, host);
        println!("{}", target.description);
        measure(&target, &settings);
    }
}

fn env_number(name: &str) -> Option<usize> {
    std::env::var(name).ok()?.parse().ok()
}

/// `IMGTUI_PERF_HOSTS`, else (not under `cargo bench`) the scratch engines of
/// `scripts/with-engines.sh`, which no other test reads while it runs.
fn hosts(full: bool) -> Vec<(String, String)> {
    if let Ok(list) = std::env::var("IMGTUI_PERF_HOSTS") {
        return list
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|item| match item.split_once('=') {
                Some((label, host)) => (label.to_string(), host.to_string()),
                None => (item.to_string(), item.to_string()),
            })
            .collect();
    }
    if full {
        return Vec::new();
    }
    let required = std::env::var("IMGTUI_REQUIRE_ENGINES").is_ok_and(|v| v == "1");
    let mut found = Vec::new();
    for (label, var) in [
        ("scratch-old", "IMGTUI_TEST_SCRATCH_OLD_HOST"),
        ("scratch-new", "IMGTUI_TEST_SCRATCH_NEW_HOST"),
    ] {
        match std::env::var(var) {
            Ok(host) if !host.is_empty() => found.push((label.to_string(), host)),
            _ => assert!(!required, "{var} is not set but IMGTUI_REQUIRE_ENGINES=1"),
        }
    }
    found
}

impl Target {
    /// Asks the engine, through imgtui's own client, which list query imgtui will send.
    fn connect(label: String, host: String) -> Target {
        let endpoint = Endpoint::parse(&host).expect("a valid host");
        let Endpoint::Unix(socket) = endpoint.clone() else {
            panic!("{host}: the benchmark needs a unix socket (curl --unix-socket)");
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let engine = runtime
            .block_on(Engine::connect(endpoint))
            .unwrap_or_else(|e| panic!("{host}: {e}"));
        let info = engine.info();
        Target {
            description: format!(
                "== {label}: {} {} (API {}) at {host}",
                info.product, info.version, info.api_version
            ),
            label,
            host,
            socket,
            list_path: engine.list_images_path(),
            api_prefix: format!("/v{}", engine.api()),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://localhost{path}")
    }

    /// `curl` over the socket; returns the body.
    fn curl(&self, args: &[&str], path: &str) -> Vec<u8> {
        self.curl_output(args, path).stdout
    }

    fn curl_output(&self, args: &[&str], path: &str) -> std::process::Output {
        let out = Command::new("curl")
            .args(["-sS", "--fail", "--unix-socket"])
            .arg(&self.socket)
            .args(args)
            .arg(self.url(path))
            .output()
            .expect("curl runs");
        assert!(
            out.status.success(),
            "{}: curl {path}: {}",
            self.label,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The bare list request, timed from spawning curl to its exit, with curl's own timing
    /// of the transfer.
    fn timed_list(&self) -> CurlList {
        let start = Instant::now();
        let out = self.curl_output(&["-w", "%{stderr}%{time_total}"], &self.list_path);
        let took = start.elapsed();
        let transfer = String::from_utf8_lossy(&out.stderr)
            .trim()
            .parse::<f64>()
            .map(Duration::from_secs_f64)
            .expect("curl prints time_total");
        let list: Vec<serde_json::Value> =
            serde_json::from_slice(&out.stdout).expect("the engine's list is a JSON array");
        CurlList {
            took,
            transfer,
            images: list.len(),
        }
    }
}

fn measure(target: &Target, settings: &Settings) {
    // Target 1: curl and imgtui take turns, each going first in every other run (an engine
    // can answer a request faster right after the same one), so both see the same engine
    // and machine. One untimed list first warms the engine up for both, and says how many
    // runs the budget affords.
    let warm = target.timed_list();
    let mut count = warm.images;
    let runs = settings.runs_for(warm.took);
    let logs = support::private_dir("perf-logs");
    let mut curl = Runs::default();
    let mut imgtui = Runs::default();
    let mut first_frames = Vec::new();
    let mut session = None;
    let mut replay = Vec::new();
    for run in 0..runs {
        let mut by_curl = || {
            let list = target.timed_list();
            curl.push(list.took, list.transfer);
            list.images
        };
        if run % 2 == 0 {
            count = by_curl();
        }
        // Its log says when its own list request was answered ("image list received").
        let log = logs.join(format!("run-{run}.log"));
        let log_arg = log.to_string_lossy().into_owned();
        let args = ["--host", &target.host, "--no-cache", "--log-file", &log_arg];
        let tui = Tui::start_timed(&args, &[], COLS, ROWS);
        let first = first_frame(&tui);
        let full = wait_list(&tui, count, target);
        first_frames.push(first.at - tui.started());
        imgtui.push(full.at - tui.started(), list_request(&log, target));
        if run % 2 == 1 {
            count = by_curl();
        }
        if run + 1 == runs {
            replay = tui.raw();
            session = Some(tui); // kept for targets 4 and 5
        } else {
            quit(tui);
        }
    }
    let _ = std::fs::remove_dir_all(&logs);
    let (ours, theirs) = (median(&imgtui.whole), median(&curl.whole));
    println!(
        "  1 time to full list ({count} images, GET {}): imgtui {}  curl {}  ratio {:.3}  (median of {runs}; target <= 1.10)",
        target.list_path,
        show(ours),
        show(theirs),
        ours.as_secs_f64() / theirs.as_secs_f64(),
    );
    println!(
        "    middle half: imgtui {}, curl {}",
        imgtui.middle_half(),
        curl.middle_half()
    );
    // The engine's answer varies from run to run; what each program adds to it does not
    // much. Added to the engine's median answer, the two sums compare the programs alone.
    let answer = median(&[imgtui.engine.clone(), curl.engine.clone()].concat());
    let (ours_beyond, theirs_beyond) = (median(&imgtui.beyond()), median(&curl.beyond()));
    println!(
        "    the engine's answer, median: to imgtui {}, to curl {}",
        show(median(&imgtui.engine)),
        show(median(&curl.engine))
    );
    println!(
        "    beyond the engine's answer: imgtui {} (spawn to screen, less its list request), curl {} (spawn to exit, less its transfer); added to the answer's median ({}): {:.3}",
        show(ours_beyond),
        show(theirs_beyond),
        show(answer),
        (answer + ours_beyond).as_secs_f64() / (answer + theirs_beyond).as_secs_f64(),
    );
    println!(
        "    the pty harness alone, from a spawn to the list's screen (cat of what imgtui wrote, in its place): {}",
        show(harness_floor(&replay, count, runs))
    );
    println!(
        "  1 first frame: {}  (median of {runs}; max {}; target <= 50 ms)",
        show(median(&first_frames)),
        show(*first_frames.iter().max().expect("a run"))
    );

    let tui = session.expect("at least one run");
    idle_cpu(&tui, settings.idle);
    event_to_screen(&tui, target, settings.probes);
    quit(tui);

    startup_from_cache(target, count, ours, settings.runs);
}

/// One program's runs: each whole run, and the engine's answer within it.
#[derive(Default)]
struct Runs {
    whole: Vec<Duration>,
    engine: Vec<Duration>,
}

impl Runs {
    fn push(&mut self, whole: Duration, engine: Duration) {
        self.whole.push(whole);
        self.engine.push(engine);
    }

    /// Each run's time outside the engine's answer.
    fn beyond(&self) -> Vec<Duration> {
        let runs = self.whole.iter().zip(&self.engine);
        runs.map(|(whole, engine)| whole.saturating_sub(*engine))
            .collect()
    }

    /// The first and third quartiles of the whole runs.
    fn middle_half(&self) -> String {
        let mut sorted = self.whole.clone();
        sorted.sort();
        let at = |q: usize| sorted[(sorted.len() - 1) * q / 4];
        format!("{}-{}", show(at(1)), show(at(3)))
    }
}

/// Part of imgtui's time to the list is the harness's: spawning in a pseudo-terminal and
/// reading the screen back. `cat` of the bytes imgtui wrote up to its list, in its place,
/// measures it: the same spawn, the same bytes to parse, nothing to wait for.
fn harness_floor(replay: &[u8], count: usize, runs: usize) -> Duration {
    let dir = support::private_dir("perf-replay");
    let file = dir.join("screen.bin");
    std::fs::write(&file, replay).expect("the replay is written");
    let file = file.to_string_lossy().into_owned();
    let counted = format!(" {count} images");
    let times: Vec<Duration> = (0..runs)
        .map(|_| {
            let tui = Tui::start_other_timed("cat", &[&file], COLS, ROWS);
            let shown = tui
                .wait_frame(0, Duration::from_secs(10), |s| s.contains(&counted))
                .expect("the replayed list is read");
            shown.at - tui.started()
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    median(&times)
}

/// How long imgtui's own list request took, from its log ("image list received").
fn list_request(log: &Path, target: &Target) -> Duration {
    let text = std::fs::read_to_string(log).expect("imgtui wrote its log");
    text.lines()
        .find(|line| line.contains("image list received"))
        .and_then(|line| line.split_once(" micros=")?.1.split_whitespace().next())
        .and_then(|micros| micros.parse().ok())
        .map(Duration::from_micros)
        .unwrap_or_else(|| panic!("{}: no list request in {}", target.label, log.display()))
}

/// The first screen with anything on it.
fn first_frame(tui: &Tui) -> Frame {
    tui.wait_frame(0, Duration::from_secs(30), |s| !s.trim().is_empty())
        .expect("imgtui draws a first frame")
}

/// The first screen that counts all `count` images.
fn wait_list(tui: &Tui, count: usize, target: &Target) -> Frame {
    let counted = format!(" {count} images");
    tui.wait_frame(0, LIST_LIMIT, |s| {
        s.contains(&counted) && !s.contains("STALE")
    })
    .unwrap_or_else(|| panic!("{}: imgtui never showed {count} images", target.label))
}

fn quit(mut tui: Tui) {
    tui.send("q");
    assert!(tui.wait_exit(), "imgtui exits cleanly on q");
}

/// Target 4: clock ticks the process used while nothing happened.
fn idle_cpu(tui: &Tui, span: Duration) {
    // Let the first list's work (cache save, last redraw) finish.
    std::thread::sleep(Duration::from_secs(1));
    let before = cpu_ticks(tui.pid());
    std::thread::sleep(span);
    let ticks = cpu_ticks(tui.pid()) - before;
    let per_second = clock_ticks_per_second();
    let share = ticks as f64 / per_second as f64 / span.as_secs_f64();
    println!(
        "  4 idle CPU: {ticks} ticks of 1/{per_second} s in {} s = {:.3}% of a core  (target <= 0.5%)",
        span.as_secs(),
        share * 100.0
    );
}

/// utime + stime of `pid`, from /proc/<pid>/stat.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/<pid>/stat");
    // The command name may hold spaces; the fields after its ')' are fixed.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .expect("a stat line")
        .1
        .split_whitespace()
        .collect();
    let field = |n: usize| fields[n - 3].parse::<u64>().expect("a number");
    field(14) + field(15)
}

fn clock_ticks_per_second() -> u64 {
    let out = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .expect("getconf");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("CLK_TCK")
}

/// Target 5: `probes` new images loaded one by one while imgtui runs; for each, the time
/// from the engine's first event about it to the first screen that shows its row.
fn event_to_screen(tui: &Tui, target: &Target, probes: usize) {
    let dir = support::private_dir("probes");
    let mut from_event = Vec::new();
    let mut from_request = Vec::new();
    let base = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for k in 0..probes as u64 {
        // A new number each run: an image the engine has never seen.
        let tag = format!("perf/probe:{}", base * 100 + k);
        let archive = craft_probe(&dir, base * 100 + k);
        let seen = tui.frame_count();
        let requested = SystemTime::now();
        target.curl(
            &[
                "-X",
                "POST",
                "-H",
                "Content-Type: application/x-tar",
                "--data-binary",
                &format!("@{}", archive.display()),
            ],
            &format!("{}/images/load?quiet=1", target.api_prefix),
        );
        let shown = tui
            .wait_frame(seen, Duration::from_secs(60), |s| s.contains(&tag))
            .unwrap_or_else(|| panic!("{}: {tag} never appeared", target.label));
        let event = first_event_since(target, requested);
        from_event.push(shown.wall.duration_since(event).unwrap_or_default());
        from_request.push(shown.wall.duration_since(requested).unwrap_or_default());
        target.curl(
            &["-X", "DELETE", "-o", "/dev/null"],
            &format!("{}/images/{}", target.api_prefix, tag.replace('/', "%2F")),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "  5 event to screen: median {}  max {}  over {probes} loads of a new image  (target <= 300 ms); from the load request: median {}",
        show(median(&from_event)),
        show(*from_event.iter().max().expect("a probe")),
        show(median(&from_request)),
    );
}

fn craft_probe(dir: &Path, k: u64) -> PathBuf {
    let path = dir.join(format!("probe-{k}.tar"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/craft_image.py");
    let status = Command::new("python3")
        .arg(script)
        .arg("probe")
        .arg(&path)
        .arg(k.to_string())
        .status()
        .expect("python3 runs");
    assert!(status.success(), "craft_image.py probe failed");
    path
}

/// When the engine reported its first image event at or after `since`.
fn first_event_since(target: &Target, since: SystemTime) -> SystemTime {
    let since_secs = since.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let until = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 1;
    let filters = "%7B%22type%22%3A%5B%22image%22%5D%7D"; // {"type":["image"]}
    let body = target.curl(
        &[],
        &format!(
            "{}/events?since={since_secs}&until={until}&filters={filters}",
            target.api_prefix
        ),
    );
    let since_nanos = since.duration_since(UNIX_EPOCH).unwrap().as_nanos();
    serde_json::Deserializer::from_slice(&body)
        .into_iter::<serde_json::Value>()
        .filter_map(|event| event.ok()?.get("timeNano")?.as_u64())
        .map(u128::from)
        .filter(|&nanos| nanos >= since_nanos)
        .min()
        .map(|nanos| UNIX_EPOCH + Duration::from_nanos(nanos as u64))
        .unwrap_or_else(|| panic!("{}: no image event after the load", target.label))
}

/// Target 6: with the list saved by an earlier run, the first screen that shows it.
fn startup_from_cache(target: &Target, count: usize, live: Duration, runs: usize) {
    let cache = support::private_dir("perf-cache");
    let cache_env = cache.to_string_lossy().into_owned();
    let env = [("XDG_CACHE_HOME", cache_env.as_str())];
    // Fill the cache: the first live list is saved, and the list again on quitting.
    let tui = Tui::start_timed(&["--host", &target.host], &env, COLS, ROWS);
    wait_list(&tui, count, target);
    quit(tui);
    let counted = format!(" {count} images");
    let mut useful = Vec::new();
    let mut from_cache = 0;
    for _ in 0..runs {
        let tui = Tui::start_timed(&["--host", &target.host], &env, COLS, ROWS);
        // A fast engine can answer before the cache is read; then the live list is the
        // first useful frame, and that run says so below.
        let frame = tui
            .wait_frame(0, LIST_LIMIT, |s| s.contains(&counted))
            .unwrap_or_else(|| panic!("{}: no list ever showed", target.label));
        if frame.screen.contains("STALE: saved") {
            from_cache += 1;
        }
        useful.push(frame.at - tui.started());
        // Quit only once the live list is in: Docker goes on computing a list its client
        // left, which would slow the next run's start (a restart right after a start is
        // not what this measures).
        wait_list(&tui, count, target);
        quit(tui);
    }
    let _ = std::fs::remove_dir_all(&cache);
    let first = median(&useful);
    println!(
        "  6 first useful frame with the cache: {}  (median of {runs}, {from_cache} of them from the cache; live list {}, {:.4}x; target <= 100 ms)",
        show(first),
        show(live),
        first.as_secs_f64() / live.as_secs_f64()
    );
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    let middle = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2
    } else {
        sorted[middle]
    }
}

fn show(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    }
}
