//! Disk usage against the real engines: imgtui's summary of `GET /system/df` says what
//! `docker system df` says, and the status bar shows it.

mod support;

use imgtui::core::disk::DiskUsage;
use std::process::Command;
use std::time::Duration;

use support::{TestEngine, Tui, connect, engines, runtime};

/// The docker CLI's sizes (go-units `HumanSizeWithPrecision(n, 4)`): decimal units, four
/// significant digits, trailing zeros dropped.
fn cli_size(n: u64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut size = n as f64;
    let mut unit = 0;
    while size >= 1000.0 && unit < units.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    let digits = if size >= 1.0 {
        size.log10().floor() as i32 + 1
    } else {
        1
    };
    let decimals = (4 - digits).max(0) as usize;
    let mut text = format!("{size:.decimals$}");
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    format!("{text}{}", units[unit])
}

/// `docker system df`'s rows. The engine computes one disk usage at a time and refuses a
/// second ("already running"); the other test's imgtui may be asking just then, so wait.
fn cli_df(engine: &TestEngine) -> String {
    let format = "{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}";
    for _ in 0..100 {
        let out = Command::new("docker")
            .args(["-H", &engine.host, "system", "df", "--format", format])
            .output()
            .expect("the docker CLI runs");
        if out.status.success() {
            return String::from_utf8_lossy(&out.stdout).into_owned();
        }
        let error = String::from_utf8_lossy(&out.stderr);
        assert!(
            error.contains("already running"),
            "docker system df on {}: {error}",
            engine.name
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("docker system df on {} stayed busy for 20 s", engine.name);
}

#[test]
fn the_summary_agrees_with_docker_system_df() {
    assert_eq!(cli_size(4_137_594), "4.138MB");
    assert_eq!(cli_size(8_359_973), "8.36MB");
    assert_eq!(cli_size(0), "0B");
    let runtime = runtime();
    for engine in engines() {
        let usage = runtime.block_on(async { connect(&engine).await.disk_usage().await.unwrap() });
        let usage = DiskUsage::from_report(usage, 0);
        let cli = cli_df(&engine);
        let images = cli
            .lines()
            .find_map(|l| l.strip_prefix("Images|"))
            .unwrap_or_else(|| panic!("no Images row:\n{cli}"));
        let ours = format!(
            "{}|{}|{}|{} ({}%)",
            usage.images,
            usage.active,
            cli_size(usage.size),
            cli_size(usage.reclaimable),
            usage.reclaimable_percent()
        );
        assert_eq!(ours, images, "on {}", engine.name);
        // The seed set: the busybox image and a dangling one are in use.
        assert!(usage.images >= 15 && usage.active >= 2, "{ours}");
        assert!(!usage.shared.is_empty(), "shared sizes per image");
    }
}

#[test]
fn the_status_bar_shows_the_disk_usage_once_the_list_is_in() {
    for engine in engines() {
        let mut tui = Tui::start(&["--host", &engine.host], 160, 40);
        let screen = tui.wait_screen("the disk usage", |s| s.contains("reclaimable ("));
        let status = screen.lines().last().unwrap_or_default().to_string();
        assert!(status.contains(" · disk "), "{status}");
        // The detail pane has the selected image's shared size from it.
        assert!(screen.contains("(disk usage "), "{screen}");
        tui.send("q");
        assert!(tui.wait_exit(), "imgtui exits with success");
    }
}
