//! The last list, kept between runs: the real binary in a pty saves the engine's list, and
//! the next start shows it at once, marked stale with its age, while the engine is slow.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use imgtui::engine::cache::ListCache;
use support::fake_engine::{FakeEngine, Reply};
use support::{Tui, engines, image_ids, private_dir};

const LIST: &str = r#"[
  {"Id":"sha256:1111111111111111111111111111111111111111111111111111111111111111",
   "RepoTags":["cached/app:1"],"Created":1700000000,"Size":5000000,"Containers":0,
   "Labels":{"evil":"\u001b]0;title\u0007"}},
  {"Id":"sha256:2222222222222222222222222222222222222222222222222222222222222222",
   "RepoTags":null,"Created":1700000000,"Size":1000,"Containers":0}
]"#;

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
    let cache_home = private_dir("cache-home");
    let env = [("XDG_CACHE_HOME", cache_home.to_str().unwrap())];
    let cache = ListCache::in_dir(&cache_home.join("imgtui"), &fake.host);

    let mut tui = Tui::start_with_env(&["--host", &fake.host], &env, 120, 30);
    tui.wait_screen("the engine's list", |s| s.contains("cached/app:1"));
    tui.send("q");
    assert!(tui.wait_exit());
    let images = cache.load().expect("the list was saved").images;
    assert_eq!(images.len(), 2);
    // Made two years old, so that the age shows and a re-save would change the file.
    let two_years_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - 2 * 366 * 86_400;
    cache
        .store(&cache.encode(images.iter().map(|i| (i, i.containers)), two_years_ago))
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
