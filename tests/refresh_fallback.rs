//! `refresh_fallback_secs`: besides the event stream, the engine task lists everything
//! again at that interval; without it, it lists once.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use imgtui::core::action::EngineEvent;
use imgtui::engine::endpoint::Endpoint;
use imgtui::engine::worker;
use support::fake_engine::{FakeEngine, Reply};

/// A fake whose event stream stays open and that counts the image lists it serves.
fn engine() -> (FakeEngine, Arc<AtomicUsize>) {
    let lists = Arc::new(AtomicUsize::new(0));
    let counted = lists.clone();
    let fake = FakeEngine::start(move |path| {
        if path.contains("/images/json") {
            counted.fetch_add(1, Ordering::SeqCst);
            Reply::Json("[]".into())
        } else if path.contains("/events") {
            Reply::Trickle
        } else {
            Reply::Status(404, r#"{"message":"no"}"#.into())
        }
    });
    (fake, lists)
}

#[test]
fn the_engine_task_re_lists_at_the_fallback_interval() {
    let (fake, lists) = engine();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let _handle = worker::spawn_with(
            Endpoint::parse(&fake.host).unwrap(),
            tx,
            Some(Duration::from_secs(1)),
        );
        // Three full lists over one connection: the first and two periodic ones.
        let mut listed = 0;
        tokio::time::timeout(Duration::from_secs(60), async {
            while listed < 3 {
                match rx.recv().await.expect("the task runs") {
                    EngineEvent::Listed { .. } => listed += 1,
                    EngineEvent::Status(imgtui::core::action::EngineStatus::Unreachable {
                        error,
                        ..
                    }) => panic!("the connection must stay up: {error}"),
                    _ => {}
                }
            }
        })
        .await
        .expect("three lists");
    });
    assert!(lists.load(Ordering::SeqCst) >= 3);
}
