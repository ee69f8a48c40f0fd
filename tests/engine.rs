//! Integration tests against real private engines (Docker 20.10 and Docker 28 with the
//! containerd store), seeded by `scripts/test-engine.sh seed`. Run through
//! `scripts/with-engines.sh`, which exports the engines' addresses.

mod support;

use std::time::Duration;

use imgtui::core::action::{EngineEvent, Message};
use imgtui::core::image::Image;
use imgtui::core::sort::Sort;
use imgtui::core::state::AppState;
use imgtui::engine::client::Engine;
use imgtui::engine::endpoint::Endpoint;
use imgtui::engine::error::EngineError;
use imgtui::engine::mutate::Removed;
use imgtui::engine::worker;
use support::{by_tag, connect, docker, engines, runtime, unique};
use tokio::sync::mpsc::UnboundedReceiver;

#[test]
fn negotiates_the_api_version_of_each_engine() {
    let rt = runtime();
    for engine in engines() {
        let client = rt.block_on(connect(&engine));
        let info = client.info();
        assert_eq!(info.product, "Docker");
        match engine.name {
            "old" => {
                assert_eq!(info.api_version, "1.41");
                assert!(info.version.starts_with("20.10"), "{}", info.version);
            }
            _ => assert!(client.api().at_least(1, 45), "{}", info.api_version),
        }
    }
}

/// `/_ping` (what the worker connects with, the list going out at once) agrees with
/// `/version` on the API and the product, on every kind of engine.
#[test]
fn the_ping_agrees_with_the_version() {
    let rt = runtime();
    for engine in support::all_engines() {
        let endpoint = Endpoint::parse(&engine.host).unwrap();
        let reached = rt
            .block_on(Engine::reach(endpoint, Default::default()))
            .unwrap_or_else(|e| panic!("{}: {e}", engine.name));
        let described = rt.block_on(reached.describe()).unwrap();
        assert_eq!(reached.info().api_version, described.api_version);
        assert_eq!(reached.info().product, described.product, "{}", engine.name);
        let product = if engine.name == "podman" {
            "Podman"
        } else {
            "Docker"
        };
        assert_eq!(described.product, product);
        assert!(!described.version.is_empty() && !described.arch.is_empty());
    }
}

/// The worker asks for the list without waiting for `/version`, and reports in a fixed
/// order: connected (with what the ping said: product and API) before the list; what the
/// engine is (`GET /version`) and where images are kept (`GET /info`) after it.
#[test]
fn the_worker_reports_connected_then_the_list_then_what_the_engine_is() {
    let rt = runtime();
    for engine in support::all_engines() {
        let order = rt.block_on(async {
            let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
            let _handle = worker::spawn(Endpoint::parse(&engine.host).unwrap(), tx);
            let mut order = Vec::new();
            let collect = async {
                while let Some(event) = events.recv().await {
                    match event {
                        EngineEvent::Status(imgtui::core::action::EngineStatus::Connected(
                            info,
                        )) => {
                            assert!(
                                !info.product.is_empty() && !info.api_version.is_empty(),
                                "{}: {info:?}",
                                engine.name
                            );
                            order.push("connected");
                        }
                        EngineEvent::Listed { .. } => order.push("listed"),
                        EngineEvent::Described(info) => {
                            assert!(!info.version.is_empty(), "{}: {info:?}", engine.name);
                            order.push("described");
                        }
                        EngineEvent::Storage(storage) => {
                            assert!(!storage.is_empty());
                            order.push("storage");
                        }
                        _ => {}
                    }
                    if order.contains(&"described") && order.contains(&"storage") {
                        return;
                    }
                }
            };
            tokio::time::timeout(Duration::from_secs(120), collect)
                .await
                .unwrap_or_else(|_| panic!("{}: no description and storage", engine.name));
            order
        });
        assert_eq!(order[..2], ["connected", "listed"], "{}", engine.name);
        let mut rest = order[2..].to_vec();
        rest.sort();
        assert_eq!(rest, ["described", "storage"], "{}", engine.name);
    }
}

#[test]
fn lists_the_seed_set_with_quirks_normalised() {
    let rt = runtime();
    for engine in engines() {
        let images = rt.block_on(async { connect(&engine).await.list_images().await.unwrap() });
        let seed: Vec<&Image> = images
            .iter()
            .filter(|i| {
                i.repo_tags.iter().any(|t| t.starts_with("imgtui-test/"))
                    || i.labels.iter().any(|(k, _)| k.starts_with("imgtui."))
            })
            .collect();
        assert!(
            seed.len() >= 15,
            "{}: {} seed images",
            engine.name,
            seed.len()
        );

        // One image, three tags, including a registry with a port.
        let multi = by_tag(&images, "imgtui-test/multi:a");
        for tag in ["imgtui-test/multi:b", "localhost:5000/team/app:1.2"] {
            assert!(
                multi.repo_tags.iter().any(|t| t == tag),
                "{}: {tag}",
                engine.name
            );
        }

        // Dangling images: placeholders are gone on both engines.
        let dangling: Vec<&Image> = images.iter().filter(|i| i.is_dangling()).collect();
        assert!(
            dangling.len() >= 3,
            "{}: {} dangling",
            engine.name,
            dangling.len()
        );
        assert!(
            images
                .iter()
                .flat_map(|i| &i.repo_tags)
                .all(|t| !t.contains("<none>"))
        );
        assert!(
            images
                .iter()
                .flat_map(|i| &i.repo_digests)
                .all(|t| !t.contains("<none>"))
        );

        // Labels arrive sorted, hostile bytes intact (sanitizing is the UI's job).
        let labels = &by_tag(&images, "imgtui-test/labels:many").labels;
        assert_eq!(labels.len(), 60);
        assert!(labels.windows(2).all(|w| w[0].0 <= w[1].0));
        let hostile = by_tag(&images, "imgtui-test/hostile:1");
        assert!(hostile.labels.iter().any(|(_, v)| v.contains('\u{1b}')));

        // Equal sizes really are equal, so the tie-break by id is exercised.
        let (x, y) = (
            by_tag(&images, "imgtui-test/tie:x"),
            by_tag(&images, "imgtui-test/tie:y"),
        );
        assert_eq!(x.size, y.size);
        assert_ne!(x.id, y.id);

        let big = by_tag(&images, "imgtui-test/big:1");
        let small = by_tag(&images, "imgtui-test/small:1");
        assert!(
            big.size > 2_000_000 && small.size < 100_000,
            "{} {}",
            big.size,
            small.size
        );
        let old = by_tag(&images, "imgtui-test/old:1");
        assert_eq!(old.created, Some(1_420_070_400), "2015-01-01");

        match engine.name {
            // 20.10 still sends VirtualSize and reports -1 containers.
            "old" => {
                assert!(big.virtual_size.is_some());
                assert!(images.iter().all(|i| i.containers.is_none()));
            }
            _ => assert!(big.virtual_size.is_none(), "gone since API 1.44"),
        }
    }
}

#[test]
fn manifests_and_descriptors_on_the_containerd_store() {
    let rt = runtime();
    for engine in engines().into_iter().filter(|e| e.name == "new") {
        let client = rt.block_on(connect(&engine));
        if !client.api().at_least(1, 47) {
            eprintln!("engine speaks API {}: no manifests to check", client.api());
            continue;
        }
        let images = rt.block_on(client.list_images()).unwrap();
        let small = by_tag(&images, "imgtui-test/small:1");
        assert!(!small.manifests.is_empty(), "manifests=1 was sent");
        let manifest = &small.manifests[0];
        assert!(manifest.available);
        assert!(manifest.total_size > 0);
        assert_eq!(
            manifest.platform.as_ref().map(|p| p.os.as_str()),
            Some("linux")
        );
        if client.api().at_least(1, 48) {
            let descriptor = small.descriptor.as_ref().expect("descriptor at 1.48+");
            assert!(descriptor.digest.starts_with("sha256:"));
        }
    }
}

#[test]
fn counts_containers_per_image_on_both_engines() {
    let rt = runtime();
    for engine in engines() {
        let client = rt.block_on(connect(&engine));
        let (images, by_image) = rt.block_on(async {
            (
                client.list_images().await.unwrap(),
                client.containers_by_image().await.unwrap(),
            )
        });
        let mut state = AppState::new(Sort::default(), engine.host.clone());
        state.update(Message::Engine(EngineEvent::Listed {
            generation: 0,
            images: images.clone(),
        }));
        state.update(Message::Engine(EngineEvent::Containers {
            generation: 0,
            by_image,
        }));
        let busybox = by_tag(&images, "imgtui-test/busybox:latest");
        assert_eq!(
            state.containers_of(busybox),
            Some(2),
            "{}: running + stopped",
            engine.name
        );
        let reused = images
            .iter()
            .find(|i| {
                i.is_dangling()
                    && i.labels
                        .iter()
                        .any(|(k, v)| k == "imgtui.reused" && v == "1")
            })
            .expect("the dangling image a container still uses");
        assert_eq!(state.containers_of(reused), Some(1), "{}", engine.name);
        assert_eq!(
            state.containers_of(by_tag(&images, "imgtui-test/big:1")),
            Some(0)
        );
    }
}

#[test]
fn inspect_agrees_with_the_list() {
    let rt = runtime();
    for engine in engines() {
        let client = rt.block_on(connect(&engine));
        let images = rt.block_on(client.list_images()).unwrap();
        let listed = by_tag(&images, "imgtui-test/labels:many");
        let inspected = rt
            .block_on(client.inspect_image(listed.id.as_str()))
            .unwrap();
        assert_eq!(inspected.id, listed.id);
        assert_eq!(inspected.repo_tags, listed.repo_tags);
        assert_eq!(inspected.labels, listed.labels);
        assert_eq!(inspected.created, listed.created);
        let missing = rt.block_on(client.inspect_image("imgtui-test/does-not-exist:1"));
        assert!(
            matches!(missing, Err(ref e) if e.is_not_found()),
            "{missing:?}"
        );
    }
}

/// Receives engine events until `matches` accepts one, applying each to `state`.
async fn until(
    events: &mut UnboundedReceiver<EngineEvent>,
    state: &mut AppState,
    what: &str,
    matches: impl Fn(&AppState, &EngineEvent) -> bool,
) {
    let found = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(event) = events.recv().await {
            let hit = matches(state, &event);
            state.update(Message::Engine(event));
            if hit {
                return;
            }
        }
        panic!("the engine task stopped");
    })
    .await;
    assert!(found.is_ok(), "timed out waiting for {what}");
}

#[test]
fn engine_events_patch_the_list_without_relisting() {
    let rt = runtime();
    for engine in engines() {
        rt.block_on(async {
            let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
            let _handle = worker::spawn(Endpoint::parse(&engine.host).unwrap(), tx);
            let mut state = AppState::new(Sort::default(), engine.host.clone());
            until(&mut events, &mut state, "the first list", |_, e| {
                matches!(e, EngineEvent::Listed { .. })
            })
            .await;
            let before = state.len();

            // A new tag: the image is fetched alone and gains the tag.
            let tag = unique("imgtui-test/evt");
            let tag = format!("{tag}:1");
            let host = engine.clone();
            let t = tag.clone();
            tokio::task::spawn_blocking(move || docker(&host, &["tag", "imgtui-test/small:1", &t]))
                .await
                .unwrap();
            until(&mut events, &mut state, "the tag to appear", |_, e| {
                matches!(e, EngineEvent::ImageChanged { image, .. } if image.repo_tags.contains(&tag))
            })
            .await;
            assert_eq!(state.len(), before, "a tag adds no image");

            // Untag: the image stays, the tag goes.
            let host = engine.clone();
            let t = tag.clone();
            tokio::task::spawn_blocking(move || docker(&host, &["rmi", &t])).await.unwrap();
            until(&mut events, &mut state, "the tag to go", |_, e| {
                matches!(e, EngineEvent::ImageChanged { image, .. }
                    if image.repo_tags.iter().any(|t| t == "imgtui-test/small:1") && !image.repo_tags.contains(&tag))
            })
            .await;

            // The tag moves to another image: the engine reports only the image it moved to.
            let host = engine.clone();
            let t = tag.clone();
            tokio::task::spawn_blocking(move || {
                docker(&host, &["tag", "imgtui-test/small:1", &t]);
                docker(&host, &["tag", "imgtui-test/tie:x", &t]);
            })
            .await
            .unwrap();
            until(&mut events, &mut state, "the tag to move", |_, e| {
                matches!(e, EngineEvent::ImageChanged { image, .. }
                    if image.repo_tags.contains(&tag) && image.repo_tags.iter().any(|t| t == "imgtui-test/tie:x"))
            })
            .await;
            let holders: Vec<&str> = (0..state.len())
                .filter_map(|p| state.row(p))
                .filter(|i| i.repo_tags.contains(&tag))
                .map(|i| i.id.as_str())
                .collect();
            assert_eq!(holders.len(), 1, "{}: {tag} on {holders:?}", engine.name);
            let host = engine.clone();
            let t = tag.clone();
            tokio::task::spawn_blocking(move || docker(&host, &["rmi", &t])).await.unwrap();

            // A container created and removed: "in use" follows.
            let name = unique("imgtui-evt");
            let host = engine.clone();
            let n = name.clone();
            tokio::task::spawn_blocking(move || {
                docker(&host, &["create", "--pull", "never", "--network", "none", "--name", &n, "imgtui-test/big:1", "/nothing"])
            })
            .await
            .unwrap();
            let big_id = by_tag_in(&state, "imgtui-test/big:1");
            until(&mut events, &mut state, "the container count to rise", |_, e| {
                matches!(e, EngineEvent::Containers { by_image, .. } if by_image.get(&big_id).map(Vec::len) == Some(1))
            })
            .await;
            let host = engine.clone();
            tokio::task::spawn_blocking(move || docker(&host, &["rm", &name])).await.unwrap();
            until(&mut events, &mut state, "the container count to fall", |_, e| {
                matches!(e, EngineEvent::Containers { by_image, .. } if !by_image.contains_key(&big_id))
            })
            .await;

            // Nothing above needed a second full list.
            assert_eq!(state.listing.generation, 0);
        });
    }
}

fn by_tag_in(state: &AppState, tag: &str) -> imgtui::core::image::ImageId {
    (0..state.len())
        .filter_map(|p| state.row(p))
        .find(|i| i.repo_tags.iter().any(|t| t == tag))
        .map(|i| i.id.clone())
        .unwrap_or_else(|| panic!("{tag} not in the state"))
}

#[test]
fn unreachable_engines_are_explained() {
    let rt = runtime();
    let missing = Endpoint::parse("unix:///tmp/imgtui-no-such-dir/docker.sock").unwrap();
    let err = rt.block_on(Engine::connect(missing)).unwrap_err();
    assert!(matches!(err, EngineError::SocketMissing { .. }), "{err:?}");
    assert!(err.to_string().contains("socket does not exist"), "{err}");

    // A socket file nobody listens on.
    let dir = std::env::temp_dir().join(unique("imgtui-dead"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("d.sock");
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    let dead = Endpoint::parse(&format!("unix://{}", path.display())).unwrap();
    let err = rt.block_on(Engine::connect(dead)).unwrap_err();
    assert!(err.to_string().contains("not running"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();

    // Nothing listening on a loopback port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = Endpoint::parse(&format!("tcp://127.0.0.1:{port}")).unwrap();
    let err = rt.block_on(Engine::connect(closed)).unwrap_err();
    assert!(err.to_string().contains("connection refused"), "{err}");
}

#[test]
fn untag_removes_one_reference_and_keeps_the_image() {
    let rt = runtime();
    for engine in engines() {
        let tag = format!("{}:1", unique("imgtui-test/untag"));
        docker(&engine, &["tag", "imgtui-test/small:1", &tag]);
        let client = rt.block_on(connect(&engine));
        let removed = rt.block_on(client.remove_image(&tag, false)).unwrap();
        assert_eq!(removed, [Removed::Untagged(tag.clone())], "{}", engine.name);
        let small = rt
            .block_on(client.inspect_image("imgtui-test/small:1"))
            .unwrap();
        assert!(!small.repo_tags.contains(&tag));
        assert!(small.repo_tags.iter().any(|t| t == "imgtui-test/small:1"));
    }
}

#[test]
fn removal_refusals_come_back_as_plain_statuses() {
    let rt = runtime();
    for engine in engines() {
        let client = rt.block_on(connect(&engine));
        let gone = format!("sha256:{}", "0".repeat(64));
        let err = rt.block_on(client.remove_image(&gone, false)).unwrap_err();
        assert!(err.is_not_found(), "{}: {err}", engine.name);

        // Used by a running container: refused without force, and nothing changes.
        let busybox = rt
            .block_on(client.inspect_image("imgtui-test/busybox:latest"))
            .unwrap();
        let err = rt
            .block_on(client.remove_image(busybox.id.as_str(), false))
            .unwrap_err();
        assert!(
            matches!(err, EngineError::Status { status: 409, .. }),
            "{}: {err}",
            engine.name
        );
        assert!(
            rt.block_on(client.inspect_image(busybox.id.as_str()))
                .is_ok()
        );

        // One id, several repositories: refused without force (Docker 20.10's rule).
        if engine.name == "old" {
            let multi = rt
                .block_on(client.inspect_image("imgtui-test/multi:a"))
                .unwrap();
            let err = rt
                .block_on(client.remove_image(multi.id.as_str(), false))
                .unwrap_err();
            assert!(err.to_string().contains("409"), "{err}");
            let still = rt
                .block_on(client.inspect_image(multi.id.as_str()))
                .unwrap();
            assert_eq!(still.repo_tags.len(), 3);
        }
    }
}
