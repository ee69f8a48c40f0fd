//! Faults a real engine will not produce, from a fake engine on a unix socket: each ends in a
//! clear error within its time limit, and the UI stays responsive meanwhile.

mod support;

use std::time::{Duration, Instant};

use imgtui::core::action::EngineEvent;
use imgtui::engine::client::{Engine, Limits};
use imgtui::engine::endpoint::Endpoint;
use imgtui::engine::error::EngineError;
use imgtui::engine::http::BodyLimits;
use imgtui::engine::worker;
use support::Tui;
use support::fake_engine::{FakeEngine, Reply};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Short limits, so the slow faults end in a couple of seconds.
fn short_limits() -> Limits {
    Limits {
        quick: Duration::from_secs(1),
        list: Duration::from_secs(2),
        write: Duration::from_secs(2),
        body: BodyLimits {
            max_bytes: 64 << 20,
            idle: Duration::from_secs(1),
        },
    }
}

/// Lists images from a fake whose image list is `reply`; the error and how long it took.
fn list_with(reply: Reply, limits: Limits) -> (EngineError, Duration) {
    let fake = FakeEngine::start(move |path| {
        if path.contains("/images/json") {
            reply.clone()
        } else {
            Reply::Status(404, r#"{"message":"not here"}"#.into())
        }
    });
    let rt = runtime();
    rt.block_on(async {
        let engine = Engine::connect_with(Endpoint::parse(&fake.host).unwrap(), limits)
            .await
            .expect("the fake answers /version");
        let start = Instant::now();
        let error = engine.list_images().await.expect_err("a fault");
        (error, start.elapsed())
    })
}

#[test]
fn truncated_json_is_an_unreadable_answer() {
    let body = br#"[{"Id":"sha256:aa","RepoTags":["a:1"],"Size":1"#.to_vec();
    let (error, _) = list_with(Reply::Bytes(body), short_limits());
    assert!(
        matches!(error, EngineError::BadResponse { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("unreadable answer to GET /images/json"),
        "{error}"
    );
}

#[test]
fn invalid_utf8_is_an_unreadable_answer() {
    let mut body = br#"[{"Id":"sha256:aa","RepoTags":["a:1"],"Labels":{"k":""#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    body.extend_from_slice(br#""},"Size":1}]"#);
    let (error, _) = list_with(Reply::Bytes(body), short_limits());
    assert!(
        matches!(error, EngineError::BadResponse { .. }),
        "{error:?}"
    );
}

#[test]
fn a_body_that_lies_about_its_length_is_a_lost_connection() {
    let reply = Reply::Truncated {
        body: b"[{\"Id\":".to_vec(),
        claimed: 10_000,
    };
    let (error, _) = list_with(reply, short_limits());
    assert!(matches!(error, EngineError::Io { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("connection lost during GET /images/json")
    );
}

#[test]
fn a_200_mb_body_is_refused_past_the_limit_and_unreadable_below_it() {
    let (error, _) = list_with(Reply::Huge { total: 200 << 20 }, short_limits());
    assert!(matches!(error, EngineError::TooLarge { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the answer to GET /images/json is larger than 67 MB; refusing to read it"
    );
    // Within the default limit (1 GiB) it is read, and found not to be a list.
    let (error, _) = list_with(Reply::Huge { total: 200 << 20 }, Limits::default());
    assert!(
        matches!(error, EngineError::BadResponse { .. }),
        "{error:?}"
    );
}

#[test]
fn an_answer_that_never_ends_times_out() {
    let (error, took) = list_with(Reply::Trickle, short_limits());
    assert!(matches!(error, EngineError::Timeout { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the engine did not answer GET /images/json within 2 s"
    );
    assert!(
        took < Duration::from_secs(30),
        "bounded by the limit: {took:?}"
    );
}

#[test]
fn silence_times_out() {
    let (error, _) = list_with(Reply::Silent, short_limits());
    assert!(matches!(error, EngineError::Timeout { .. }), "{error:?}");
}

#[test]
fn http_500_is_reported_with_the_engines_message() {
    let reply = Reply::Status(500, r#"{"message":"database is locked"}"#.into());
    let (error, _) = list_with(reply, short_limits());
    assert_eq!(
        error.to_string(),
        "the engine answered HTTP 500: database is locked"
    );
    assert!(
        !error.is_connection_problem(),
        "one request failed, not the engine"
    );
}

/// Docker 28 fails a list with 404 when an image goes while it lists (seen in CI, a test
/// removing images beside another's list): imgtui lists again, and reports a 404 that stays.
#[test]
fn a_list_that_loses_an_image_midway_is_asked_again() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let gone = || {
        Reply::Status(
            404,
            r#"{"message":"content digest sha256:ab: not found"}"#.into(),
        )
    };
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let fake = FakeEngine::start(move |path| {
        if !path.contains("/images/json") {
            return Reply::Status(404, r#"{"message":"not here"}"#.into());
        }
        match counter.fetch_add(1, Ordering::SeqCst) {
            0 => gone(),
            _ => Reply::Json(
                r#"[{"Id":"sha256:aa","RepoTags":["a:1"],"Size":1,"Created":1}]"#.into(),
            ),
        }
    });
    let always_gone = FakeEngine::start(move |_| gone());
    let rt = runtime();
    rt.block_on(async {
        let engine = Engine::connect_with(Endpoint::parse(&fake.host).unwrap(), short_limits())
            .await
            .unwrap();
        assert_eq!(
            engine.list_images().await.expect("the second answer").len(),
            1
        );
        assert_eq!(asked.load(Ordering::SeqCst), 2);
        let engine =
            Engine::connect_with(Endpoint::parse(&always_gone.host).unwrap(), short_limits())
                .await
                .unwrap();
        let error = engine.list_images().await.expect_err("it gives up");
        assert!(error.is_not_found(), "{error}");
    });
}

/// The engine computes one disk usage at a time and answers a second with 409 (seen for real
/// when `docker system df` ran beside imgtui): imgtui waits for it and asks again, and stops
/// waiting after its list time limit.
#[test]
fn a_busy_disk_usage_is_asked_for_again() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    // Docker 20.10 says it with 409 (containers, volumes) or 500 (layers).
    let busy = |status| {
        Reply::Status(
            status,
            r#"{"message":"a disk usage operation is already running"}"#.into(),
        )
    };
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let fake = FakeEngine::start(move |path| {
        if !path.contains("/system/df") {
            return Reply::Status(404, r#"{"message":"not here"}"#.into());
        }
        match counter.fetch_add(1, Ordering::SeqCst) {
            0 => busy(409),
            1 => busy(500),
            _ => Reply::Json(
                r#"{"LayersSize":100,"Images":[{"Id":"sha256:aa","Size":100,"SharedSize":0,"Containers":0}]}"#.into(),
            ),
        }
    });
    let always_busy = FakeEngine::start(move |_| busy(409));
    let rt = runtime();
    rt.block_on(async {
        let engine = Engine::connect_with(Endpoint::parse(&fake.host).unwrap(), short_limits())
            .await
            .unwrap();
        let report = engine.disk_usage().await.expect("the third answer");
        assert_eq!(report.images.len(), 1);
        assert_eq!(asked.load(Ordering::SeqCst), 3);

        let engine =
            Engine::connect_with(Endpoint::parse(&always_busy.host).unwrap(), short_limits())
                .await
                .unwrap();
        let error = engine.disk_usage().await.expect_err("it gives up");
        assert_eq!(
            error.to_string(),
            "the engine answered HTTP 409: a disk usage operation is already running"
        );
    });
}

/// The engine task reports a failed list and carries on (the event stream stays up).
#[test]
fn the_engine_task_reports_a_500_and_goes_on() {
    let fake = FakeEngine::start(|_| Reply::Status(500, r#"{"message":"boom"}"#.into()));
    let rt = runtime();
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let _handle = worker::spawn(Endpoint::parse(&fake.host).unwrap(), tx);
        let failed = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                match rx.recv().await.expect("the task runs") {
                    EngineEvent::Failed { error, .. } => return error,
                    EngineEvent::Status(imgtui::core::action::EngineStatus::Unreachable {
                        error,
                        ..
                    }) => panic!("a 500 is not a lost engine: {error}"),
                    _ => {}
                }
            }
        })
        .await
        .expect("a Failed event");
        assert_eq!(failed, "the engine answered HTTP 500: boom");
    });
}

/// The real binary against an engine whose list never ends: it says it is loading, and `q`
/// still quits at once with the terminal restored.
#[test]
fn the_ui_stays_responsive_while_the_engine_hangs() {
    let fake = FakeEngine::start(|_| Reply::Trickle);
    let mut tui = Tui::start(&["--host", &fake.host], 100, 30);
    tui.wait_screen("the loading state", |s| s.contains("Loading images"));
    tui.send("?");
    tui.wait_screen("the help overlay", |s| {
        s.contains(" Keys ") && s.contains("move down")
    });
    tui.send("q");
    assert!(tui.wait_exit());
    assert_eq!(tui.cooked(), (true, true));
}

/// An HTTP 500 on the list reaches the screen in plain words, escaped.
#[test]
fn an_engine_error_is_shown_in_plain_words() {
    let fake = FakeEngine::start(|_| {
        Reply::Status(500, "{\"message\":\"disk \\u001b[2Jon fire\"}".into())
    });
    let mut tui = Tui::start(&["--host", &fake.host], 120, 30);
    let screen = tui.wait_screen("the error", |s| s.contains("HTTP 500"));
    assert!(screen.contains("disk \\x1b[2Jon fire"), "{screen}");
    tui.send("q");
    assert!(tui.wait_exit());
    let raw = tui.raw();
    assert!(!String::from_utf8_lossy(&raw).contains("\u{1b}[2Jon"));
}

/// The API version check, in plain words, both ways.
#[test]
fn engines_too_old_or_too_new_are_explained() {
    let rt = runtime();
    let old = FakeEngine::start_as(r#"{"Version":"1.11","ApiVersion":"1.18"}"#, |_| {
        Reply::Json("[]".into())
    });
    let new = FakeEngine::start_as(
        r#"{"Version":"99.0","ApiVersion":"1.99","MinAPIVersion":"1.60"}"#,
        |_| Reply::Json("[]".into()),
    );
    let error = |host: &str| {
        rt.block_on(Engine::connect(Endpoint::parse(host).unwrap()))
            .expect_err("refused")
            .to_string()
    };
    assert_eq!(
        error(&old.host),
        "the engine speaks API 1.18, older than 1.24 which imgtui needs"
    );
    assert_eq!(
        error(&new.host),
        "the engine needs API 1.60 or newer, but this imgtui speaks at most 1.51: update imgtui"
    );
}

/// An engine (or a proxy in front of one) that does not answer `/_ping` with its API version
/// is asked `/version`, as before `/_ping` was used; a ping that cannot connect is final.
#[test]
fn an_engine_without_ping_is_asked_its_version() {
    let rt = runtime();
    for ping in [
        Reply::Status(404, r#"{"message":"page not found"}"#.into()),
        Reply::Json("OK".into()),
    ] {
        let fake = FakeEngine::start_without_ping(move |path| {
            if path.ends_with("/_ping") {
                ping.clone()
            } else {
                Reply::Json("[]".into())
            }
        });
        let engine = rt
            .block_on(Engine::connect(Endpoint::parse(&fake.host).unwrap()))
            .expect("connected through /version");
        assert_eq!(engine.api().to_string(), "1.51");
        assert_eq!(engine.info().version, "28.5.2-fake");
        assert!(rt.block_on(engine.list_images()).unwrap().is_empty());
    }
    let silent = FakeEngine::start_without_ping(|_| Reply::Silent);
    let error = rt
        .block_on(Engine::connect_with(
            Endpoint::parse(&silent.host).unwrap(),
            short_limits(),
        ))
        .expect_err("no answer");
    assert!(error.to_string().contains("GET /_ping"), "{error}");
}

/// Podman answers 200 with an empty body to a list option it does not take; imgtui then
/// lists without options. An empty body to the plain list is a plain error.
#[test]
fn an_empty_list_answer_is_asked_again_without_options() {
    let fake = FakeEngine::start(|path| {
        if path.contains("/images/json?") {
            Reply::Bytes(Vec::new())
        } else if path.ends_with("/images/json") {
            Reply::Json(r#"[{"Id":"sha256:aa","RepoTags":null,"Size":1}]"#.into())
        } else {
            Reply::Status(404, r#"{"message":"not here"}"#.into())
        }
    });
    let empty = FakeEngine::start(|path| {
        if path.contains("/images/json") {
            Reply::Bytes(Vec::new())
        } else {
            Reply::Status(404, r#"{"message":"not here"}"#.into())
        }
    });
    let rt = runtime();
    rt.block_on(async {
        let engine = Engine::connect_with(Endpoint::parse(&fake.host).unwrap(), short_limits())
            .await
            .unwrap();
        assert!(
            engine.list_images_path().contains('?'),
            "the fake is API 1.51"
        );
        let images = engine.list_images().await.expect("the plain list");
        assert_eq!(images.len(), 1);
        assert!(images[0].repo_tags.is_empty());

        let engine = Engine::connect_with(Endpoint::parse(&empty.host).unwrap(), short_limits())
            .await
            .unwrap();
        let error = engine.list_images().await.expect_err("nothing to read");
        assert!(error.to_string().contains("empty answer"), "{error}");
    });
}
