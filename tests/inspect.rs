//! The inspect view's details (`GET /images/{id}/json` and `/history`) from the real private
//! engines (Docker 20.10 and Docker 28), through the engine layer and the engine task.
//! Run through `scripts/with-engines.sh`, which exports the engines' addresses.

mod support;

use std::time::Duration;

use imgtui::core::action::{Action, Command, EngineEvent, Message};
use imgtui::core::inspect::{GONE, InspectTab, Loaded};
use imgtui::core::sort::Sort;
use imgtui::core::state::AppState;
use imgtui::engine::endpoint::Endpoint;
use imgtui::engine::worker::{self, EngineRequest, inspect_failure};
use support::{Tui, by_tag, connect, docker, engines, import_image, runtime, unique};

#[test]
fn config_and_history_of_seed_images() {
    let rt = runtime();
    for engine in engines() {
        rt.block_on(async {
            let client = connect(&engine).await;
            let images = client.list_images().await.unwrap();
            let name = engine.name;

            let small = by_tag(&images, "imgtui-test/small:1");
            let details = client.inspect_details(small.id.as_str()).await.unwrap();
            let config = &details.config;
            assert_eq!(config.cmd, ["sh"], "{name}");
            assert!(config.entrypoint.is_empty(), "{name}");
            assert!(
                config.env.iter().any(|e| e.starts_with("PATH=")),
                "{name}: {:?}",
                config.env
            );
            assert_eq!(config.labels, 2, "{name}");
            assert_eq!(
                (config.os.as_str(), config.architecture.as_str()),
                ("linux", "amd64")
            );
            assert_eq!(config.created, small.created, "{name}");
            assert_eq!(config.layers.len(), 1, "{name}");
            assert!(config.layers[0].starts_with("sha256:"), "{name}");
            assert!(!details.history.is_empty(), "{name}");
            assert!(
                details
                    .history
                    .iter()
                    .all(|h| h.created_by.starts_with("imgtui craft_image.py")),
                "{name}: {:?}",
                details.history
            );
            assert_eq!(details.history[0].created, small.created, "{name}");

            // Hostile labels are counted; the history keeps its note as sent.
            let hostile = by_tag(&images, "imgtui-test/hostile:1");
            let details = client.inspect_details(hostile.id.as_str()).await.unwrap();
            assert_eq!(details.config.labels, hostile.labels.len(), "{name}");
            assert!(
                details
                    .history
                    .iter()
                    .any(|h| h.created_by.contains("hostile")),
                "{name}: {:?}",
                details.history
            );

            // A reference works as well as an id.
            let by_name = client.inspect_details("imgtui-test/labels:many").await;
            assert_eq!(by_name.unwrap().config.labels, 60, "{name}");

            // An id the engine does not have: "image no longer exists".
            let missing = client
                .inspect_details(&format!("sha256:{}", "0".repeat(64)))
                .await
                .unwrap_err();
            assert!(missing.is_not_found(), "{name}: {missing}");
            assert_eq!(inspect_failure(&missing), GONE);
        });
    }
}

/// Receives events until an `Inspected` one, applying each to `state`.
async fn until_inspected(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<EngineEvent>,
    state: &mut AppState,
) -> EngineEvent {
    tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(event) = events.recv().await {
            state.update(Message::Engine(event.clone()));
            if matches!(event, EngineEvent::Inspected { .. }) {
                return event;
            }
        }
        panic!("the engine task stopped");
    })
    .await
    .expect("an answer to the inspect request within 60 s")
}

#[test]
fn enter_fetches_through_the_engine_task_and_caches_the_answer() {
    let rt = runtime();
    for engine in engines() {
        rt.block_on(async {
            let name = engine.name;
            let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
            let handle = worker::spawn(Endpoint::parse(&engine.host).unwrap(), tx);
            let mut state = AppState::new(Sort::default(), engine.host.clone());
            tokio::time::timeout(Duration::from_secs(60), async {
                while let Some(event) = events.recv().await {
                    let listed = matches!(event, EngineEvent::Listed { .. });
                    state.update(Message::Engine(event));
                    if listed {
                        break;
                    }
                }
            })
            .await
            .expect("the first list");

            // A throw-away image to select, inspect, then remove.
            let tag = format!("{}:1", unique("imgtui-test/insp"));
            let host = engine.clone();
            let t = tag.clone();
            let id = tokio::task::spawn_blocking(move || import_image(&host, &t, "inspect me"))
                .await
                .unwrap();
            tokio::time::timeout(Duration::from_secs(60), async {
                while state.all_images().all(|i| i.id.as_str() != id) {
                    let event = events.recv().await.expect("events");
                    state.update(Message::Engine(event));
                }
            })
            .await
            .expect("the new image in the list");
            state.update(Message::Action(Action::Top));
            while state.selected().is_some_and(|i| i.id.as_str() != id) {
                let before = state.cursor();
                state.update(Message::Action(Action::Down));
                assert_ne!(
                    state.cursor(),
                    before,
                    "{name}: the new image is not listed"
                );
            }

            let commands = state.update(Message::Action(Action::Inspect));
            assert_eq!(commands.len(), 1, "{name}");
            assert!(matches!(&commands[0], Command::Inspect(i) if i.as_str() == id));
            for command in commands {
                handle.request(EngineRequest::Operate(command));
            }
            let answer = until_inspected(&mut events, &mut state).await;
            let EngineEvent::Inspected { result, .. } = answer else {
                unreachable!()
            };
            let data = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            // `docker import` records one history entry and one layer, without a command.
            assert_eq!(data.config.layers.len(), 1, "{name}");
            assert!(!data.history.is_empty(), "{name}");
            assert!(matches!(
                state.inspect.shown(),
                Some((_, Some(Loaded::Ready(_))))
            ));

            // Esc and Enter again: shown from the cache, nothing asked.
            state.update(Message::Action(Action::Back));
            assert!(!state.inspect.is_open());
            assert!(state.update(Message::Action(Action::Inspect)).is_empty());
            state.update(Message::Action(Action::ShowTab(InspectTab::History)));
            assert_eq!(state.inspect.view().unwrap().tab, InspectTab::History);

            // The image is removed meanwhile: the view says so once the engine's event
            // arrives, and asking again gets a 404 in plain words.
            let host = engine.clone();
            tokio::task::spawn_blocking(move || docker(&host, &["rmi", &tag]))
                .await
                .unwrap();
            tokio::time::timeout(Duration::from_secs(60), async {
                while !matches!(state.inspect.shown(), Some((_, Some(Loaded::Failed(_))))) {
                    let event = events.recv().await.expect("events");
                    state.update(Message::Engine(event));
                }
            })
            .await
            .expect("the removal to reach the inspect view");
            let commands = state.update(Message::Action(Action::Refresh));
            let inspect: Vec<Command> = commands
                .into_iter()
                .filter(|c| matches!(c, Command::Inspect(_)))
                .collect();
            assert_eq!(inspect.len(), 1, "{name}");
            for command in inspect {
                handle.request(EngineRequest::Operate(command));
            }
            let EngineEvent::Inspected { result, .. } =
                until_inspected(&mut events, &mut state).await
            else {
                unreachable!()
            };
            assert_eq!(result.unwrap_err(), GONE, "{name}");
            assert_eq!(
                state.inspect.shown().unwrap().1,
                Some(&Loaded::Failed(GONE.into()))
            );
        });
    }
}

/// The real binary in a terminal: Enter opens the view with a spinner then the config, `2`
/// shows the history, Esc returns to the list.
#[test]
fn enter_in_the_terminal_shows_config_then_history() {
    for engine in engines() {
        let mut tui = Tui::start(&["--host", &engine.host], 100, 30);
        tui.wait_screen("the seeded list", |s| s.contains("imgtui-test/small:1"));
        tui.send("/small\r");
        tui.wait_screen("only the small image", |s| {
            s.contains(" filter: small") && !s.contains("imgtui-test/big:1")
        });
        tui.send("\r");
        let screen = tui.wait_screen("the config", |s| {
            s.contains("Inspect · imgtui-test/small:1") && s.contains(r#"["sh"]"#)
        });
        assert!(screen.contains("Platform      linux/amd64"), "{screen}");
        assert!(screen.contains("Layers (1)"), "{screen}");
        tui.send("2");
        let screen = tui.wait_screen("the history", |s| s.contains("CREATED BY"));
        assert!(screen.contains("imgtui craft_image.py small"), "{screen}");
        tui.send("\x1b");
        tui.wait_screen("the list again", |s| {
            !s.contains("Inspect ·") && s.contains("REPOSITORY")
        });
        tui.send("q");
        assert!(tui.wait_exit(), "imgtui exits with success");
    }
}
