//! What a clean-up will remove, decided from what we know, before anything is sent. The
//! confirmation dialog shows a `Plan`; the shell runs exactly the jobs the plan lists, and
//! re-checks each one against the engine first (see `engine::operate`).

use std::collections::{HashMap, HashSet};

use super::image::{ContainerRef, Image, ImageId};

/// Which images a prune is for, as the engine's prune filters say it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PruneScope {
    /// No tag names them (`dangling=true`).
    #[default]
    Dangling,
    /// No container (running or stopped) uses them, tagged or not (`dangling=false`).
    Unused,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PruneOptions {
    pub scope: PruneScope,
    /// Only images created more than this many seconds before the preview.
    pub older_than: Option<u64>,
}

/// One image as the user saw it in the preview.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub id: ImageId,
    /// Its tags at preview time; a job finding others skips the image.
    pub references: Vec<String>,
    pub created: Option<i64>,
    pub size: u64,
}

impl Target {
    pub fn of(image: &Image) -> Target {
        Target {
            id: image.id.clone(),
            references: image.repo_tags.clone(),
            created: image.created,
            size: image.size,
        }
    }
}

/// An image the plan leaves alone because containers use it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    pub target: Target,
    /// Names of the containers using it, or their count when names are unknown.
    pub containers: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intent {
    /// One `POST /images/prune` with these filters; `cutoff` (a Unix time) is fixed at preview
    /// time so the engine filters by the same instant the preview did.
    Prune {
        options: PruneOptions,
        cutoff: Option<i64>,
    },
    /// Remove each listed image: every tag it had, then the image.
    Delete,
    /// Remove one tag; the image stays with its other tags.
    Untag { reference: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub intent: Intent,
    /// Exactly what will be removed, in display order.
    pub remove: Vec<Target>,
    /// What matches but stays because containers use it.
    pub blocked: Vec<Blocked>,
    /// False while the container list has not arrived: then "in use" is unknown and the
    /// plan cannot be confirmed.
    pub usage_known: bool,
}

impl Plan {
    /// Bytes the removed images occupy (layers shared with other images are counted, so the
    /// engine may reclaim less; it reports what it did reclaim).
    pub fn bytes(&self) -> u64 {
        match self.intent {
            Intent::Untag { .. } => 0,
            // Sizes come from the engine; a hostile one must not overflow the sum.
            _ => self
                .remove
                .iter()
                .fold(0u64, |sum, t| sum.saturating_add(t.size)),
        }
    }

    pub fn can_confirm(&self) -> bool {
        self.usage_known && !self.remove.is_empty()
    }

    pub fn ids(&self) -> Vec<ImageId> {
        self.remove.iter().map(|t| t.id.clone()).collect()
    }

    /// The jobs the shell runs, one per image.
    pub fn jobs(&self) -> Vec<Job> {
        self.remove
            .iter()
            .map(|target| Job {
                target: target.clone(),
                untag: match &self.intent {
                    Intent::Untag { reference } => Some(reference.clone()),
                    _ => None,
                },
            })
            .collect()
    }
}

/// One image to remove or untag. The shell first looks the image up again and skips it when
/// its tags are not the ones in `target` any more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub target: Target,
    /// `Some(tag)`: remove only that tag. `None`: remove every tag, then the image.
    pub untag: Option<String>,
}

/// What one job did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Deleted,
    Untagged,
    /// Someone else removed it first (404): nothing to do, not an error.
    AlreadyGone,
    /// Its tags changed after the preview, so it was left alone.
    Changed(String),
    /// The engine refused (409), in plain words; forcing may be offered.
    Conflict(String),
    Failed(String),
}

impl Outcome {
    pub fn is_success(&self) -> bool {
        matches!(
            self,
            Outcome::Deleted | Outcome::Untagged | Outcome::AlreadyGone
        )
    }
}

/// What the shell learned from a prune.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PruneOutcome {
    /// The engine pruned: the ids it reported deleted (images and, on old engines, layers)
    /// and the space it reports reclaimed.
    Done {
        deleted: Vec<String>,
        space_reclaimed: u64,
    },
    /// The re-check found images the preview did not list; nothing was sent.
    Changed {
        unlisted: Vec<ImageId>,
    },
    Failed(String),
}

/// Containers by image, as the planner needs them.
pub trait Usage {
    /// Names of containers using `image`; `None` when not known.
    fn containers(&self, image: &Image) -> Option<Vec<String>>;
}

/// A container list, as the engine gave it.
impl Usage for HashMap<ImageId, Vec<ContainerRef>> {
    fn containers(&self, image: &Image) -> Option<Vec<String>> {
        Some(
            self.get(&image.id)
                .map(|list| list.iter().map(ToString::to_string).collect())
                .unwrap_or_default(),
        )
    }
}

/// What a prune's filters match.
pub struct PruneMatch<'a> {
    pub remove: Vec<&'a Image>,
    /// Matches that stay because containers use them, with the containers' names.
    pub blocked: Vec<(&'a Image, Vec<String>)>,
    pub usage_known: bool,
}

/// The images a prune with `options` removes, and those it keeps because containers use
/// them, mirroring the engine's rules. Used for the preview and again, on a fresh list, for
/// the re-check at confirmation time.
pub fn prune_candidates<'a>(
    images: impl IntoIterator<Item = &'a Image>,
    usage: &impl Usage,
    options: PruneOptions,
    cutoff: Option<i64>,
) -> PruneMatch<'a> {
    let mut remove = Vec::new();
    let mut blocked = Vec::new();
    let mut known = true;
    for image in images {
        let in_scope = match options.scope {
            PruneScope::Dangling => image.is_dangling(),
            PruneScope::Unused => true,
        };
        // A missing date is the zero time, older than any cutoff.
        let old_enough = cutoff.is_none_or(|c| image.created.is_none_or(|t| t < c));
        if !in_scope || !old_enough {
            continue;
        }
        match usage.containers(image) {
            Some(names) if names.is_empty() => remove.push(image),
            Some(names) => blocked.push((image, names)),
            None => {
                known = false;
                blocked.push((image, Vec::new()));
            }
        }
    }
    PruneMatch {
        remove,
        blocked,
        usage_known: known,
    }
}

/// The prune preview for `options` at time `now`.
pub fn plan_prune<'a>(
    images: impl IntoIterator<Item = &'a Image>,
    usage: &impl Usage,
    options: PruneOptions,
    now: i64,
) -> Plan {
    let cutoff = options
        .older_than
        .map(|secs| now.saturating_sub(i64::try_from(secs).unwrap_or(i64::MAX)));
    let matched = prune_candidates(images, usage, options, cutoff);
    Plan {
        intent: Intent::Prune { options, cutoff },
        remove: matched.remove.into_iter().map(Target::of).collect(),
        blocked: matched
            .blocked
            .into_iter()
            .map(|(image, containers)| Blocked {
                target: Target::of(image),
                containers,
            })
            .collect(),
        usage_known: matched.usage_known,
    }
}

/// Deleting `images` (the marked ones, or the selected one): those containers use are kept.
pub fn plan_delete<'a>(images: impl IntoIterator<Item = &'a Image>, usage: &impl Usage) -> Plan {
    let mut plan = Plan {
        intent: Intent::Delete,
        remove: Vec::new(),
        blocked: Vec::new(),
        usage_known: true,
    };
    for image in images {
        match usage.containers(image) {
            Some(names) if names.is_empty() => plan.remove.push(Target::of(image)),
            Some(names) => plan.blocked.push(Blocked {
                target: Target::of(image),
                containers: names,
            }),
            None => {
                plan.usage_known = false;
                plan.remove.push(Target::of(image));
            }
        }
    }
    plan
}

/// Removing one tag of an image that has others.
pub fn plan_untag(image: &Image, reference: &str) -> Plan {
    Plan {
        intent: Intent::Untag {
            reference: reference.to_string(),
        },
        remove: vec![Target::of(image)],
        blocked: Vec::new(),
        usage_known: true,
    }
}

/// Whether a job may go ahead given the image's tags now: the same tags as at preview time
/// (order aside). `Err` says what changed.
pub fn recheck(target: &Target, now: &[String]) -> Result<(), String> {
    let before: HashSet<&String> = target.references.iter().collect();
    let after: HashSet<&String> = now.iter().collect();
    if before == after {
        return Ok(());
    }
    let added: Vec<&str> = now
        .iter()
        .filter(|r| !before.contains(r))
        .map(String::as_str)
        .collect();
    let lost: Vec<&str> = target
        .references
        .iter()
        .filter(|r| !after.contains(r))
        .map(String::as_str)
        .collect();
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("now also tagged {}", added.join(", ")));
    }
    if !lost.is_empty() {
        parts.push(format!("no longer tagged {}", lost.join(", ")));
    }
    Err(format!("changed since the preview ({})", parts.join("; ")))
}

/// Parses a duration as people type it: `90m`, `24h`, `7d`, `2w`, `1d12h`, `3600` (seconds).
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(secs);
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(format!("unknown unit {c:?} (use s, m, h, d or w)")),
        };
        let n: u64 = number
            .parse()
            .map_err(|_| format!("a number must come before {c:?}"))?;
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or("duration too long")?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(format!("{number} needs a unit (s, m, h, d or w)"));
    }
    Ok(total)
}

/// A duration the short way round: `7d`, `36h`, `90m`, `45s`.
pub fn format_duration(secs: u64) -> String {
    for (unit, size) in [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)] {
        if secs >= size && secs.is_multiple_of(size) {
            return format!("{}{unit}", secs / size);
        }
    }
    format!("{secs}s")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct Names(HashMap<&'static str, Vec<String>>);

    impl Usage for Names {
        fn containers(&self, image: &Image) -> Option<Vec<String>> {
            Some(self.0.get(image.id.as_str()).cloned().unwrap_or_default())
        }
    }

    struct Unknown;

    impl Usage for Unknown {
        fn containers(&self, _: &Image) -> Option<Vec<String>> {
            None
        }
    }

    fn image(id: &str, tags: &[&str], created: i64, size: u64) -> Image {
        Image {
            id: ImageId::new(id),
            repo_tags: tags.iter().map(|t| t.to_string()).collect(),
            created: Some(created),
            size,
            ..Image::default()
        }
    }

    fn seed() -> (Vec<Image>, Names) {
        let images = vec![
            image("dangling-old", &[], 100, 10),
            image("dangling-new", &[], 900, 20),
            image("dangling-used", &[], 100, 40),
            image("tagged", &["app:1"], 100, 80),
            image("tagged-used", &["app:2"], 100, 160),
        ];
        let usage = Names(HashMap::from([
            ("dangling-used", vec!["builder".to_string()]),
            ("tagged-used", vec!["web".to_string(), "worker".to_string()]),
        ]));
        (images, usage)
    }

    fn ids(targets: &[Target]) -> Vec<&str> {
        targets.iter().map(|t| t.id.as_str()).collect()
    }

    #[test]
    fn dangling_prune_lists_unused_dangling_images_and_keeps_used_ones() {
        let (images, usage) = seed();
        let plan = plan_prune(&images, &usage, PruneOptions::default(), 1_000);
        assert_eq!(ids(&plan.remove), ["dangling-old", "dangling-new"]);
        assert_eq!(plan.bytes(), 30);
        assert_eq!(plan.blocked.len(), 1);
        assert_eq!(plan.blocked[0].target.id.as_str(), "dangling-used");
        assert_eq!(plan.blocked[0].containers, ["builder"]);
        assert!(plan.can_confirm());
        assert_eq!(
            plan.intent,
            Intent::Prune {
                options: PruneOptions::default(),
                cutoff: None
            }
        );
    }

    #[test]
    fn unused_prune_includes_tagged_images_no_container_uses() {
        let (images, usage) = seed();
        let options = PruneOptions {
            scope: PruneScope::Unused,
            older_than: None,
        };
        let plan = plan_prune(&images, &usage, options, 1_000);
        assert_eq!(
            ids(&plan.remove),
            ["dangling-old", "dangling-new", "tagged"]
        );
        let blocked: Vec<&str> = plan.blocked.iter().map(|b| b.target.id.as_str()).collect();
        assert_eq!(blocked, ["dangling-used", "tagged-used"]);
    }

    #[test]
    fn older_than_fixes_a_cutoff_at_preview_time() {
        let (images, usage) = seed();
        let options = PruneOptions {
            scope: PruneScope::Dangling,
            older_than: Some(500),
        };
        let plan = plan_prune(&images, &usage, options, 1_000);
        assert_eq!(ids(&plan.remove), ["dangling-old"]);
        assert_eq!(
            plan.intent,
            Intent::Prune {
                options,
                cutoff: Some(500)
            }
        );
        // A huge duration does not overflow.
        let forever = PruneOptions {
            older_than: Some(u64::MAX),
            ..options
        };
        assert!(
            plan_prune(&images, &usage, forever, 1_000)
                .remove
                .is_empty()
        );
    }

    #[test]
    fn unknown_usage_blocks_confirmation() {
        let (images, _) = seed();
        let plan = plan_prune(&images, &Unknown, PruneOptions::default(), 1_000);
        assert!(plan.remove.is_empty());
        assert!(!plan.usage_known);
        assert!(!plan.can_confirm());
        let plan = plan_delete(&images[..1], &Unknown);
        assert!(!plan.can_confirm());
    }

    #[test]
    fn delete_keeps_images_containers_use() {
        let (images, usage) = seed();
        let plan = plan_delete(&images, &usage);
        assert_eq!(
            ids(&plan.remove),
            ["dangling-old", "dangling-new", "tagged"]
        );
        assert_eq!(plan.blocked.len(), 2);
        assert_eq!(plan.blocked[1].containers, ["web", "worker"]);
        assert_eq!(plan.bytes(), 110);
        let jobs = plan.jobs();
        assert!(jobs.iter().all(|j| j.untag.is_none()));
        assert_eq!(jobs[2].target.references, ["app:1"]);
    }

    #[test]
    fn untag_names_one_reference_and_frees_nothing() {
        let multi = image("m", &["a:1", "b:1"], 1, 50);
        let plan = plan_untag(&multi, "b:1");
        assert_eq!(plan.bytes(), 0);
        assert_eq!(plan.jobs()[0].untag.as_deref(), Some("b:1"));
        assert_eq!(plan.jobs()[0].target.references, ["a:1", "b:1"]);
    }

    #[test]
    fn recheck_refuses_any_change_of_tags() {
        let target = Target::of(&image("m", &["a:1", "b:1"], 1, 50));
        assert!(recheck(&target, &["b:1".into(), "a:1".into()]).is_ok());
        let added = recheck(&target, &["a:1".into(), "b:1".into(), "c:1".into()]).unwrap_err();
        assert!(added.contains("now also tagged c:1"), "{added}");
        let lost = recheck(&target, &["a:1".into()]).unwrap_err();
        assert!(lost.contains("no longer tagged b:1"), "{lost}");
        let dangling = Target::of(&image("d", &[], 1, 50));
        assert!(recheck(&dangling, &[]).is_ok());
        assert!(recheck(&dangling, &["x:1".into()]).is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90m"), Ok(5_400));
        assert_eq!(parse_duration("1d12h"), Ok(129_600));
        assert_eq!(parse_duration(" 2w "), Ok(1_209_600));
        assert_eq!(parse_duration("3600"), Ok(3_600));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5y").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("12h5").unwrap_err().contains("needs a unit"));
        assert!(parse_duration("99999999999999999999w").is_err());
        for secs in [45, 90 * 60, 36 * 3_600, 7 * 86_400, 14 * 86_400, 1] {
            assert_eq!(parse_duration(&format_duration(secs)), Ok(secs));
        }
        assert_eq!(format_duration(604_800), "1w");
        assert_eq!(format_duration(129_600), "36h");
    }
}
