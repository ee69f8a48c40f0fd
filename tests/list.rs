//! `imgtui list` against the real engines: the JSON holds every image the engine lists, with
//! the engine's own field names and values, in the TUI's order and under the TUI's filter.

mod support;

use std::collections::BTreeSet;
use std::process::{Command, Output};

use serde_json::Value;
use support::{TestEngine, engines, list_json};

/// The binary with no engine address and no config from the environment (a developer's own
/// config would change the order).
fn imgtui(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imgtui"))
        .args(args)
        .env_remove("DOCKER_HOST")
        .env("XDG_CONFIG_HOME", support::private_dir("list-config"))
        .output()
        .expect("imgtui runs")
}

/// The engine's own answer to `GET /images/json`, straight from its socket.
fn engine_images(engine: &TestEngine) -> Vec<Value> {
    let socket = engine.host.strip_prefix("unix://").expect("a unix socket");
    let out = Command::new("curl")
        .args([
            "-sS",
            "--unix-socket",
            socket,
            "http://localhost/images/json",
        ])
        .output()
        .expect("curl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    match serde_json::from_slice(&out.stdout).expect("the engine answers JSON") {
        Value::Array(items) => items,
        other => panic!("not an array: {other}"),
    }
}

fn id(image: &Value) -> &str {
    image["Id"].as_str().expect("Id is a string")
}

/// `RepoTags` without the `<none>:<none>` placeholder old engines use for dangling images.
fn tags(image: &Value) -> Vec<String> {
    image["RepoTags"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "<none>:<none>")
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// An absent or null list is an empty one (old engines send null), without the
/// `<none>@<none>` placeholder old engines use.
fn array(value: &Value) -> Vec<Value> {
    let mut items = value.as_array().cloned().unwrap_or_default();
    items.retain(|v| v != "<none>@<none>");
    items
}

/// An absent or null map is an empty one.
fn map(value: &Value) -> serde_json::Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

#[test]
fn json_has_every_image_with_the_engines_fields_largest_first() {
    for engine in engines() {
        let listed = list_json(&engine, &[]);
        let truth = engine_images(&engine);
        let listed_ids: BTreeSet<&str> = listed.iter().map(id).collect();
        let true_ids: BTreeSet<&str> = truth.iter().map(id).collect();
        assert_eq!(listed_ids, true_ids, "same images on {}", engine.name);
        assert!(
            listed.len() >= 15,
            "the seed set is there on {}",
            engine.name
        );

        for want in &truth {
            let got = listed.iter().find(|i| id(i) == id(want)).unwrap();
            let name = format!("{} on {}", id(want), engine.name);
            assert_eq!(tags(got), tags(want), "RepoTags of {name}");
            assert_eq!(
                array(&got["RepoDigests"]),
                array(&want["RepoDigests"]),
                "RepoDigests of {name}"
            );
            for field in ["ParentId", "Created", "Size"] {
                assert_eq!(got[field], want[field], "{field} of {name}");
            }
            assert_eq!(
                map(&got["Labels"]),
                map(&want["Labels"]),
                "Labels of {name}"
            );
            // The containerd store's extra fields come through.
            if let Some(manifests) = want["Manifests"].as_array() {
                let got_manifests = got["Manifests"].as_array().expect("Manifests kept");
                assert_eq!(got_manifests.len(), manifests.len(), "Manifests of {name}");
                for (g, w) in got_manifests.iter().zip(manifests) {
                    assert_eq!(g["ID"], w["ID"], "manifest ID of {name}");
                    assert_eq!(g["Kind"], w["Kind"], "manifest Kind of {name}");
                }
            }
            if want["Descriptor"].is_object() {
                assert_eq!(
                    got["Descriptor"]["digest"], want["Descriptor"]["digest"],
                    "Descriptor of {name}"
                );
            }
            for field in ["SharedSize", "Containers"] {
                assert!(got[field].is_i64(), "{field} of {name}: {}", got[field]);
            }
        }

        // The TUI's default order: largest first.
        let sizes: Vec<i64> = listed.iter().map(|i| i["Size"].as_i64().unwrap()).collect();
        assert!(
            sizes.windows(2).all(|w| w[0] >= w[1]),
            "largest first on {}: {sizes:?}",
            engine.name
        );
        // imgtui counts containers itself (old engines say -1): two use the busybox image.
        let busybox = listed
            .iter()
            .find(|i| tags(i).contains(&"imgtui-test/busybox:latest".to_string()))
            .expect("the busybox image");
        assert_eq!(busybox["Containers"], 2, "on {}", engine.name);
    }
}

#[test]
fn the_filter_and_sort_options_give_the_tuis_view() {
    for engine in engines() {
        let truth = engine_images(&engine);
        let dangling: BTreeSet<&str> = truth
            .iter()
            .filter(|i| tags(i).is_empty())
            .map(id)
            .collect();
        assert!(dangling.len() >= 3, "the seed set's dangling images");
        let listed = list_json(&engine, &["--filter", "dangling"]);
        let listed_ids: BTreeSet<&str> = listed.iter().map(id).collect();
        assert_eq!(listed_ids, dangling, "dangling only on {}", engine.name);

        // The options also work before the subcommand; by name, A to Z.
        let out = imgtui(&[
            "--sort",
            "name",
            "--filter",
            "imgtui-test/ !dangling",
            "list",
            "--host",
            &engine.host,
            "--format",
            "json",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let listed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        let firsts: Vec<String> = listed.iter().map(|i| tags(i)[0].clone()).collect();
        let mut sorted = firsts.clone();
        sorted.sort();
        assert_eq!(firsts, sorted, "by name on {}", engine.name);
        assert!(firsts.contains(&"imgtui-test/small:1".to_string()));
        assert!(!firsts.iter().any(|t| t.starts_with("localhost:5000/")));
    }
}

#[test]
fn the_table_is_aligned_and_carries_no_escape_sequences() {
    for engine in engines() {
        let out = imgtui(&["list", "--host", &engine.host, "--sort", "name"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        assert!(!text.contains('\x1b'), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("REPOSITORY:TAG"), "{text}");
        assert_eq!(lines.len(), 1 + engine_images(&engine).len(), "{text}");
        let id_column = lines[0].find("IMAGE ID").unwrap();
        let small = lines
            .iter()
            .find(|l| l.starts_with("imgtui-test/small:1 "))
            .expect("the small image's row");
        assert_eq!(small.as_bytes()[id_column - 1], b' ', "{text}");
        assert!(small.as_bytes()[id_column].is_ascii_hexdigit(), "{text}");
    }
}

#[test]
fn an_unreachable_engine_is_a_plain_error_and_exit_code_1() {
    let dir = support::private_dir("list-unreachable");
    let host = format!("unix://{}/missing.sock", dir.display());
    let out = imgtui(&["list", "--host", &host]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "imgtui: no engine at {host}: the socket does not exist"
        )),
        "{err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

/// A socket the user may not open: the real EACCES from the kernel, not a mapped fake. As
/// root (CI) the binary runs as `nobody`, since root opens any socket.
#[test]
fn permission_denied_on_the_socket_names_the_docker_group() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    let dir = support::private_dir("list-denied");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let socket = dir.join("docker.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).expect("a socket");
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600)).unwrap();
    let host = format!("unix://{}", socket.display());

    // The directory we just made is owned by whoever we run as.
    let root = std::fs::metadata(&dir).unwrap().uid() == 0;
    let mut command = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_imgtui"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_imgtui"))
    };
    let out = command
        .args(["list", "--host", &host])
        .env_remove("DOCKER_HOST")
        // Readable by `nobody`: the default would be under root's home.
        .env("XDG_CONFIG_HOME", &dir)
        .output()
        .expect("imgtui runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("permission denied on {host}")),
        "{err}"
    );
    assert!(err.contains("docker group"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
