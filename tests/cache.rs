//! The last list, kept between runs: the real binary in a pty saves the engine's list, and
//! the next start shows it at once, marked stale with its age, while the engine is slow.

mod support;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use imgtui::core::action::EngineEvent;
use imgtui::engine::cache::ListCache;
use imgtui::engine::endpoint::Endpoint;
use imgtui::engine::worker::{self, FirstListHold};
use support::fake_engine::{FakeEngine, Reply};
use support::{Tui, engines, image_ids, private_dir};

const LIST: &str = r#"[
  {"Id":"sha256:1111111111111111111111111111111111111111111111111111111111111111",
   "RepoTags":["cached/app:1"],"Created":1700000000,"Size":5000000,"Containers":0,
   "Labels":{"evil":"\u001b]0;title\u0007"}},
  {"Id":"sha256:2222222222222222222222222222222222222222222222222222222222222222",
   "RepoTags":null,"Created":1700000000,"Size":1000,"Containers":0}
]"#;

/// A run of the binary with a private cache home (`name`) until `fake`'s list (LIST) is on
/// screen: the cache home, and the cache file that run saved.
fn first_run(name: &str, fake: &FakeEngine) -> (PathBuf, ListCache) {
    let cache_home = private_dir(name);
    let env = [("XDG_CACHE_HOME", cache_home.to_str().unwrap())];
    let mut tui = Tui::start_with_env(&["--host", &fake.host], &env, 120, 30);
    tui.wait_screen("the engine's list", |s| s.contains("cached/app:1"));
    tui.send("q");
    assert!(tui.wait_exit());
    let cache = ListCache::in_dir(&cache_home.join("imgtui"), &fake.host);
    (cache_home, cache)
}

/// First run: the list is saved. Second run, with an engine that never answers the list:
/// the saved list is on screen at once, marked stale, and deleting from it is refused. It is
/// not saved again on quitting (its age would be lost).
#[test]
fn the_last_list_shows_at_once_while_the_engine_is_slow() {
    let hang = Arc::new(AtomicBool::new(false));
    let hang_in_fake = hang.clone();
    let fake = FakeEngine::start(move |path| {
        if path.contains("/images/json") && !hang_in_fake.load(Ordering::SeqCst) {
            Reply::Json(LIST.into())
        } else {
            Reply::Silent
        }
    });
    let (cache_home, cache) = first_run("cache-home", &fake);
    let env = [("XDG_CACHE_HOME", cache_home.to_str().unwrap())];
    let images = cache.load().expect("the list was saved").images;
    assert_eq!(images.len(), 2);
    // Made two years old, so that the age shows and a re-save would change the file.
    let two_years_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - 2 * 366 * 86_400;
    cache
        .store(&cache.encode(
            images.iter().map(|i| (i, i.containers)),
            two_years_ago,
            None,
        ))
        .unwrap();
    let saved = std::fs::read(cache.path()).unwrap();

    hang.store(true, Ordering::SeqCst);
    let mut tui = Tui::start_with_env(&["--host", &fake.host], &env, 120, 30);
    let screen = tui.wait_screen("the saved list", |s| {
        s.contains("cached/app:1") && s.contains("STALE: saved 2 years ago")
    });
    assert!(screen.contains("<none>"), "{screen}");
    tui.send("D");
    tui.wait_screen("the refusal", |s| s.contains("Wait for the engine's list"));
    tui.send("q");
    assert!(tui.wait_exit());
    assert_eq!(
        std::fs::read(cache.path()).unwrap(),
        saved,
        "not saved again"
    );
    // The hostile label went through the same sanitizing as a live one.
    assert!(!String::from_utf8_lossy(&tui.raw()).contains("\u{1b}]0;title"));

    // --no-cache: nothing shown from it.
    let mut tui = Tui::start_with_env(&["--host", &fake.host, "--no-cache"], &env, 120, 30);
    tui.wait_screen("the loading state", |s| s.contains("Loading images"));
    assert!(!tui.screen().contains("cached/app:1"));
    tui.send("q");
    assert!(tui.wait_exit());
}

/// Against the real engines: what a run saves is exactly the engine's list.
#[test]
fn the_saved_list_is_the_engine_list() {
    for engine in engines() {
        let cache_home = private_dir("cache-real");
        let env = [("XDG_CACHE_HOME", cache_home.to_str().unwrap())];
        let mut tui = Tui::start_with_env(&["--host", &engine.host], &env, 160, 40);
        tui.wait_screen("the list", |s| s.contains("imgtui-test/big:1"));
        tui.send("q");
        assert!(tui.wait_exit(), "{}", engine.name);
        let cache = ListCache::in_dir(&cache_home.join("imgtui"), &engine.host);
        let saved: std::collections::BTreeSet<String> = cache
            .load()
            .expect("a saved list")
            .images
            .iter()
            .map(|i| i.id.to_string())
            .collect();
        assert_eq!(saved, image_ids(&engine), "{}", engine.name);
    }
}

/// An engine whose last list took seconds is asked for its list only once the saved list is
/// on screen: the first run (a list that takes over a second) saves how long it took, and
/// the second run shows the saved list before the engine's, every time. Without the hold
/// the engine's instant answer would beat reading 2,000 saved images, and the saved list
/// would never show.
#[test]
fn a_slow_engine_lists_after_the_saved_list_is_shown() {
    let second_run = Arc::new(AtomicBool::new(false));
    let second_in_fake = second_run.clone();
    let fake = FakeEngine::start(move |path| {
        if !path.contains("/images/json") {
            Reply::Silent
        } else if second_in_fake.load(Ordering::SeqCst) {
            Reply::Json(LIST.replace("cached/app:1", "live/app:1"))
        } else {
            std::thread::sleep(Duration::from_millis(1_100));
            Reply::Json(LIST.into())
        }
    });
    let (cache_home, cache) = first_run("cache-slow", &fake);
    let env = [("XDG_CACHE_HOME", cache_home.to_str().unwrap())];
    let took = cache
        .last_list_took()
        .expect("how long the list took is saved");
    assert!(took >= Duration::from_millis(1_100), "{took:?}");
    let mut images = cache.load().unwrap().images;
    let template = images.remove(0);
    let many: Vec<_> = (0..2_000)
        .map(|i| imgtui::core::image::Image {
            id: imgtui::core::image::ImageId::new(format!("sha256:{i:064x}")),
            repo_tags: vec![format!("saved/app:{i}")],
            ..template.clone()
        })
        .collect();
    let saved_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let encoded = cache.encode(many.iter().map(|i| (i, Some(0))), saved_at, Some(took));
    cache.store(&encoded).unwrap();

    second_run.store(true, Ordering::SeqCst);
    let mut tui = Tui::start_timed(&["--host", &fake.host], &env, 120, 30);
    let live = tui.wait_screen("the engine's list", |s| s.contains("live/app:1"));
    assert!(!live.contains("saved/app:"), "{live}");
    tui.send("q");
    assert!(tui.wait_exit());
    let first = |text: &str| {
        let frame = tui.wait_frame(0, Duration::ZERO, |s| s.contains(text));
        frame.map(|frame| frame.index)
    };
    let saved = first("saved/app:").expect("the saved list was drawn");
    assert!(
        saved < first("live/app:1").unwrap(),
        "the saved list came first"
    );
    // That run's own list was fast: the next start will not wait.
    assert!(cache.last_list_took().unwrap() < Duration::from_secs(1));
}

/// A hold nobody releases (a saved list that never shows) delays the first list by at most
/// `FirstListHold::AT_MOST`; a released one lets it go.
#[test]
fn a_held_first_list_goes_when_released_or_after_the_limit() {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let asked_in_fake = asked.clone();
    let fake = FakeEngine::start(move |path| {
        if path.contains("/images/json") {
            asked_in_fake.lock().unwrap().push(Instant::now());
            Reply::Json(LIST.into())
        } else {
            Reply::Silent
        }
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let listed = |hold: FirstListHold| {
        rt.block_on(async {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let endpoint = Endpoint::parse(&fake.host).unwrap();
            let _handle = worker::spawn_from(endpoint, tx, None, 0, Some(hold.clone()));
            let started = Instant::now();
            tokio::time::timeout(Duration::from_secs(20), async {
                loop {
                    if let EngineEvent::Listed { images, .. } = rx.recv().await.unwrap() {
                        assert_eq!(images.len(), 2);
                        return started;
                    }
                }
            })
            .await
            .expect("the list comes")
        })
    };
    // Never released: not asked before the limit.
    let started = listed(FirstListHold::default());
    let first = asked.lock().unwrap()[0];
    assert!(first.duration_since(started) >= FirstListHold::AT_MOST);
    // Released (before the worker waits: the release is kept): asked at once.
    let released = FirstListHold::default();
    released.release();
    listed(released);
    assert_eq!(asked.lock().unwrap().len(), 2);
}
