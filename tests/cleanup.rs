//! The clean-up guarantees, each against both real engines (Docker 20.10 and Docker 28 with
//! the containerd store): the keys go through the real core, the confirmed commands through
//! the real engine code, and the engine is then asked what is left. Runs on the unseeded
//! scratch engines of `scripts/with-engines.sh`, one test at a time (a prune is engine-wide).

mod support;

use std::collections::BTreeSet;

use imgtui::core::action::{Action, Command, EngineEvent, EngineStatus, Message};
use imgtui::core::cleanup::{Intent, Outcome, Plan};
use imgtui::core::dialog::{Dialog, DialogInput};
use imgtui::core::image::ImageId;
use imgtui::core::sort::Sort;
use imgtui::core::state::{AppState, Level};
use imgtui::engine::client::Engine;
use imgtui::engine::endpoint::Endpoint;
use imgtui::engine::operate;
use support::{
    TestEngine, container_ids, create_container, dangling_image, docker, image_ids, import_image,
    scratch_engines, scratch_lock, unique,
};
use tokio::sync::mpsc::unbounded_channel;

/// The core and the engine code, driven like the app loop drives them.
struct Session {
    rt: tokio::runtime::Runtime,
    client: Engine,
    state: AppState,
    test: TestEngine,
}

impl Session {
    fn open(test: &TestEngine) -> Session {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = rt
            .block_on(Engine::connect(Endpoint::parse(&test.host).unwrap()))
            .unwrap_or_else(|e| panic!("{}: {e}", test.name));
        let mut state = AppState::new(Sort::default(), test.host.clone());
        state.update(Message::Engine(EngineEvent::Status(
            EngineStatus::Connected(client.info().clone()),
        )));
        let mut session = Session {
            rt,
            client,
            state,
            test: test.clone(),
        };
        session.reload();
        session
    }

    /// A fresh list and container list, as at start-up.
    fn reload(&mut self) {
        let (images, by_image) = self.rt.block_on(async {
            (
                self.client.list_images().await.unwrap(),
                self.client.containers_by_image().await.unwrap(),
            )
        });
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        self.state.update(Message::Clock(now));
        let generation = self.state.listing.generation;
        self.state
            .update(Message::Engine(EngineEvent::Listed { generation, images }));
        self.state.update(Message::Engine(EngineEvent::Containers {
            generation,
            by_image,
        }));
    }

    fn press(&mut self, action: Action) -> Vec<Command> {
        self.state.update(Message::Action(action))
    }

    fn key(&mut self, input: DialogInput) -> Vec<Command> {
        self.state.update(Message::Dialog(input))
    }

    fn select(&mut self, id: &str) {
        self.press(Action::Top);
        for _ in 0..self.state.len() {
            if self.state.selected().is_some_and(|i| i.id.as_str() == id) {
                return;
            }
            self.press(Action::Down);
        }
        panic!("{}: image {id} is not in the list", self.test.name);
    }

    fn plan(&self) -> Plan {
        match &self.state.dialog {
            Some(Dialog::Confirm(confirm)) => confirm.plan.clone(),
            other => panic!("{}: expected a confirmation, got {other:?}", self.test.name),
        }
    }

    /// Runs confirmed commands through the engine code and applies every result.
    fn run(&mut self, commands: Vec<Command>) -> Vec<EngineEvent> {
        let (tx, mut rx) = unbounded_channel();
        for command in commands {
            let client = self.client.clone();
            let tx = tx.clone();
            match command {
                Command::Remove {
                    operation,
                    jobs,
                    force,
                } => self
                    .rt
                    .block_on(operate::remove(client, operation, jobs, force, tx)),
                Command::Prune {
                    operation,
                    options,
                    cutoff,
                    expected,
                } => self.rt.block_on(operate::prune(
                    client, operation, options, cutoff, expected, tx,
                )),
                other => panic!("unexpected command {other:?}"),
            }
        }
        drop(tx);
        let mut events = Vec::new();
        while let Ok(event) = rx.try_recv() {
            self.state.update(Message::Engine(event.clone()));
            events.push(event);
        }
        events
    }

    /// `y`, and run what it confirmed.
    fn confirm(&mut self) -> Vec<EngineEvent> {
        let commands = self.key(DialogInput::Confirm);
        self.run(commands)
    }

    /// `f`, and run what it forced.
    fn force(&mut self) -> Vec<EngineEvent> {
        let commands = self.key(DialogInput::Force);
        self.run(commands)
    }

    fn notice(&self) -> String {
        self.state
            .notice
            .as_ref()
            .map(|n| n.text.clone())
            .unwrap_or_default()
    }
}

fn ids(plan: &Plan) -> BTreeSet<String> {
    plan.remove.iter().map(|t| t.id.to_string()).collect()
}

fn blocked(plan: &Plan) -> BTreeSet<String> {
    plan.blocked
        .iter()
        .map(|b| b.target.id.to_string())
        .collect()
}

fn exists(engine: &TestEngine, name: &str) -> bool {
    std::process::Command::new("docker")
        .args(["-H", &engine.host, "image", "inspect", name])
        .output()
        .unwrap()
        .status
        .success()
}

fn tags_of(engine: &TestEngine, id: &str) -> BTreeSet<String> {
    docker(
        engine,
        &["image", "inspect", "--format", "{{json .RepoTags}}", id],
    )
    .trim_matches(['[', ']'])
    .split(',')
    .map(|t| t.trim_matches('"').to_string())
    .filter(|t| !t.is_empty())
    .collect()
}

/// Leaves the scratch engine as empty as it was: containers first, then images.
fn tidy(engine: &TestEngine) {
    for id in container_ids(engine) {
        docker(engine, &["rm", "-f", &id]);
    }
    for id in image_ids(engine) {
        let _ = std::process::Command::new("docker")
            .args(["-H", &engine.host, "rmi", "-f", &id])
            .output();
    }
}

#[test]
fn delete_dangling_removes_exactly_what_the_confirmation_listed() {
    let _lock = scratch_lock();
    for engine in scratch_engines() {
        tidy(&engine);
        let p = unique("imgtui-prune");
        let keep = import_image(&engine, &format!("{p}/keep:1"), "keep");
        let d1 = dangling_image(&engine, &format!("{p}/a:1"));
        let d2 = dangling_image(&engine, &format!("{p}/b:1"));
        let used = dangling_image(&engine, &format!("{p}/c:1"));
        let user = create_container(&engine, &used);
        let images_before = image_ids(&engine);
        let containers_before = container_ids(&engine);

        let mut session = Session::open(&engine);
        assert!(session.press(Action::DeleteDangling).is_empty());
        let plan = session.plan();
        assert_eq!(
            ids(&plan),
            BTreeSet::from([d1.clone(), d2.clone()]),
            "{}",
            engine.name
        );
        assert_eq!(blocked(&plan), BTreeSet::from([used.clone()]));
        assert!(plan.blocked[0].containers[0].starts_with(&user), "{plan:?}");

        let commands = session.key(DialogInput::Confirm);
        assert!(
            matches!(&commands[..], [Command::Prune { .. }]),
            "{commands:?}"
        );
        session.run(commands);

        let expected: BTreeSet<String> = images_before.difference(&ids(&plan)).cloned().collect();
        assert_eq!(
            image_ids(&engine),
            expected,
            "{}: only the listed images went",
            engine.name
        );
        assert_eq!(
            container_ids(&engine),
            containers_before,
            "containers untouched"
        );
        assert!(exists(&engine, &keep) && exists(&engine, &used));
        assert!(session.state.operation.is_none());
        assert_eq!(session.state.notice.as_ref().unwrap().level, Level::Info);
        assert!(
            session.notice().starts_with("Pruned 2 dangling images"),
            "{}",
            session.notice()
        );
        // The list follows without a refresh.
        assert!(session.state.image(&ImageId::new(&d1)).is_none());
        assert!(session.state.image(&ImageId::new(&used)).is_some());
        tidy(&engine);
    }
}

#[test]
fn prune_leaves_alone_what_changed_after_the_preview() {
    let _lock = scratch_lock();
    for engine in scratch_engines() {
        tidy(&engine);
        let p = unique("imgtui-race");
        let rescued = dangling_image(&engine, &format!("{p}/a:1"));
        let now_used = dangling_image(&engine, &format!("{p}/b:1"));
        let doomed = dangling_image(&engine, &format!("{p}/c:1"));

        let mut session = Session::open(&engine);
        session.press(Action::DeleteDangling);
        let plan = session.plan();
        assert!(ids(&plan).is_superset(&BTreeSet::from([
            rescued.clone(),
            now_used.clone(),
            doomed.clone()
        ])));
        // Between preview and confirmation: one is tagged, a container starts using another.
        docker(&engine, &["tag", &rescued, &format!("{p}/rescued:1")]);
        create_container(&engine, &now_used);
        session.confirm();

        assert!(
            exists(&engine, &rescued),
            "{}: a tagged image stays",
            engine.name
        );
        assert!(
            exists(&engine, &now_used),
            "{}: a used image stays",
            engine.name
        );
        assert!(!exists(&engine, &doomed), "{}: the rest went", engine.name);
        assert!(
            session.notice().contains("2 images the engine kept"),
            "{}",
            session.notice()
        );

        // An image that became dangling after the preview: nothing is pruned at all.
        let listed = dangling_image(&engine, &format!("{p}/d:1"));
        session.reload();
        session.press(Action::DeleteDangling);
        assert!(ids(&session.plan()).contains(&listed));
        let late = dangling_image(&engine, &format!("{p}/e:1"));
        let before = image_ids(&engine);
        let events = session.confirm();
        assert_eq!(
            image_ids(&engine),
            before,
            "{}: nothing pruned",
            engine.name
        );
        assert!(
            events.iter().any(|e| matches!(e, EngineEvent::PruneDone {
                outcome: imgtui::core::cleanup::PruneOutcome::Changed { unlisted }, ..
            } if unlisted.contains(&ImageId::new(&late)))),
            "{events:?}"
        );
        assert!(
            session.notice().starts_with("Nothing was pruned"),
            "{}",
            session.notice()
        );
        tidy(&engine);
    }
}

#[test]
fn cancel_sends_nothing() {
    let _lock = scratch_lock();
    for engine in scratch_engines() {
        tidy(&engine);
        let p = unique("imgtui-cancel");
        dangling_image(&engine, &format!("{p}/a:1"));
        let single = import_image(&engine, &format!("{p}/s:1"), "single");
        let before = image_ids(&engine);
        let mut session = Session::open(&engine);
        for (action, input) in [
            (Action::DeleteDangling, DialogInput::Cancel),
            (Action::Prune, DialogInput::Cancel),
        ] {
            session.press(action);
            assert!(session.state.dialog.is_some());
            assert!(session.key(input).is_empty(), "no command on cancel");
        }
        session.select(&single);
        session.press(Action::Delete);
        assert!(session.key(DialogInput::Cancel).is_empty());
        assert!(session.state.dialog.is_none());
        assert_eq!(image_ids(&engine), before, "{}", engine.name);
        tidy(&engine);
    }
}

#[test]
fn removals_recheck_each_image_and_report_each_result() {
    let _lock = scratch_lock();
    for engine in scratch_engines() {
        tidy(&engine);
        let p = unique("imgtui-rm");
        let multi = import_image(&engine, &format!("{p}/m:1"), "multi");
        docker(&engine, &["tag", &multi, &format!("{p}/m:2")]);
        docker(&engine, &["tag", &multi, &format!("{p}/other:1")]);
        let single = import_image(&engine, &format!("{p}/s:1"), "single");
        let gone = import_image(&engine, &format!("{p}/g:1"), "gone");
        let tagged_later = import_image(&engine, &format!("{p}/t:1"), "tagged later");
        let used_later = import_image(&engine, &format!("{p}/u:1"), "used later");
        let dangling = dangling_image(&engine, &format!("{p}/d:1"));
        let mut session = Session::open(&engine);

        // Untag: one reference goes, the image and its other tags stay.
        session.select(&multi);
        session.press(Action::Delete);
        let Some(Dialog::Choose(choose)) = &session.state.dialog else {
            panic!("{}: a multi-tag image offers a choice", engine.name);
        };
        let untagged = choose.chosen_reference().unwrap().to_string();
        let commands = session.key(DialogInput::Confirm);
        let events = session.run(commands);
        assert!(
            matches!(
                &events[..],
                [EngineEvent::JobDone {
                    outcome: Outcome::Untagged,
                    ..
                }]
            ),
            "{events:?}"
        );
        let mut rest = BTreeSet::from([
            format!("{p}/m:1"),
            format!("{p}/m:2"),
            format!("{p}/other:1"),
        ]);
        rest.remove(&untagged);
        assert_eq!(tags_of(&engine, &multi), rest, "{}", engine.name);

        // Marks: five images, then the world changes before the confirmation.
        for id in [&single, &gone, &tagged_later, &used_later, &dangling] {
            session.select(id);
            session.press(Action::ToggleMark);
        }
        session.press(Action::Delete);
        let plan = session.plan();
        assert_eq!(plan.intent, Intent::Delete);
        assert_eq!(plan.remove.len(), 5);
        docker(&engine, &["rmi", &format!("{p}/g:1")]);
        docker(&engine, &["tag", &tagged_later, &format!("{p}/t:2")]);
        let user = create_container(&engine, &used_later);
        let events = session.confirm();
        let outcome = |id: &str| {
            events
                .iter()
                .find_map(|e| match e {
                    EngineEvent::JobDone { id: i, outcome, .. } if i.as_str() == id => {
                        Some(outcome.clone())
                    }
                    _ => None,
                })
                .unwrap_or_else(|| panic!("no result for {id}: {events:?}"))
        };
        assert_eq!(outcome(&single), Outcome::Deleted, "{}", engine.name);
        assert_eq!(outcome(&dangling), Outcome::Deleted);
        assert_eq!(
            outcome(&gone),
            Outcome::AlreadyGone,
            "a 404 is not an error"
        );
        assert!(matches!(outcome(&tagged_later), Outcome::Changed(why) if why.contains("/t:2")));
        assert!(
            matches!(outcome(&used_later), Outcome::Conflict(_)),
            "{:?}",
            outcome(&used_later)
        );
        assert!(!exists(&engine, &single) && !exists(&engine, &dangling));
        assert_eq!(
            tags_of(&engine, &tagged_later).len(),
            2,
            "tagged meanwhile: kept"
        );
        assert!(exists(&engine, &used_later), "used meanwhile: kept");
        let Some(Dialog::Report(report)) = &session.state.dialog else {
            panic!("a bulk delete reports each result");
        };
        assert_eq!(report.results.len(), 5);
        session.key(DialogInput::Cancel);

        // Only `f` forces, and only the image offered.
        session.reload();
        session.select(&used_later);
        session.press(Action::Delete);
        let Some(Dialog::Confirm(confirm)) = &session.state.dialog else {
            panic!("expected a confirmation");
        };
        assert!(confirm.can_force && confirm.plan.remove.is_empty());
        assert!(confirm.plan.blocked[0].containers[0].starts_with(&user));
        assert!(
            session.key(DialogInput::Confirm).is_empty(),
            "y does not force"
        );
        let events = session.force();
        assert!(
            matches!(
                &events[..],
                [EngineEvent::JobDone {
                    outcome: Outcome::Deleted,
                    ..
                }]
            ),
            "{events:?}"
        );
        assert!(!exists(&engine, &used_later), "{}", engine.name);
        assert!(container_ids(&engine).len() == 1, "the container stays");
        tidy(&engine);
    }
}

#[test]
fn prune_unused_takes_tagged_images_no_container_uses() {
    let _lock = scratch_lock();
    for engine in scratch_engines() {
        tidy(&engine);
        let p = unique("imgtui-unused");
        let tagged = import_image(&engine, &format!("{p}/t:1"), "tagged");
        let dangling = dangling_image(&engine, &format!("{p}/d:1"));
        let replacement = docker(
            &engine,
            &["image", "inspect", "-f", "{{.Id}}", &format!("{p}/d:1")],
        );
        let used = import_image(&engine, &format!("{p}/u:1"), "used");
        let user = create_container(&engine, &used);
        let mut session = Session::open(&engine);
        session.press(Action::Prune);
        assert!(
            session.key(DialogInput::Toggle).is_empty(),
            "choosing sends nothing"
        );
        let Some(Dialog::Prune(form)) = &session.state.dialog else {
            panic!("expected the prune form");
        };
        assert_eq!(
            ids(&form.plan),
            BTreeSet::from([tagged.clone(), dangling.clone(), replacement.clone()])
        );
        assert_eq!(blocked(&form.plan), BTreeSet::from([used.clone()]));
        session.confirm();
        for gone in [&tagged, &dangling, &replacement] {
            assert!(!exists(&engine, gone), "{}: {gone}", engine.name);
        }
        assert!(exists(&engine, &used));
        assert!(container_ids(&engine).len() == 1);
        assert!(
            session.notice().starts_with("Pruned 3 unused images"),
            "{}",
            session.notice()
        );
        docker(&engine, &["rm", &user]);
        tidy(&engine);
    }
}

/// The `until` filter as we send it (a Unix time) is one the engine accepts and applies.
#[test]
fn the_engine_accepts_our_until_filter() {
    let _lock = scratch_lock();
    for engine in scratch_engines() {
        tidy(&engine);
        let d = dangling_image(&engine, &format!("{}/d:1", unique("imgtui-until")));
        let session = Session::open(&engine);
        let filter = imgtui::engine::mutate::PruneFilter {
            dangling_only: true,
            until: Some("1".into()),
        };
        let report = session
            .rt
            .block_on(session.client.prune_images(&filter))
            .unwrap_or_else(|e| panic!("{}: {e}", engine.name));
        assert!(
            report.removed.is_empty(),
            "nothing is older than 1970: {report:?}"
        );
        assert!(exists(&engine, &d));
        tidy(&engine);
    }
}
