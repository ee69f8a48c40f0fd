//! Finding the engine as the docker CLI does, with the real binary and the real engines:
//! contexts made by `docker context create` and by hand in a private DOCKER_CONFIG, named
//! by DOCKER_CONTEXT, `--context` or config.json; a socket found in XDG_RUNTIME_DIR with
//! nothing configured; and the engine picker (`c`) switching engines in a running imgtui.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{TestEngine, Tui, engines, private_dir};

/// A private docker CLI config directory holding a context per engine, named
/// `imgtui-<engine>`, made by the docker CLI itself.
fn cli_contexts(engines: &[TestEngine]) -> PathBuf {
    let dir = private_dir("docker-config");
    for engine in engines {
        let out = Command::new("docker")
            .env("DOCKER_CONFIG", &dir)
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_CONTEXT")
            .args(["context", "create", &context_name(engine)])
            .args(["--description", &format!("the {} test engine", engine.name)])
            .args(["--docker", &format!("host={}", engine.host)])
            .output()
            .expect("the docker CLI runs");
        assert!(
            out.status.success(),
            "docker context create: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    dir
}

fn context_name(engine: &TestEngine) -> String {
    format!("imgtui-{}", engine.name)
}

/// The environment of a run that finds its engine only through `config` (and what the
/// test adds): no DOCKER_HOST, no inherited context, an empty HOME and XDG_RUNTIME_DIR so
/// no socket of this machine's user is found.
fn isolated(config: &Path) -> Vec<(String, String)> {
    vec![
        ("DOCKER_CONFIG".into(), config.display().to_string()),
        ("DOCKER_CONTEXT".into(), String::new()),
        ("DOCKER_TLS_VERIFY".into(), String::new()),
        ("COLIMA_HOME".into(), String::new()),
        ("HOME".into(), private_dir("home").display().to_string()),
        (
            "XDG_RUNTIME_DIR".into(),
            private_dir("run").display().to_string(),
        ),
        (
            "XDG_CONFIG_HOME".into(),
            private_dir("config").display().to_string(),
        ),
        (
            "XDG_CACHE_HOME".into(),
            private_dir("cache").display().to_string(),
        ),
    ]
}

fn imgtui(args: &[&str], env: &[(String, String)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imgtui"))
        .args(args)
        .env_remove("DOCKER_HOST")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("imgtui runs")
}

fn with(mut env: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    env.retain(|(k, _)| k != key);
    env.push((key.into(), value.into()));
    env
}

fn stdout_of(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The full id of `tag` on `engine` (Docker 28's containerd store gives the same seed
/// image another id than 20.10, which tells the engines' lists apart).
fn image_id(engine: &TestEngine, tag: &str) -> String {
    support::docker(engine, &["image", "inspect", "-f", "{{.Id}}", tag])
}

fn short(id: &str) -> &str {
    &id.trim_start_matches("sha256:")[..12]
}

#[test]
fn contexts_made_by_the_docker_cli_are_found_every_way_the_cli_finds_them() {
    let engines = engines();
    if engines.is_empty() {
        return;
    }
    let config = cli_contexts(&engines);
    let base = isolated(&config);
    for engine in &engines {
        let name = context_name(engine);
        let id = image_id(engine, "imgtui-test/small:1");
        let by_env = with(base.clone(), "DOCKER_CONTEXT", &name);
        let printed = stdout_of(&imgtui(&["--print-engine"], &by_env), "--print-engine");
        assert_eq!(
            printed,
            format!("{}\tcontext {name} (from DOCKER_CONTEXT)\n", engine.host)
        );
        let printed = stdout_of(
            &imgtui(&["--context", &name, "--print-engine"], &base),
            "--print-engine",
        );
        assert_eq!(
            printed,
            format!("{}\tcontext {name} (from --context)\n", engine.host)
        );
        for (how, args, env) in [
            ("DOCKER_CONTEXT", vec!["list"], by_env.clone()),
            ("--context", vec!["list", "--context", &name], base.clone()),
        ] {
            let listed = stdout_of(&imgtui(&args, &env), how);
            assert!(
                listed.contains("imgtui-test/small:1") && listed.contains(short(&id)),
                "{how} on {}: {listed}",
                engine.name
            );
            // A header and the seed set's 15 images.
            assert_eq!(listed.lines().count(), 16, "{how}: {listed}");
        }
    }
    // `docker context use` writes config.json's currentContext: with nothing else set,
    // that is the one used.
    let last = engines.last().unwrap();
    let out = Command::new("docker")
        .env("DOCKER_CONFIG", &config)
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .args(["context", "use", &context_name(last)])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = stdout_of(&imgtui(&["--print-engine"], &base), "--print-engine");
    assert_eq!(
        printed,
        format!(
            "{}\tcontext {} (from config.json's currentContext)\n",
            last.host,
            context_name(last)
        )
    );
    let listed = stdout_of(&imgtui(&["list"], &base), "list");
    assert!(listed.contains(short(&image_id(last, "imgtui-test/small:1"))));
    // DOCKER_HOST wins over every context, as for the CLI.
    let first = &engines[0];
    let printed = stdout_of(
        &imgtui(
            &["--print-engine"],
            &with(base.clone(), "DOCKER_HOST", &first.host),
        ),
        "--print-engine",
    );
    assert_eq!(printed, format!("{}\tDOCKER_HOST\n", first.host));
    // An unknown name stops before anything else, naming the ones there are.
    let out = imgtui(&["list"], &with(base, "DOCKER_CONTEXT", "nope"));
    assert_eq!(out.status.code(), Some(2));
    let error = String::from_utf8_lossy(&out.stderr);
    let mut known: Vec<String> = engines.iter().map(context_name).collect();
    known.sort();
    assert!(
        error.contains("there is no docker context named \"nope\" (from DOCKER_CONTEXT")
            && error.contains(&format!("known contexts: default, {}", known.join(", "))),
        "{error}"
    );
}

#[test]
fn a_hand_written_context_is_read_like_the_clis() {
    let Some(engine) = engines().into_iter().next() else {
        return;
    };
    let config = private_dir("docker-config-hand");
    let digest = sha256_hex("hand");
    let dir = config.join("contexts/meta").join(digest);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("meta.json"),
        format!(
            r#"{{"Name":"hand","Metadata":{{"Description":"written by hand"}},"Endpoints":{{"docker":{{"Host":"{}","SkipTLSVerify":false}}}}}}"#,
            engine.host
        ),
    )
    .unwrap();
    std::fs::write(config.join("config.json"), r#"{"currentContext":"hand"}"#).unwrap();
    let env = isolated(&config);
    let printed = stdout_of(&imgtui(&["--print-engine"], &env), "--print-engine");
    assert_eq!(
        printed,
        format!(
            "{}\tcontext hand (from config.json's currentContext)\n",
            engine.host
        )
    );
    // The docker CLI agrees on where the context points.
    let out = Command::new("docker")
        .env("DOCKER_CONFIG", &config)
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .args([
            "context",
            "inspect",
            "-f",
            "{{.Endpoints.docker.Host}}",
            "hand",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        engine.host,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = stdout_of(&imgtui(&["list"], &env), "list");
    assert!(listed.contains("imgtui-test/multi:a"), "{listed}");
    // The TUI with no flags and only DOCKER_CONFIG naming where to look.
    let tui_env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut tui = Tui::start_with_env(&[], &tui_env, 200, 40);
    tui.wait_screen("the hand-made context's images and label", |s| {
        s.contains("imgtui-test/multi:a")
            && s.contains(&format!("· context hand · {}", engine.host))
    });
    tui.send("q");
    assert!(tui.wait_exit());

    // A broken meta.json stops with the file and the reason, exit 2.
    std::fs::write(dir.join("meta.json"), "{\"Name\": ").unwrap();
    let out = imgtui(&["list"], &env);
    assert_eq!(out.status.code(), Some(2));
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(
        error.contains("meta.json: not a valid context description"),
        "{error}"
    );
}

/// The lowercase hex SHA-256 of `text`, from coreutils (the crate's own is under test).
fn sha256_hex(text: &str) -> String {
    let out = Command::new("sh")
        .args(["-c", "printf %s \"$1\" | sha256sum", "sh", text])
        .output()
        .expect("sha256sum runs");
    String::from_utf8_lossy(&out.stdout)[..64].to_string()
}

#[test]
fn the_tui_shows_the_context_and_its_images_with_no_flags() {
    let engines = engines();
    if engines.is_empty() {
        return;
    }
    let config = cli_contexts(&engines);
    for engine in &engines {
        let name = context_name(engine);
        let env = with(isolated(&config), "DOCKER_CONTEXT", &name);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut tui = Tui::start_with_env(&[], &env, 200, 40);
        let id = image_id(engine, "imgtui-test/small:1");
        let label = format!("· context {name} · {}", engine.host);
        tui.wait_screen(&format!("{name}'s images and label"), |s| {
            s.contains(short(&id)) && s.contains(&label)
        });
        tui.send("q");
        assert!(tui.wait_exit());
    }
}

#[test]
fn c_switches_to_another_context_without_restarting() {
    let engines = engines();
    let (Some(old), Some(new)) = (
        engines.iter().find(|e| e.name == "old"),
        engines.iter().find(|e| e.name == "new"),
    ) else {
        return;
    };
    let config = cli_contexts(&[old.clone(), new.clone()]);
    // And one whose engine is not there.
    let out = Command::new("docker")
        .env("DOCKER_CONFIG", &config)
        .args(["context", "create", "imgtui-gone"])
        .args(["--docker", "host=unix:///tmp/imgtui-nowhere/docker.sock"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let env = with(isolated(&config), "DOCKER_CONTEXT", &context_name(old));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut tui = Tui::start_with_env(&[], &env, 200, 40);
    let (old_id, new_id) = (
        image_id(old, "imgtui-test/small:1"),
        image_id(new, "imgtui-test/small:1"),
    );
    assert_ne!(
        short(&old_id),
        short(&new_id),
        "the engines' ids tell them apart"
    );
    tui.wait_screen("the old engine's list", |s| {
        s.contains(short(&old_id)) && s.contains("· context imgtui-old ·")
    });
    tui.send("c");
    // default, imgtui-gone, imgtui-new, imgtui-old (sorted), the current one marked and
    // selected.
    let screen = tui.wait_screen("the picker", |s| {
        s.contains("Switch engine") && s.contains("● imgtui-old")
    });
    assert!(
        screen.contains("imgtui-new") && screen.contains("the new test engine"),
        "{screen}"
    );
    assert!(screen.contains(&new.host), "{screen}");
    tui.send("k\r");
    let screen = tui.wait_screen("the new engine's list and label", |s| {
        s.contains(short(&new_id)) && s.contains(&format!("· context imgtui-new · {}", new.host))
    });
    assert!(!screen.contains(short(&old_id)), "{screen}");
    assert!(!screen.contains("Switch engine"), "the picker closed");
    // The version joins the status after the list (`GET /version` waits for it).
    tui.wait_screen("the new engine's version", |s| s.contains("Docker 28"));
    // And back, with Esc closing the picker in between.
    tui.send("c");
    tui.wait_screen("the picker on the new engine", |s| {
        s.contains("● imgtui-new")
    });
    tui.send("\x1b");
    tui.wait_screen("the picker closed", |s| !s.contains("Switch engine"));
    tui.send("c");
    tui.wait_screen("the picker again", |s| s.contains("● imgtui-new"));
    tui.send("j\r");
    tui.wait_screen("the old engine's list again", |s| {
        s.contains(short(&old_id))
            && s.contains("· context imgtui-old ·")
            && !s.contains(short(&new_id))
    });
    // To an engine that is not there: it says so under the context's name, the old list
    // gone; and from there back to a working one.
    tui.send("c");
    tui.wait_screen("the picker on the old engine", |s| {
        s.contains("● imgtui-old")
    });
    tui.send("kk\r");
    let screen = tui.wait_screen("the missing engine", |s| {
        s.contains("Cannot reach the engine at unix:///tmp/imgtui-nowhere/docker.sock")
            && s.contains("· context imgtui-gone ·")
    });
    assert!(!screen.contains(short(&old_id)), "{screen}");
    tui.send("c");
    tui.wait_screen("the picker on the missing engine", |s| {
        s.contains("● imgtui-gone")
    });
    tui.send("jj\r");
    tui.wait_screen("the old engine's list once more", |s| {
        s.contains(short(&old_id)) && s.contains("· context imgtui-old ·")
    });
    tui.send("q");
    assert!(tui.wait_exit());
}

#[test]
fn with_nothing_configured_a_socket_is_found() {
    let Some(engine) = engines().into_iter().next() else {
        return;
    };
    let socket = engine.host.strip_prefix("unix://").expect("a unix socket");
    let config = private_dir("docker-config-empty");
    let run = private_dir("runtime-dir");
    std::os::unix::fs::symlink(socket, run.join("docker.sock")).unwrap();
    let env = with(
        isolated(&config),
        "XDG_RUNTIME_DIR",
        &run.display().to_string(),
    );
    let printed = stdout_of(&imgtui(&["--print-engine"], &env), "--print-engine");
    // The system socket comes first; on a machine that has one, that is what is found.
    if Path::new("/var/run/docker.sock").exists() {
        assert!(printed.contains("(standard socket)"), "{printed}");
        eprintln!("/var/run/docker.sock exists: the rootless socket is not reached here");
        return;
    }
    let found = run.join("docker.sock");
    assert_eq!(
        printed,
        format!(
            "unix://{}\tfound {} (rootless Docker)\n",
            found.display(),
            found.display()
        )
    );
    let listed = stdout_of(&imgtui(&["list"], &env), "list");
    assert!(listed.contains("imgtui-test/small:1"), "{listed}");
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut tui = Tui::start_with_env(&[], &env, 200, 40);
    tui.wait_screen("the found engine's images and how it was found", |s| {
        s.contains("imgtui-test/small:1") && s.contains("· rootless Docker · unix://")
    });
    tui.send("q");
    assert!(tui.wait_exit());

    // Nothing anywhere: exit 2 before the terminal is touched, listing what was tried.
    let empty = with(
        isolated(&config),
        "XDG_RUNTIME_DIR",
        &private_dir("empty-run").display().to_string(),
    );
    let out = imgtui(&["list"], &empty);
    assert_eq!(out.status.code(), Some(2));
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(
        error.contains("no engine found") && error.contains("(rootless Docker)"),
        "{error}"
    );
}
