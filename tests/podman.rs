//! Podman through its Docker-compatible API, against the private Podman 4.3 engines that
//! `scripts/with-engines.sh` starts (`podman system service`, Debian's package): the seeded
//! one for reading (list, detail, inspect, disk usage), the scratch one for what changes the
//! engine (events, delete, prune; one test at a time, a prune is engine-wide). Changes are
//! made with Podman's own client (`podman --remote`), so the events are Podman's.

mod support;

use std::collections::BTreeSet;
use std::process::Command;

use imgtui::core::disk::DiskUsage;
use serde_json::Value;
use support::{
    Tui, by_tag, connect, line_of, list_json, podman, podman_dangling, podman_engine,
    podman_image_ids, podman_import, runtime, scratch_lock, scratch_podman, unique,
};

/// A screen line's list part: up to the list's right border (the detail pane may follow).
fn list_part(line: &str) -> &str {
    let list = line.split("││").next().unwrap_or(line);
    list.trim_end().trim_end_matches('│').trim_end()
}

fn tags(image: &Value) -> Vec<&str> {
    image["RepoTags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect()
}

fn with_tag<'a>(list: &'a [Value], tag: &str) -> &'a Value {
    list.iter()
        .find(|i| tags(i).contains(&tag))
        .unwrap_or_else(|| panic!("no image tagged {tag}"))
}

/// The seed set as Podman keeps it: 15 images, 3 of them dangling (Podman sends
/// `RepoTags: null` for those), one image with three names, real container counts.
#[test]
fn list_json_shows_the_seed_set() {
    let Some(engine) = podman_engine() else {
        return;
    };
    let list = list_json(&engine, &[]);
    assert_eq!(list.len(), 15);
    let ids: BTreeSet<String> = list
        .iter()
        .map(|i| i["Id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        podman_image_ids(&engine),
        "the same images as podman's own list"
    );
    let dangling = list.iter().filter(|i| tags(i).is_empty()).count();
    assert_eq!(dangling, 3);
    let multi = with_tag(&list, "localhost/imgtui-test/multi:a");
    let mut multi_tags = tags(multi);
    multi_tags.sort_unstable();
    assert_eq!(
        multi_tags,
        [
            "localhost/imgtui-test/multi:a",
            "localhost/imgtui-test/multi:b",
            "localhost:5000/team/app:1.2",
        ]
    );
    assert_eq!(
        with_tag(&list, "localhost/imgtui-test/busybox:latest")["Containers"],
        2
    );
    // The dangling image the created container uses.
    let used: Vec<&Value> = list
        .iter()
        .filter(|i| tags(i).is_empty() && i["Containers"] == 1)
        .collect();
    assert_eq!(used.len(), 1, "{used:?}");
    assert_eq!(used[0]["Labels"]["imgtui.reused"], "1");
    // Podman says SharedSize 0 for everything, shared layers or not: unknown, not 0.
    assert!(list.iter().all(|i| i["SharedSize"] == -1), "{list:?}");
    // Labels, hostile ones included, come through as sent (JSON escapes them).
    let hostile = with_tag(&list, "localhost/imgtui-test/hostile:1");
    assert!(
        hostile["Labels"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.contains('\u{1b}'))
    );
}

/// The TUI on Podman: the facts line, the rows largest first, counts and the disk usage.
#[test]
fn the_tui_lists_podman_images_with_its_facts() {
    let Some(engine) = podman_engine() else {
        return;
    };
    let version = podman(&engine, &["version", "--format", "{{.Server.Version}}"]);
    let mut tui = Tui::start(&["--host", &engine.host], 160, 40);
    let facts = format!(
        " Podman {version} · overlay · API 1.41 · linux/amd64 · {}",
        engine.host
    );
    let screen = tui.wait_screen("the list, the facts and the disk usage", |s| {
        s.contains("localhost/imgtui-test/big:1")
            && s.contains("reclaimable")
            && s.lines().next().is_some_and(|l| l.trim_end() == facts)
    });
    let big = line_of(&screen, "localhost/imgtui-test/big:1").unwrap();
    let small = line_of(&screen, "localhost/imgtui-test/small:1").unwrap();
    assert!(big < small, "largest first:\n{screen}");
    let busybox = screen
        .lines()
        .find(|l| l.contains("localhost/imgtui-test/busybox:latest"))
        .unwrap();
    assert!(list_part(busybox).ends_with(" 2"), "used by 2: {busybox}");
    assert!(screen.contains("15 images"), "{screen}");
    assert!(screen.contains("3 dangling"), "{screen}");
    tui.send("q");
    assert!(tui.wait_exit());
}

/// Enter: the inspect view's config and history (`GET /images/{id}/json` and `/history`),
/// through the engine layer and in the pseudo-terminal.
#[test]
fn inspect_shows_config_and_history() {
    let Some(engine) = podman_engine() else {
        return;
    };
    let rt = runtime();
    rt.block_on(async {
        let client = connect(&engine).await;
        assert!(client.is_podman());
        let images = client.list_images().await.unwrap();
        let small = by_tag(&images, "localhost/imgtui-test/small:1");
        let details = client.inspect_details(small.id.as_str()).await.unwrap();
        assert_eq!(details.config.cmd, ["sh"]);
        assert_eq!(details.config.labels, 2);
        assert_eq!(details.config.layers.len(), 1);
        assert_eq!(details.history.len(), 1);
        assert_eq!(details.history[0].created_by, "imgtui craft_image.py small");
        assert_eq!(details.history[0].created, small.created);
        // A lone image event names the image by its bare hex id: the same image.
        let hex = small.id.as_str().trim_start_matches("sha256:");
        let again = client.inspect_image(hex).await.unwrap();
        assert_eq!(again.id, small.id);
    });

    let mut tui = Tui::start(&["--host", &engine.host], 160, 40);
    tui.wait_screen("the list", |s| s.contains("localhost/imgtui-test/big:1"));
    // The largest image is selected: big.
    tui.send("\r");
    tui.wait_screen("the config tab", |s| {
        s.contains("Config") && s.contains("sh")
    });
    tui.send("2");
    tui.wait_screen("the history tab", |s| {
        s.contains("CREATED BY") && s.contains("imgtui craft_image.py big")
    });
    tui.send("q");
    assert!(tui.wait_exit());
}

/// `GET /system/df` on Podman: one entry per tag, bare ids, no layer total, no sharing; read
/// as one figure per image, with reclaimable what the unused images take.
#[test]
fn disk_usage_counts_each_image_once() {
    let Some(engine) = podman_engine() else {
        return;
    };
    let rt = runtime();
    rt.block_on(async {
        let client = connect(&engine).await;
        let images = client.list_images().await.unwrap();
        let report = client.disk_usage().await.unwrap();
        let usage = DiskUsage::from_report(report, 0);
        assert_eq!(usage.images, 15);
        assert_eq!(usage.active, 2, "busybox and the dangling reused:1");
        let total: u64 = images.iter().map(|i| i.size).sum();
        assert_eq!(usage.size, total);
        let in_use: u64 = images
            .iter()
            .filter(|i| i.containers.is_some_and(|n| n > 0))
            .map(|i| i.size)
            .sum();
        assert_eq!(usage.reclaimable, total - in_use);
        assert!(usage.shared.is_empty(), "Podman's zeros are not figures");
    });
}

/// Podman's events patch the list without a re-list: an imported image appears, a new tag
/// shows, an untag and a removal take effect, a container created and removed changes "in
/// use", a built image appears (Podman's `build` event names no image id). A loaded one too,
/// though its `loadfromarchive` names no image at all: that one takes a re-list.
#[test]
fn podman_events_update_the_list_without_a_relist() {
    let _lock = scratch_lock();
    let Some(engine) = scratch_podman() else {
        return;
    };
    let p = unique("pev");
    let keep = podman_import(&engine, &format!("{p}/keep:1"), "keep");
    let mut tui = Tui::start(&["--host", &engine.host], 200, 40);
    tui.wait_screen("the list", |s| s.contains(&format!("localhost/{p}/keep:1")));

    let added = podman_import(&engine, &format!("{p}/added:1"), "added");
    tui.wait_screen("the imported image", |s| {
        s.contains(&format!("localhost/{p}/added:1"))
    });
    podman(&engine, &["tag", &added, &format!("{p}/second:1")]);
    tui.wait_screen("the second tag", |s| {
        s.contains(&format!("localhost/{p}/added:1 +1"))
            || s.contains(&format!("localhost/{p}/second:1 +1"))
    });
    podman(
        &engine,
        &["untag", &added, &format!("localhost/{p}/second:1")],
    );
    tui.wait_screen("the untag", |s| {
        s.contains(&format!("localhost/{p}/added:1")) && !s.contains(&format!("{p}/second:1"))
    });

    let row = |s: &str| {
        s.lines()
            .find(|l| l.contains(&format!("localhost/{p}/added:1")))
            .map(|l| list_part(l).to_string())
    };
    assert!(row(&tui.screen()).unwrap().ends_with(" 0"));
    let user = unique("puser");
    podman(
        &engine,
        &[
            "create",
            "--pull",
            "never",
            "--network",
            "none",
            "--name",
            &user,
            &added,
            "/nothing",
        ],
    );
    tui.wait_screen("in use by 1", |s| row(s).is_some_and(|r| r.ends_with(" 1")));
    podman(&engine, &["rm", &user]);
    tui.wait_screen("in use by none", |s| {
        row(s).is_some_and(|r| r.ends_with(" 0"))
    });

    podman(&engine, &["rmi", &added]);
    tui.wait_screen("the removal", |s| !s.contains(&format!("{p}/added:1")));

    // `podman load`: only "loadfromarchive", naming a temporary file; imgtui lists again.
    let dir = support::private_dir("load");
    let archive = dir.join("bulk.tar");
    let crafted = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/craft_image.py"
        ))
        .args([
            "bulk-docker",
            archive.to_str().unwrap(),
            "1",
            "--start",
            "4242",
        ])
        .status()
        .expect("python3 runs");
    assert!(crafted.success());
    podman(&engine, &["load", "-q", "-i", archive.to_str().unwrap()]);
    tui.wait_screen("the loaded image", |s| {
        s.contains("localhost/bulk/img-4242:latest")
    });
    podman(&engine, &["rmi", "localhost/bulk/img-4242:latest"]);
    tui.wait_screen("the loaded image gone", |s| !s.contains("img-4242"));

    // `podman build` (FROM scratch, a label, no network): only a "build" event, by id.
    let dir = support::private_dir("build");
    std::fs::write(
        dir.join("Containerfile"),
        format!("FROM scratch\nLABEL imgtui.built={p}\n"),
    )
    .unwrap();
    let built = podman(
        &engine,
        &["build", "-q", "--network", "none", dir.to_str().unwrap()],
    );
    let built = built.lines().last().unwrap().to_string();
    tui.wait_screen("the built image", |s| s.contains(&built[..12]));
    tui.send("q");
    assert!(tui.wait_exit());
    podman(&engine, &["rmi", &built, &keep]);
}

/// `d` in the pseudo-terminal deletes the selected image on Podman (its delete answer names
/// the id without `sha256:`: it must still count as deleted); an image a stopped container
/// uses is not offered force (Podman's would remove the container), and stays.
#[test]
fn d_deletes_on_podman_and_never_forces() {
    let _lock = scratch_lock();
    let Some(engine) = scratch_podman() else {
        return;
    };
    let p = unique("pdel");
    let gone = podman_import(&engine, &format!("{p}/gone:1"), "gone");
    let used = podman_import(&engine, &format!("{p}/used:1"), "used");
    let user = unique("puser");
    podman(
        &engine,
        &[
            "create",
            "--pull",
            "never",
            "--network",
            "none",
            "--name",
            &user,
            &used,
            "/nothing",
        ],
    );
    let mut tui = Tui::start(&["--host", &engine.host], 200, 40);
    tui.wait_screen("the list", |s| s.contains(&format!("{p}/used:1")));
    tui.send(&format!("/{p}/gone\r"));
    tui.wait_screen("the filtered list", |s| {
        s.contains(&format!("{p}/gone:1")) && !s.contains(&format!("{p}/used:1"))
    });
    tui.send("d");
    tui.wait_screen("the confirmation", |s| s.contains("Delete image"));
    tui.send("y");
    let screen = tui.wait_screen("the result", |s| s.contains("Deleted 1 image"));
    assert!(
        !screen.contains("ntagged"),
        "deleted, not untagged: {screen}"
    );
    assert!(!podman_image_ids(&engine).contains(&gone));

    // Esc then "/" at once would read as Alt-/; the filter is cleared first.
    tui.send("\x1b");
    tui.wait_screen("the filter cleared", |s| !s.contains("filter:"));
    tui.send(&format!("/{p}/used\r"));
    tui.wait_screen("the used image", |s| s.contains(&format!("{p}/used:1")));
    tui.send("d");
    let screen = tui.wait_screen("the refusal", |s| s.contains("imgtui does not offer"));
    assert!(screen.contains(&user), "names the container: {screen}");
    assert!(!screen.contains("force delete"), "{screen}");
    tui.send("f");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        tui.screen().contains("imgtui does not offer"),
        "f changed nothing"
    );
    tui.send("\x1b");
    tui.wait_screen("the dialog closed", |s| {
        !s.contains("imgtui does not offer")
    });
    assert!(podman_image_ids(&engine).contains(&used));
    let containers = podman(&engine, &["ps", "-a", "--format", "{{.Names}}"]);
    assert!(containers.lines().any(|c| c == user), "{containers}");
    tui.send("q");
    assert!(tui.wait_exit());
    podman(&engine, &["rm", &user]);
    podman(&engine, &["rmi", &used]);
}

/// `D` then `y` prunes the dangling images on Podman and nothing else: not the tagged one,
/// not the dangling one a container uses.
#[test]
fn d_prunes_the_dangling_images_on_podman() {
    let _lock = scratch_lock();
    let Some(engine) = scratch_podman() else {
        return;
    };
    let p = unique("pprune");
    let keep = podman_import(&engine, &format!("{p}/keep:1"), "keep");
    let d1 = podman_dangling(&engine, &format!("{p}/a:1"));
    let d2 = podman_dangling(&engine, &format!("{p}/b:1"));
    let used = podman_dangling(&engine, &format!("{p}/c:1"));
    let user = unique("puser");
    podman(
        &engine,
        &[
            "create",
            "--pull",
            "never",
            "--network",
            "none",
            "--name",
            &user,
            &used,
            "/nothing",
        ],
    );
    let before = podman_image_ids(&engine);
    assert!(before.contains(&d1) && before.contains(&d2));

    let mut tui = Tui::start(&["--host", &engine.host], 200, 45);
    tui.wait_screen("the list", |s| s.contains(&format!("{p}/keep:1")));
    tui.send("D");
    let screen = tui.wait_screen("the confirmation", |s| {
        s.contains("Delete all dangling images")
    });
    assert!(
        screen.contains(&d1[7..19]) && screen.contains(&d2[7..19]),
        "{screen}"
    );
    assert!(
        screen.contains(&user),
        "the container that keeps one: {screen}"
    );
    tui.send("y");
    let screen = tui.wait_screen("the report", |s| s.contains("Pruned"));
    assert!(!screen.contains(&d1[7..19]), "the list follows: {screen}");
    let after = podman_image_ids(&engine);
    assert!(!after.contains(&d1) && !after.contains(&d2), "{after:?}");
    assert!(after.contains(&keep) && after.contains(&used), "{after:?}");
    tui.send("q");
    assert!(tui.wait_exit());
    podman(&engine, &["rm", &user]);
    let leftovers: Vec<String> = podman_image_ids(&engine).into_iter().collect();
    let mut args = vec!["rmi", "-f"];
    args.extend(leftovers.iter().map(String::as_str));
    if args.len() > 2 {
        podman(&engine, &args);
    }
}

/// `P`, Space (unused images), `y`: every image no container uses goes, tagged or not; the
/// one a container uses stays. Podman's compatible prune refuses `dangling=false`, so this
/// goes through its own API; with an `until` older than everything, nothing goes.
#[test]
fn p_prunes_the_unused_images_on_podman() {
    let _lock = scratch_lock();
    let Some(engine) = scratch_podman() else {
        return;
    };
    let p = unique("punused");
    let tagged = podman_import(&engine, &format!("{p}/t:1"), "tagged");
    let dangling = podman_dangling(&engine, &format!("{p}/d:1"));
    let used = podman_import(&engine, &format!("{p}/u:1"), "used");
    let user = unique("puser");
    podman(
        &engine,
        &[
            "create",
            "--pull",
            "never",
            "--network",
            "none",
            "--name",
            &user,
            &used,
            "/nothing",
        ],
    );

    let rt = runtime();
    let report = rt.block_on(async {
        let client = connect(&engine).await;
        let filter = imgtui::engine::mutate::PruneFilter {
            dangling_only: false,
            until: Some("1".into()),
        };
        client.prune_images(&filter).await.unwrap()
    });
    assert!(
        report.removed.is_empty(),
        "nothing is older than 1970: {report:?}"
    );
    assert!(podman_image_ids(&engine).contains(&tagged));

    let mut tui = Tui::start(&["--host", &engine.host], 200, 45);
    tui.wait_screen("the list", |s| s.contains(&format!("{p}/u:1")));
    tui.send("P");
    tui.wait_screen("the prune form", |s| s.contains("dangling"));
    tui.send(" ");
    tui.wait_screen("unused chosen", |s| s.contains(&tagged[7..19]));
    tui.send("y");
    let screen = tui.wait_screen("the report", |s| s.contains("Pruned"));
    assert!(screen.contains("Pruned 3 unused images"), "{screen}");
    let after = podman_image_ids(&engine);
    assert!(
        !after.contains(&tagged) && !after.contains(&dangling),
        "{after:?}"
    );
    assert!(after.contains(&used), "{after:?}");
    tui.send("q");
    assert!(tui.wait_exit());
    podman(&engine, &["rm", &user]);
    podman(&engine, &["rmi", &used]);
}

/// Untagging one of two names leaves the image ("untagged"); deleting an image with two
/// names goes tag by tag and the last one takes it ("deleted", though Podman names the id
/// without `sha256:`); an image removed meanwhile is "already gone".
#[test]
fn untag_and_tag_by_tag_delete_on_podman() {
    use imgtui::core::action::EngineEvent;
    use imgtui::core::cleanup::{Job, Outcome, Target};
    use imgtui::engine::operate;

    let _lock = scratch_lock();
    let Some(engine) = scratch_podman() else {
        return;
    };
    let p = unique("puntag");
    let id = podman_import(&engine, &format!("{p}/a:1"), "two names");
    podman(&engine, &["tag", &id, &format!("{p}/b:1")]);
    let rt = runtime();
    let run = |job: Job| -> Outcome {
        rt.block_on(async {
            let client = connect(&engine).await;
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            operate::remove(client, 1, vec![job], false, tx).await;
            match rx.recv().await {
                Some(EngineEvent::JobDone { outcome, .. }) => outcome,
                other => panic!("{other:?}"),
            }
        })
    };
    let target = || {
        rt.block_on(async {
            let client = connect(&engine).await;
            Target::of(&client.inspect_image(&id).await.unwrap())
        })
    };
    let a = format!("localhost/{p}/a:1");
    let b = format!("localhost/{p}/b:1");
    let mut tags = target().references;
    tags.sort();
    assert_eq!(tags, [a.clone(), b.clone()]);

    let outcome = run(Job {
        target: target(),
        untag: Some(b.clone()),
    });
    assert_eq!(outcome, Outcome::Untagged);
    assert_eq!(target().references, std::slice::from_ref(&a));

    podman(&engine, &["tag", &id, &b]);
    let both = target();
    let outcome = run(Job {
        target: both.clone(),
        untag: None,
    });
    assert_eq!(outcome, Outcome::Deleted);
    assert!(!podman_image_ids(&engine).contains(&id));
    let outcome = run(Job {
        target: both,
        untag: None,
    });
    assert_eq!(outcome, Outcome::AlreadyGone);
}
