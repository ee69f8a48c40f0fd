//! The engine facts line against the real engines: Docker 20.10 (graph driver overlay2),
//! Docker 28 (containerd image store) and Podman 4.3, each compared with what the docker CLI
//! reads from the same engine (`docker version`, `docker info`).

mod support;

use std::process::Command;

use support::{TestEngine, Tui, all_engines};

/// `docker --format` output against `engine`.
fn docker_format(engine: &TestEngine, what: &str, format: &str) -> String {
    let output = Command::new("docker")
        .args(["-H", &engine.host, what, "--format", format])
        .output()
        .expect("the docker CLI runs");
    assert!(
        output.status.success(),
        "docker {what} on {}: {}",
        engine.name,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// The facts line imgtui should show, from the docker CLI's view of the engine.
fn expected(engine: &TestEngine) -> String {
    let components = docker_format(
        engine,
        "version",
        "{{range .Server.Components}}{{.Name}};{{end}}",
    );
    let product = if components.contains("Podman") {
        "Podman"
    } else {
        "Docker"
    };
    let version = docker_format(engine, "version", "{{.Server.Version}}");
    // imgtui speaks the engine's API version, capped at the newest it knows.
    let api = docker_format(engine, "version", "{{.Server.APIVersion}}");
    let platform = docker_format(engine, "version", "{{.Server.Os}}/{{.Server.Arch}}");
    let driver = docker_format(engine, "info", "{{.Driver}}");
    let status = docker_format(engine, "info", "{{json .DriverStatus}}");
    let storage = if status.contains("io.containerd.snapshotter") {
        format!("containerd store ({driver})")
    } else {
        driver
    };
    format!(
        " {product} {version} · {storage} · API {api} · {platform} · {}",
        engine.host
    )
}

#[test]
fn the_facts_line_matches_docker_version_and_info() {
    let engines = all_engines();
    for engine in &engines {
        let want = expected(engine);
        let mut tui = Tui::start(&["--host", &engine.host], 200, 30);
        // The storage joins the line once `GET /info` has answered, after the connection.
        tui.wait_screen(&format!("{}: {want:?}", engine.name), |s| {
            s.lines().next().is_some_and(|l| l.trim_end() == want)
        });
        tui.send("q");
        assert!(tui.wait_exit());
    }
    // Each kind of storage was seen (when all three engines are there).
    if engines.len() == 3 {
        let storages: Vec<String> = engines.iter().map(expected).collect();
        assert!(storages[0].contains(" · overlay2 · "), "{storages:?}");
        assert!(storages[1].contains(" · containerd store (overlayfs) · "));
        assert!(storages[2].starts_with(" Podman ") && storages[2].contains(" · overlay · "));
    }
}

/// Before the engine answers, the line says where imgtui is connecting.
#[test]
fn the_facts_line_says_connecting_before_the_engine_answers() {
    let dir = support::private_dir("nosock");
    let host = format!("unix://{}/docker.sock", dir.display());
    let mut tui = Tui::start(&["--host", &host], 120, 30);
    let screen = tui.wait_screen("the facts line", |s| {
        s.lines()
            .next()
            .is_some_and(|l| l.starts_with(" connecting to ") || l.starts_with(" not connected"))
    });
    let first = screen.lines().next().unwrap();
    assert!(first.contains(&host), "{screen}");
    tui.send("q");
    assert!(tui.wait_exit());
}
