//! How the clean-up keys, the dialog keys and the results of a removal change the state.
//! Every path to the engine goes through a dialog the user confirmed: `start_prune` and
//! `start_remove` are only called from a confirmation.

use std::collections::HashSet;

use super::action::{Action, Command, EngineStatus};
use super::cleanup::{
    self, Intent, Job, Outcome, Plan, PruneOptions, PruneOutcome, PruneScope, Target,
};
use super::dialog::{
    Choose, Confirm, Conflict, Dialog, DialogInput, PruneField, PruneForm, Report,
};
use super::format::{self, plural};
use super::image::ImageId;
use super::state::{AppState, Level, Notice, Operation};

impl AppState {
    pub(super) fn notify(&mut self, level: Level, text: impl Into<String>) {
        self.notice = Some(Notice {
            level,
            text: text.into(),
        });
    }

    /// Why a clean-up cannot start now, if it cannot.
    fn clean_up_refused(&self) -> Option<String> {
        if self.read_only {
            return Some("Read-only: deleting is disabled (started with --read-only).".into());
        }
        if let Some(op) = &self.operation {
            return Some(format!(
                "Wait: a removal is still running ({}/{}).",
                op.results.len(),
                op.targets.len()
            ));
        }
        if !matches!(self.engine, EngineStatus::Connected(_)) {
            return Some("Not connected to the engine: nothing can be deleted now.".into());
        }
        if !self.listing.loaded || self.listing.cached_at.is_some() {
            return Some("Wait for the engine's list to load.".into());
        }
        None
    }

    /// `d`, `D`, `P`: open the dialog that previews what would go.
    pub(super) fn clean_up_action(&mut self, action: Action) {
        if let Some(why) = self.clean_up_refused() {
            self.notify(Level::Warning, why);
            return;
        }
        match action {
            Action::DeleteDangling => {
                let plan = cleanup::plan_prune(
                    self.images_in_order(),
                    self,
                    PruneOptions::default(),
                    self.now,
                );
                if plan.remove.is_empty() && plan.blocked.is_empty() {
                    self.notify(Level::Info, "No dangling images: nothing to delete.");
                } else {
                    self.open_confirm(plan, false);
                }
            }
            Action::Prune => {
                let options = PruneOptions::default();
                let plan = cleanup::plan_prune(self.images_in_order(), self, options, self.now);
                self.dialog = Some(Dialog::Prune(PruneForm {
                    options,
                    field: PruneField::Scope,
                    older_than: String::new(),
                    error: None,
                    plan,
                    scroll: 0,
                }));
            }
            Action::Delete => self.delete_action(),
            _ => {}
        }
    }

    fn delete_action(&mut self) {
        if self.marked().0 > 0 {
            let plan = cleanup::plan_delete(self.marked_images(), self);
            self.open_confirm(plan, false);
            return;
        }
        let Some(image) = self.selected() else {
            self.notify(Level::Info, "No image selected.");
            return;
        };
        if image.repo_tags.len() > 1 {
            self.dialog = Some(Dialog::Choose(Choose {
                image: image.id.clone(),
                references: image.repo_tags.clone(),
                selected: 0,
            }));
            return;
        }
        let plan = cleanup::plan_delete([image], self);
        let can_force = self.force_offered(&plan);
        self.open_confirm(plan, can_force);
    }

    /// Force is offered for one image that only stopped containers use: the engine refuses
    /// to remove a running container's image even when forced. Never on Podman, whose force
    /// removes the containers too.
    fn force_offered(&self, plan: &Plan) -> bool {
        if self.force_removes_containers() {
            return false;
        }
        match &plan.blocked[..] {
            [one] if plan.remove.is_empty() => self
                .containers_using(&one.target.id)
                .is_some_and(|users| users.iter().all(|c| !c.running)),
            _ => false,
        }
    }

    fn open_confirm(&mut self, plan: Plan, can_force: bool) {
        self.dialog = Some(Dialog::Confirm(Confirm {
            plan,
            can_force,
            scroll: 0,
        }));
    }

    pub(super) fn dialog_input(&mut self, input: DialogInput) -> Vec<Command> {
        if input == DialogInput::Quit {
            self.should_quit = true;
            return Vec::new();
        }
        let Some(dialog) = self.dialog.take() else {
            return Vec::new();
        };
        match dialog {
            Dialog::Confirm(confirm) => self.confirm_input(confirm, input),
            Dialog::Choose(choose) => self.choose_input(choose, input),
            Dialog::Prune(form) => self.prune_input(form, input),
            Dialog::Conflict(conflict) => match input {
                DialogInput::Force => self.start_remove(
                    Plan {
                        intent: Intent::Delete,
                        remove: vec![conflict.job.target.clone()],
                        blocked: Vec::new(),
                        usage_known: true,
                    },
                    vec![Job {
                        untag: None,
                        ..conflict.job
                    }],
                    true,
                ),
                DialogInput::Confirm | DialogInput::Cancel => {
                    self.notify(Level::Info, "Left as it is: nothing was forced.");
                    Vec::new()
                }
                _ => {
                    self.dialog = Some(Dialog::Conflict(conflict));
                    Vec::new()
                }
            },
            Dialog::Report(mut report) => {
                match input {
                    DialogInput::Up => report.scroll = report.scroll.saturating_sub(1),
                    DialogInput::Down => {
                        report.scroll = (report.scroll + 1).min(report.results.len());
                    }
                    DialogInput::Confirm | DialogInput::Cancel => return Vec::new(),
                    _ => {}
                }
                self.dialog = Some(Dialog::Report(report));
                Vec::new()
            }
        }
    }

    fn cancelled(&mut self) -> Vec<Command> {
        self.notify(Level::Info, "Cancelled: nothing was deleted.");
        Vec::new()
    }

    fn confirm_input(&mut self, mut confirm: Confirm, input: DialogInput) -> Vec<Command> {
        match input {
            DialogInput::Confirm if confirm.plan.can_confirm() => {
                let plan = confirm.plan;
                return match plan.intent {
                    Intent::Prune { .. } => self.start_prune(plan),
                    _ => {
                        let jobs = plan.jobs();
                        self.start_remove(plan, jobs, false)
                    }
                };
            }
            DialogInput::Confirm if !confirm.plan.usage_known => {
                self.notify(
                    Level::Warning,
                    "Which containers use these images is not known yet; try again in a moment.",
                );
            }
            // Nothing to remove (all blocked): Enter closes.
            DialogInput::Confirm if confirm.can_force => {}
            DialogInput::Confirm | DialogInput::Cancel => return self.cancelled(),
            DialogInput::Force if confirm.can_force => {
                let plan = confirm.plan;
                let jobs = plan
                    .blocked
                    .iter()
                    .map(|b| Job {
                        target: b.target.clone(),
                        untag: None,
                    })
                    .collect();
                let forced = Plan {
                    remove: plan.blocked.iter().map(|b| b.target.clone()).collect(),
                    blocked: Vec::new(),
                    ..plan
                };
                return self.start_remove(forced, jobs, true);
            }
            DialogInput::Up => confirm.scroll = confirm.scroll.saturating_sub(1),
            // Bounded by the rows listed, so scrolling back never has to undo blind presses.
            DialogInput::Down => {
                let rows = confirm.plan.remove.len() + confirm.plan.blocked.len();
                confirm.scroll = (confirm.scroll + 1).min(rows);
            }
            _ => {}
        }
        self.dialog = Some(Dialog::Confirm(confirm));
        Vec::new()
    }

    fn choose_input(&mut self, mut choose: Choose, input: DialogInput) -> Vec<Command> {
        match input {
            DialogInput::Up => choose.selected = choose.selected.saturating_sub(1),
            DialogInput::Down => {
                choose.selected = (choose.selected + 1).min(choose.choices() - 1);
            }
            DialogInput::Cancel => return self.cancelled(),
            DialogInput::Confirm => {
                let Some(image) = self.image(&choose.image) else {
                    self.notify(Level::Info, "That image is gone already.");
                    return Vec::new();
                };
                return match choose.chosen_reference() {
                    Some(reference) => {
                        let plan = cleanup::plan_untag(image, reference);
                        let jobs = plan.jobs();
                        self.start_remove(plan, jobs, false)
                    }
                    None => {
                        let plan = cleanup::plan_delete([image], self);
                        let can_force = self.force_offered(&plan);
                        self.open_confirm(plan, can_force);
                        Vec::new()
                    }
                };
            }
            _ => {}
        }
        self.dialog = Some(Dialog::Choose(choose));
        Vec::new()
    }

    fn prune_input(&mut self, mut form: PruneForm, input: DialogInput) -> Vec<Command> {
        match input {
            DialogInput::Cancel => return self.cancelled(),
            DialogInput::Confirm if form.error.is_none() && form.plan.can_confirm() => {
                return self.start_prune(form.plan);
            }
            DialogInput::Confirm if form.plan.remove.is_empty() && form.error.is_none() => {
                self.notify(Level::Info, "Nothing matches: nothing was deleted.");
                return Vec::new();
            }
            DialogInput::NextField => {
                form.field = match form.field {
                    PruneField::Scope => PruneField::OlderThan,
                    PruneField::OlderThan => PruneField::Scope,
                }
            }
            DialogInput::Toggle if form.field == PruneField::Scope => {
                form.options.scope = match form.options.scope {
                    PruneScope::Dangling => PruneScope::Unused,
                    PruneScope::Unused => PruneScope::Dangling,
                };
                self.replan(&mut form);
            }
            // Typing a number jumps to the duration.
            DialogInput::Char(c)
                if c.is_ascii_alphanumeric()
                    && form.older_than.len() < 16
                    && (form.field == PruneField::OlderThan || c.is_ascii_digit()) =>
            {
                form.field = PruneField::OlderThan;
                form.older_than.push(c);
                self.replan(&mut form);
            }
            DialogInput::Erase if form.field == PruneField::OlderThan => {
                form.older_than.pop();
                self.replan(&mut form);
            }
            DialogInput::Up => form.scroll = form.scroll.saturating_sub(1),
            DialogInput::Down => {
                let rows = form.plan.remove.len() + form.plan.blocked.len();
                form.scroll = (form.scroll + 1).min(rows);
            }
            _ => {}
        }
        self.dialog = Some(Dialog::Prune(form));
        Vec::new()
    }

    fn replan(&self, form: &mut PruneForm) {
        form.error = None;
        form.options.older_than = None;
        if !form.older_than.is_empty() {
            match cleanup::parse_duration(&form.older_than) {
                Ok(secs) => form.options.older_than = Some(secs),
                Err(why) => form.error = Some(why),
            }
        }
        form.plan = cleanup::plan_prune(self.images_in_order(), self, form.options, self.now);
        if form.error.is_some() {
            // An age that cannot be read matches nothing, rather than every age.
            form.plan.remove.clear();
            form.plan.blocked.clear();
        }
        form.scroll = 0;
    }

    fn next_operation_id(&mut self) -> u64 {
        self.next_operation += 1;
        self.next_operation
    }

    fn start_prune(&mut self, plan: Plan) -> Vec<Command> {
        let Intent::Prune { options, cutoff } = plan.intent else {
            return Vec::new();
        };
        let operation = self.next_operation_id();
        let expected = plan.ids();
        self.operation = Some(Operation {
            id: operation,
            targets: plan.remove.clone(),
            plan,
            force: false,
            checking: true,
            results: Vec::new(),
        });
        self.notice = None;
        vec![Command::Prune {
            operation,
            options,
            cutoff,
            expected,
        }]
    }

    fn start_remove(&mut self, plan: Plan, jobs: Vec<Job>, force: bool) -> Vec<Command> {
        if jobs.is_empty() {
            return Vec::new();
        }
        let operation = self.next_operation_id();
        // The marks were for this delete; what stays is in its report.
        self.clear_marks();
        self.operation = Some(Operation {
            id: operation,
            targets: jobs.iter().map(|j| j.target.clone()).collect(),
            plan,
            force,
            checking: false,
            results: Vec::new(),
        });
        self.notice = None;
        vec![Command::Remove {
            operation,
            jobs,
            force,
        }]
    }

    pub(super) fn job_done(&mut self, operation: u64, id: ImageId, outcome: Outcome) {
        let Some(op) = self.operation.as_mut().filter(|op| op.id == operation) else {
            return;
        };
        let Some(target) = op.targets.iter().find(|t| t.id == id).cloned() else {
            return;
        };
        let untagged = match &op.plan.intent {
            Intent::Untag { reference } => Some(reference.clone()),
            _ => None,
        };
        op.results.push((target, outcome.clone()));
        let finished = op.results.len() >= op.targets.len();
        match outcome {
            Outcome::Deleted | Outcome::AlreadyGone => self.remove(&id),
            Outcome::Untagged => {
                if let Some(reference) = untagged {
                    self.drop_reference(&id, &reference);
                }
            }
            _ => {}
        }
        if finished && let Some(op) = self.operation.take() {
            self.finish_remove(op);
        }
    }

    fn finish_remove(&mut self, op: Operation) {
        let count = |f: fn(&Outcome) -> bool| op.results.iter().filter(|(_, o)| f(o)).count();
        let deleted = count(|o| *o == Outcome::Deleted);
        let untagged = count(|o| *o == Outcome::Untagged);
        let gone = count(|o| *o == Outcome::AlreadyGone);
        let failed = op.results.len() - deleted - untagged - gone;
        let freed: u64 = op
            .results
            .iter()
            .filter(|(_, o)| *o == Outcome::Deleted)
            .fold(0u64, |sum, (t, _)| sum.saturating_add(t.size));

        let mut parts = Vec::new();
        if deleted > 0 {
            parts.push(format!(
                "Deleted {} ({})",
                plural(deleted, "image"),
                format::size(freed)
            ));
        }
        if untagged > 0 {
            match &op.plan.intent {
                Intent::Untag { reference } => {
                    parts.push(format!("Untagged {reference}; the image stays"))
                }
                _ => parts.push(format!("untagged {}", plural(untagged, "image"))),
            }
        }
        if gone > 0 {
            parts.push(format!("{} already gone", plural(gone, "image")));
        }
        if failed > 0 {
            parts.push(format!("{} not removed", plural(failed, "image")));
        }
        let level = if failed > 0 {
            Level::Warning
        } else {
            Level::Info
        };
        let single = op.results.len() == 1;
        if single && failed > 0 {
            let (target, outcome) = &op.results[0];
            let mut why = match outcome {
                Outcome::Changed(why) | Outcome::Conflict(why) | Outcome::Failed(why) => {
                    why.clone()
                }
                _ => String::new(),
            };
            // The engine names containers by id; we know their names.
            if let (Outcome::Conflict(_), Some(users)) =
                (outcome, self.containers_using(&target.id))
                && !users.is_empty()
            {
                let names: Vec<String> = users.iter().map(ToString::to_string).collect();
                why.push_str(&format!(" (containers: {})", names.join(", ")));
            }
            self.notify(level, format!("{} not removed: {why}", name_of(target)));
        } else {
            self.notify(level, parts.join("; ") + ".");
        }

        match &op.results[..] {
            [(target, Outcome::Conflict(message))]
                if !op.force && !self.force_removes_containers() =>
            {
                let containers = self
                    .containers_using(&target.id)
                    .map(|list| list.iter().map(ToString::to_string).collect())
                    .unwrap_or_default();
                self.dialog = Some(Dialog::Conflict(Conflict {
                    job: Job {
                        target: target.clone(),
                        untag: None,
                    },
                    message: message.clone(),
                    containers,
                }));
            }
            _ if !single && self.dialog.is_none() => {
                self.dialog = Some(Dialog::Report(Report {
                    title: self
                        .notice
                        .as_ref()
                        .map(|n| n.text.clone())
                        .unwrap_or_default(),
                    results: op.results,
                    scroll: 0,
                }));
            }
            _ => {}
        }
    }

    pub(super) fn prune_checking(&mut self, operation: u64) {
        if let Some(op) = self.operation.as_mut().filter(|op| op.id == operation) {
            op.checking = true;
        }
    }

    pub(super) fn prune_done(&mut self, operation: u64, outcome: PruneOutcome) {
        let Some(op) = self.operation.take_if(|op| op.id == operation) else {
            return;
        };
        let what = match &op.plan.intent {
            Intent::Prune { options, .. } if options.scope == PruneScope::Unused => "unused",
            _ => "dangling",
        };
        match outcome {
            PruneOutcome::Done {
                deleted,
                space_reclaimed,
            } => {
                let deleted: HashSet<&str> = deleted.iter().map(String::as_str).collect();
                let expected: HashSet<&ImageId> = op.targets.iter().map(|t| &t.id).collect();
                let removed: Vec<&Target> = op
                    .targets
                    .iter()
                    .filter(|t| deleted.contains(t.id.as_str()))
                    .collect();
                // Images the engine removed that the preview did not list: only possible if
                // one appeared in the instant between the re-check and the prune.
                let unlisted: Vec<ImageId> = self
                    .all_images()
                    .filter(|i| deleted.contains(i.id.as_str()) && !expected.contains(&i.id))
                    .map(|i| i.id.clone())
                    .collect();
                let kept = op.targets.len() - removed.len();
                let mut text = format!(
                    "Pruned {} {what} {}; the engine reclaimed {}.",
                    removed.len(),
                    if removed.len() == 1 {
                        "image"
                    } else {
                        "images"
                    },
                    format::size(space_reclaimed)
                );
                if kept > 0 {
                    text.push_str(&format!(
                        " {} the engine kept (now in use or tagged).",
                        plural(kept, "image")
                    ));
                }
                let mut level = if kept > 0 {
                    Level::Warning
                } else {
                    Level::Info
                };
                if !unlisted.is_empty() {
                    level = Level::Error;
                    let ids: Vec<&str> = unlisted.iter().map(ImageId::short).collect();
                    text.push_str(&format!(
                        " It also removed {} that appeared after the check: {}.",
                        plural(unlisted.len(), "image"),
                        ids.join(", ")
                    ));
                }
                let ids: Vec<ImageId> = removed.iter().map(|t| t.id.clone()).collect();
                for id in ids.iter().chain(&unlisted) {
                    self.remove(id);
                }
                self.notify(level, text);
            }
            PruneOutcome::Changed { unlisted } => {
                let ids: Vec<&str> = unlisted.iter().map(ImageId::short).collect();
                self.notify(
                    Level::Warning,
                    format!(
                        "Nothing was pruned: {} became {what} after the preview ({}). \
                         Review again before pruning.",
                        plural(unlisted.len(), "more image"),
                        ids.join(", ")
                    ),
                );
            }
            PruneOutcome::Failed(why) => self.notify(Level::Error, format!("Prune failed: {why}")),
        }
    }
}

/// How a target is named in messages: its first tag, else its short id.
pub fn name_of(target: &Target) -> String {
    target
        .references
        .first()
        .cloned()
        .unwrap_or_else(|| target.id.short().to_string())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::core::action::{EngineEvent, EngineInfo, Message};
    use crate::core::image::{ContainerRef, Image};
    use crate::core::sort::Sort;

    const DAY: i64 = 86_400;
    const NOW: i64 = 100 * DAY;

    fn image(id: &str, tags: &[&str], age_days: i64, size: u64) -> Image {
        Image {
            id: ImageId::new(id),
            repo_tags: tags.iter().map(|t| t.to_string()).collect(),
            created: Some(NOW - age_days * DAY),
            size,
            ..Image::default()
        }
    }

    /// Two unused dangling images, one a container uses, a tagged one, a multi-tag one and
    /// one a running container uses.
    fn state() -> AppState {
        let mut state = AppState::new(Sort::default(), "unix:///test.sock");
        state.update(Message::Clock(NOW));
        state.update(Message::Engine(EngineEvent::Status(
            EngineStatus::Connected(EngineInfo::default()),
        )));
        state.update(Message::Engine(EngineEvent::Listed {
            generation: 0,
            images: vec![
                image("d-old", &[], 30, 600),
                image("d-new", &[], 1, 500),
                image("d-used", &[], 30, 400),
                image("tagged", &["app:1"], 30, 300),
                image("multi", &["a:1", "b:1"], 30, 200),
                image("web", &["web:1"], 30, 100),
            ],
        }));
        let container = |name: &str, running| ContainerRef {
            name: name.into(),
            running,
        };
        state.update(Message::Engine(EngineEvent::Containers {
            generation: 0,
            by_image: HashMap::from([
                (ImageId::new("d-used"), vec![container("builder", false)]),
                (ImageId::new("web"), vec![container("web-1", true)]),
            ]),
        }));
        state
    }

    fn act(state: &mut AppState, action: Action) -> Vec<Command> {
        state.update(Message::Action(action))
    }

    fn key(state: &mut AppState, input: DialogInput) -> Vec<Command> {
        state.update(Message::Dialog(input))
    }

    fn select(state: &mut AppState, id: &str) {
        let position = (0..state.len())
            .find(|&p| state.row(p).unwrap().id.as_str() == id)
            .unwrap();
        state.select_position(position);
    }

    fn confirm_plan(state: &AppState) -> &Plan {
        match &state.dialog {
            Some(Dialog::Confirm(c)) => &c.plan,
            other => panic!("expected a confirmation, got {other:?}"),
        }
    }

    fn ids(targets: &[Target]) -> Vec<&str> {
        targets.iter().map(|t| t.id.as_str()).collect()
    }

    #[test]
    fn delete_dangling_previews_then_prunes_exactly_the_listed_images() {
        let mut state = state();
        assert!(act(&mut state, Action::DeleteDangling).is_empty());
        let plan = confirm_plan(&state);
        assert_eq!(ids(&plan.remove), ["d-old", "d-new"]);
        assert_eq!(plan.bytes(), 1_100);
        assert_eq!(plan.blocked[0].containers, ["builder (stopped)"]);
        // Scrolling sends nothing.
        assert!(key(&mut state, DialogInput::Down).is_empty());
        let commands = key(&mut state, DialogInput::Confirm);
        assert_eq!(
            commands,
            [Command::Prune {
                operation: 1,
                options: PruneOptions::default(),
                cutoff: None,
                expected: vec![ImageId::new("d-old"), ImageId::new("d-new")],
            }]
        );
        assert!(state.dialog.is_none());
        // A second clean-up waits for this one.
        act(&mut state, Action::DeleteDangling);
        assert!(state.dialog.is_none());
        assert!(
            state
                .notice
                .as_ref()
                .unwrap()
                .text
                .contains("still running")
        );

        state.update(Message::Engine(EngineEvent::PruneDone {
            operation: 1,
            outcome: PruneOutcome::Done {
                deleted: vec!["d-old".into(), "d-new".into(), "sha256:layer".into()],
                space_reclaimed: 1_000,
            },
        }));
        assert!(state.operation.is_none());
        assert!(state.image(&ImageId::new("d-old")).is_none());
        assert!(state.image(&ImageId::new("d-used")).is_some());
        let notice = state.notice.clone().unwrap();
        assert_eq!(notice.level, Level::Info);
        assert_eq!(
            notice.text,
            "Pruned 2 dangling images; the engine reclaimed 1 kB."
        );
    }

    #[test]
    fn disk_usage_is_asked_for_again_once_a_clean_up_has_finished() {
        use crate::core::disk::DfReport;
        let mut state = state();
        assert!(state.disk.loading, "asked for when the list came in");
        let answer = |state: &mut AppState| {
            state.update(Message::Engine(EngineEvent::DiskUsage(Ok(
                DfReport::default(),
            ))))
        };
        assert!(answer(&mut state).is_empty());
        act(&mut state, Action::DeleteDangling);
        key(&mut state, DialogInput::Confirm);
        // Events while it runs do not ask; its end does.
        let during = state.update(Message::Engine(EngineEvent::PruneChecking { operation: 1 }));
        assert!(during.is_empty());
        let done = state.update(Message::Engine(EngineEvent::PruneDone {
            operation: 1,
            outcome: PruneOutcome::Done {
                deleted: vec!["d-old".into(), "d-new".into()],
                space_reclaimed: 1_000,
            },
        }));
        assert_eq!(done, [Command::DiskUsage]);
        // A clean-up ending while one is computed asks again when that answer is in.
        state.disk.stale = true;
        assert_eq!(answer(&mut state), [Command::DiskUsage]);
    }

    #[test]
    fn cancel_sends_nothing_from_any_dialog() {
        for (action, selected) in [
            (Action::DeleteDangling, "tagged"),
            (Action::Delete, "tagged"),
            (Action::Delete, "multi"),
            (Action::Delete, "web"),
            (Action::Prune, "tagged"),
        ] {
            let mut state = state();
            select(&mut state, selected);
            act(&mut state, action);
            assert!(state.dialog.is_some(), "{action:?} on {selected}");
            assert!(key(&mut state, DialogInput::Cancel).is_empty());
            assert!(state.dialog.is_none());
            assert!(state.operation.is_none());
            assert_eq!(state.len(), 6);
        }
    }

    #[test]
    fn read_only_refuses_every_destructive_key() {
        let mut state = state();
        state.read_only = true;
        for action in [Action::DeleteDangling, Action::Delete, Action::Prune] {
            assert!(act(&mut state, action).is_empty());
            assert!(state.dialog.is_none());
            assert!(state.notice.as_ref().unwrap().text.contains("Read-only"));
        }
    }

    #[test]
    fn nothing_starts_while_disconnected_or_loading() {
        let mut state = AppState::new(Sort::default(), "unix:///x");
        act(&mut state, Action::DeleteDangling);
        assert!(state.dialog.is_none());
        assert!(state.notice.unwrap().text.contains("Not connected"));
    }

    #[test]
    fn delete_on_a_multi_tag_image_offers_each_tag_or_the_image() {
        let mut state = state();
        select(&mut state, "multi");
        act(&mut state, Action::Delete);
        let Some(Dialog::Choose(choose)) = &state.dialog else {
            panic!("expected a choice");
        };
        assert_eq!(choose.choices(), 3);
        key(&mut state, DialogInput::Down);
        let commands = key(&mut state, DialogInput::Confirm);
        let [Command::Remove { jobs, force, .. }] = &commands[..] else {
            panic!("expected one removal, got {commands:?}");
        };
        assert!(!force);
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].untag.as_deref(), Some("b:1"));
        assert_eq!(jobs[0].target.references, ["a:1", "b:1"]);

        let operation = state.operation.as_ref().unwrap().id;
        state.update(Message::Engine(EngineEvent::JobDone {
            operation,
            id: ImageId::new("multi"),
            outcome: Outcome::Untagged,
        }));
        let multi = state.image(&ImageId::new("multi")).unwrap();
        assert_eq!(multi.repo_tags, ["a:1"]);
        assert_eq!(
            state.notice.as_ref().unwrap().text,
            "Untagged b:1; the image stays."
        );
    }

    #[test]
    fn choosing_to_delete_the_whole_image_asks_again_with_sizes() {
        let mut state = state();
        select(&mut state, "multi");
        act(&mut state, Action::Delete);
        key(&mut state, DialogInput::Down);
        key(&mut state, DialogInput::Down);
        key(&mut state, DialogInput::Down);
        assert!(key(&mut state, DialogInput::Confirm).is_empty());
        assert_eq!(ids(&confirm_plan(&state).remove), ["multi"]);
        let commands = key(&mut state, DialogInput::Confirm);
        let [Command::Remove { jobs, .. }] = &commands[..] else {
            panic!("{commands:?}");
        };
        assert_eq!(jobs[0].untag, None);
    }

    #[test]
    fn an_image_in_use_is_only_removed_with_f() {
        let mut state = state();
        select(&mut state, "d-used");
        act(&mut state, Action::Delete);
        let Some(Dialog::Confirm(confirm)) = &state.dialog else {
            panic!("expected a confirmation");
        };
        assert!(confirm.can_force);
        assert!(confirm.plan.remove.is_empty());
        // y does not force.
        assert!(key(&mut state, DialogInput::Confirm).is_empty());
        assert!(state.dialog.is_some());
        let commands = key(&mut state, DialogInput::Force);
        let [Command::Remove { jobs, force, .. }] = &commands[..] else {
            panic!("{commands:?}");
        };
        assert!(force);
        assert_eq!(ids(&[jobs[0].target.clone()]), ["d-used"]);
    }

    #[test]
    fn force_is_not_offered_for_a_running_containers_image() {
        let mut state = state();
        select(&mut state, "web");
        act(&mut state, Action::Delete);
        let Some(Dialog::Confirm(confirm)) = &state.dialog else {
            panic!("expected a confirmation");
        };
        assert!(!confirm.can_force, "web-1 is running");
        assert!(key(&mut state, DialogInput::Force).is_empty());
    }

    #[test]
    fn podman_is_never_offered_force() {
        // Podman's forced delete removes the containers using the image too.
        let mut state = state();
        state.update(Message::Engine(EngineEvent::Status(
            EngineStatus::Connected(EngineInfo {
                product: "Podman".into(),
                ..EngineInfo::default()
            }),
        )));
        select(&mut state, "d-used");
        act(&mut state, Action::Delete);
        let Some(Dialog::Confirm(confirm)) = &state.dialog else {
            panic!("expected a confirmation");
        };
        assert!(
            !confirm.can_force,
            "only a stopped container uses it, but this is Podman"
        );
        assert!(key(&mut state, DialogInput::Force).is_empty());
        key(&mut state, DialogInput::Cancel);
        // Nor after the engine refused (a container imgtui had not counted).
        select(&mut state, "tagged");
        act(&mut state, Action::Delete);
        let commands = key(&mut state, DialogInput::Confirm);
        let [Command::Remove { operation, .. }] = commands[..] else {
            panic!("{commands:?}");
        };
        state.update(Message::Engine(EngineEvent::JobDone {
            operation,
            id: ImageId::new("tagged"),
            outcome: Outcome::Conflict("image is in use by a container".into()),
        }));
        assert!(state.dialog.is_none(), "{:?}", state.dialog);
        assert!(key(&mut state, DialogInput::Force).is_empty());
    }

    #[test]
    fn f_does_nothing_where_force_is_not_offered() {
        let mut state = state();
        act(&mut state, Action::DeleteDangling);
        assert!(key(&mut state, DialogInput::Force).is_empty());
        assert!(state.dialog.is_some());
    }

    #[test]
    fn a_conflict_offers_force_and_only_f_forces() {
        let mut state = state();
        select(&mut state, "tagged");
        act(&mut state, Action::Delete);
        let commands = key(&mut state, DialogInput::Confirm);
        let [Command::Remove { operation, .. }] = commands[..] else {
            panic!("{commands:?}");
        };
        state.update(Message::Engine(EngineEvent::JobDone {
            operation,
            id: ImageId::new("tagged"),
            outcome: Outcome::Conflict("Image is being used by stopped container 1e2c".into()),
        }));
        assert!(matches!(state.dialog, Some(Dialog::Conflict(_))));
        assert!(state.image(&ImageId::new("tagged")).is_some());
        // Enter leaves it.
        assert!(key(&mut state, DialogInput::Confirm).is_empty());
        assert!(state.dialog.is_none());

        // Again, and this time force.
        act(&mut state, Action::Delete);
        let commands = key(&mut state, DialogInput::Confirm);
        let [Command::Remove { operation, .. }] = commands[..] else {
            panic!("{commands:?}");
        };
        state.update(Message::Engine(EngineEvent::JobDone {
            operation,
            id: ImageId::new("tagged"),
            outcome: Outcome::Conflict("in use".into()),
        }));
        let commands = key(&mut state, DialogInput::Force);
        assert!(matches!(
            &commands[..],
            [Command::Remove { force: true, .. }]
        ));
    }

    #[test]
    fn marks_toggle_mark_all_clear_and_delete_in_bulk() {
        let mut state = state();
        act(&mut state, Action::Top);
        act(&mut state, Action::ToggleMark);
        assert_eq!(state.marked().0, 1);
        assert_eq!(state.cursor(), 1, "marking moves down");
        act(&mut state, Action::Up);
        act(&mut state, Action::ToggleMark);
        assert_eq!(state.marked().0, 0, "space again unmarks");
        act(&mut state, Action::MarkAll);
        assert_eq!(state.marked(), (6, 2_100));
        act(&mut state, Action::Back);
        assert_eq!(state.marked().0, 0, "Esc clears marks");

        act(&mut state, Action::MarkAll);
        act(&mut state, Action::Delete);
        let plan = confirm_plan(&state);
        assert_eq!(
            ids(&plan.remove),
            ["d-old", "d-new", "tagged", "multi"],
            "display order, in-use images left out"
        );
        let blocked: Vec<&str> = plan.blocked.iter().map(|b| b.target.id.as_str()).collect();
        assert_eq!(blocked, ["d-used", "web"]);
        let commands = key(&mut state, DialogInput::Confirm);
        let [
            Command::Remove {
                operation,
                jobs,
                force,
            },
        ] = &commands[..]
        else {
            panic!("{commands:?}");
        };
        assert!(!force);
        assert_eq!(jobs.len(), 4);

        // Results arrive in any order; one failure does not stop the others.
        let done = |state: &mut AppState, id: &str, outcome| {
            state.update(Message::Engine(EngineEvent::JobDone {
                operation: *operation,
                id: ImageId::new(id),
                outcome,
            }));
        };
        done(&mut state, "tagged", Outcome::Deleted);
        assert_eq!(state.operation.as_ref().unwrap().results.len(), 1);
        done(&mut state, "d-new", Outcome::AlreadyGone);
        done(&mut state, "multi", Outcome::Failed("disk on fire".into()));
        done(&mut state, "d-old", Outcome::Deleted);
        assert!(state.operation.is_none());
        assert_eq!(state.len(), 3);
        let notice = state.notice.clone().unwrap();
        assert_eq!(notice.level, Level::Warning);
        assert_eq!(
            notice.text,
            "Deleted 2 images (900 B); 1 image already gone; 1 image not removed."
        );
        let Some(Dialog::Report(report)) = &state.dialog else {
            panic!("a bulk delete reports every result");
        };
        assert_eq!(report.results.len(), 4);
        assert_eq!(
            state.marked().0,
            0,
            "a confirmed bulk delete uses the marks up"
        );
    }

    #[test]
    fn results_of_another_operation_are_ignored() {
        let mut state = state();
        select(&mut state, "tagged");
        act(&mut state, Action::Delete);
        key(&mut state, DialogInput::Confirm);
        state.update(Message::Engine(EngineEvent::JobDone {
            operation: 99,
            id: ImageId::new("tagged"),
            outcome: Outcome::Deleted,
        }));
        assert!(state.image(&ImageId::new("tagged")).is_some());
        assert!(state.operation.is_some());
    }

    #[test]
    fn prune_that_found_new_images_deletes_nothing_and_says_so() {
        let mut state = state();
        act(&mut state, Action::DeleteDangling);
        let commands = key(&mut state, DialogInput::Confirm);
        let [Command::Prune { operation, .. }] = commands[..] else {
            panic!("{commands:?}");
        };
        state.update(Message::Engine(EngineEvent::PruneDone {
            operation,
            outcome: PruneOutcome::Changed {
                unlisted: vec![ImageId::new("sha256:0123456789abcdef")],
            },
        }));
        let notice = state.notice.clone().unwrap();
        assert_eq!(notice.level, Level::Warning);
        assert!(
            notice.text.starts_with("Nothing was pruned"),
            "{}",
            notice.text
        );
        assert!(notice.text.contains("0123456789ab"));
        assert_eq!(state.len(), 6);
    }

    #[test]
    fn prune_removing_more_than_listed_is_an_error_shown_to_the_user() {
        let mut state = state();
        act(&mut state, Action::DeleteDangling);
        let commands = key(&mut state, DialogInput::Confirm);
        let [Command::Prune { operation, .. }] = commands[..] else {
            panic!("{commands:?}");
        };
        state.update(Message::Engine(EngineEvent::PruneDone {
            operation,
            outcome: PruneOutcome::Done {
                deleted: vec!["d-old".into(), "tagged".into()],
                space_reclaimed: 900,
            },
        }));
        let notice = state.notice.clone().unwrap();
        assert_eq!(notice.level, Level::Error);
        assert!(
            notice.text.contains("1 image the engine kept"),
            "{}",
            notice.text
        );
        assert!(
            notice.text.contains("also removed 1 image"),
            "{}",
            notice.text
        );
    }

    #[test]
    fn prune_form_edits_scope_and_age_and_previews_live() {
        let mut state = state();
        act(&mut state, Action::Prune);
        let form = |state: &AppState| match &state.dialog {
            Some(Dialog::Prune(f)) => f.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(ids(&form(&state).plan.remove), ["d-old", "d-new"]);
        key(&mut state, DialogInput::Toggle);
        assert_eq!(form(&state).options.scope, PruneScope::Unused);
        assert_eq!(
            ids(&form(&state).plan.remove),
            ["d-old", "d-new", "tagged", "multi"]
        );
        // Typing a digit jumps to the age field.
        for c in ['7', 'd'] {
            key(&mut state, DialogInput::Char(c));
        }
        let f = form(&state);
        assert_eq!(f.older_than, "7d");
        assert_eq!(f.options.older_than, Some(7 * DAY as u64));
        assert_eq!(ids(&f.plan.remove), ["d-old", "tagged", "multi"]);
        // Invalid input: nothing can be confirmed.
        key(&mut state, DialogInput::Char('x'));
        assert!(form(&state).error.is_some());
        assert!(key(&mut state, DialogInput::Confirm).is_empty());
        assert!(state.dialog.is_some());
        key(&mut state, DialogInput::Erase);
        assert!(form(&state).error.is_none());
        let commands = key(&mut state, DialogInput::Confirm);
        assert_eq!(
            commands,
            [Command::Prune {
                operation: 1,
                options: PruneOptions {
                    scope: PruneScope::Unused,
                    older_than: Some(7 * DAY as u64),
                },
                cutoff: Some(NOW - 7 * DAY),
                expected: ["d-old", "tagged", "multi"].map(ImageId::new).to_vec(),
            }]
        );
    }

    #[test]
    fn no_dangling_images_means_no_dialog() {
        let mut state = AppState::new(Sort::default(), "unix:///x");
        state.update(Message::Engine(EngineEvent::Status(
            EngineStatus::Connected(EngineInfo::default()),
        )));
        state.update(Message::Engine(EngineEvent::Listed {
            generation: 0,
            images: vec![image("t", &["t:1"], 1, 1)],
        }));
        act(&mut state, Action::DeleteDangling);
        assert!(state.dialog.is_none());
        assert!(state.notice.unwrap().text.starts_with("No dangling images"));
    }
}
