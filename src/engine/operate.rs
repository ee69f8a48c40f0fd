//! Runs confirmed removals and prunes. Each job looks its image up again first and leaves it
//! alone when its tags are not the ones the user saw; removals go by tag where there is one,
//! so a tag added meanwhile keeps the image (the engine decides that atomically); deletes
//! never take untagged parent images along (`noprune`).

use futures_util::StreamExt;
use futures_util::stream;
use tokio::sync::mpsc::UnboundedSender;

use super::client::Engine;
use super::error::EngineError;
use super::mutate::{PruneFilter, Removed};
use crate::core::action::EngineEvent;
use crate::core::cleanup::{self, Job, Outcome, PruneOptions, PruneOutcome, PruneScope};
use crate::core::image::ImageId;

/// How many removals run at once: enough to overlap round trips, few enough not to swamp
/// the engine (each delete takes its image store lock).
const CONCURRENT_REMOVALS: usize = 4;

/// Runs `jobs`, reporting each result as it lands. One failure does not stop the others.
pub async fn remove(
    engine: Engine,
    operation: u64,
    jobs: Vec<Job>,
    force: bool,
    out: UnboundedSender<EngineEvent>,
) {
    let results = stream::iter(jobs)
        .map(|job| {
            let engine = engine.clone();
            async move {
                let id = job.target.id.clone();
                (id, run_job(&engine, &job, force).await)
            }
        })
        .buffer_unordered(CONCURRENT_REMOVALS);
    futures_util::pin_mut!(results);
    while let Some((id, outcome)) = results.next().await {
        // What was removed, kept or refused: the log is the audit trail of deletions.
        tracing::info!(operation, id = ?id.as_str(), force, ?outcome, "removal");
        let _ = out.send(EngineEvent::JobDone {
            operation,
            id,
            outcome,
        });
    }
}

async fn run_job(engine: &Engine, job: &Job, force: bool) -> Outcome {
    let id = job.target.id.as_str();
    let now = match engine.inspect_image(id).await {
        Ok(image) => image,
        Err(e) if e.is_not_found() => return Outcome::AlreadyGone,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    if let Err(why) = cleanup::recheck(&job.target, &now.repo_tags) {
        return Outcome::Changed(why);
    }
    if force {
        return match engine.remove_image(id, true).await {
            Ok(_) => Outcome::Deleted,
            Err(e) => failure(e),
        };
    }
    if let Some(reference) = &job.untag {
        return match engine.remove_image(reference, false).await {
            Ok(removed) if deleted(&removed, id) => Outcome::Deleted,
            Ok(_) => Outcome::Untagged,
            Err(e) if e.is_not_found() => {
                Outcome::Changed(format!("{reference} was already removed"))
            }
            Err(e) => failure(e),
        };
    }
    if job.target.references.is_empty() {
        return match engine.remove_image(id, false).await {
            Ok(_) => Outcome::Deleted,
            Err(e) => failure(e),
        };
    }
    // Tag by tag: the last one takes the image with it. A tag someone added meanwhile
    // would keep the image; we report that instead of forcing.
    for reference in &job.target.references {
        match engine.remove_image(reference, false).await {
            Ok(removed) if deleted(&removed, id) => return Outcome::Deleted,
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return failure(e),
        }
    }
    match engine.inspect_image(id).await {
        Err(e) if e.is_not_found() => Outcome::Deleted,
        Ok(image) => Outcome::Changed(format!(
            "its tags were removed but the engine kept the image{}",
            match image.repo_tags.first() {
                Some(tag) => format!(" (now tagged {tag})"),
                None => String::new(),
            }
        )),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

fn deleted(removed: &[Removed], id: &str) -> bool {
    removed
        .iter()
        .any(|r| matches!(r, Removed::Deleted(d) if d == id))
}

fn failure(error: EngineError) -> Outcome {
    match error {
        e if e.is_not_found() => Outcome::AlreadyGone,
        EngineError::Status {
            status: 409,
            message,
        } => Outcome::Conflict(plain_conflict(&message)),
        e => Outcome::Failed(e.to_string()),
    }
}

/// The engine's 409 text without its jargon: "conflict: unable to delete 7581 (must be
/// forced) - image is being used by stopped container 1e2c" → "image is being used by
/// stopped container 1e2c".
pub fn plain_conflict(message: &str) -> String {
    let reason = message
        .split_once(" - ")
        .map_or(message, |(_, reason)| reason)
        .trim();
    let mut reason = reason.to_string();
    if let Some(first) = reason.get(..1) {
        reason.replace_range(..1, &first.to_uppercase());
    }
    reason
}

/// Re-checks, then prunes. The engine applies the filters atomically; the re-check makes
/// sure they do not match anything the preview did not show (an image that lost its last tag
/// after the preview, or one loaded with an old date).
pub async fn prune(
    engine: Engine,
    operation: u64,
    options: PruneOptions,
    cutoff: Option<i64>,
    expected: Vec<ImageId>,
    out: UnboundedSender<EngineEvent>,
) {
    let _ = out.send(EngineEvent::PruneChecking { operation });
    tracing::info!(
        operation,
        ?options,
        cutoff,
        expected = expected.len(),
        "prune asked for"
    );
    let outcome = prune_checked(&engine, options, cutoff, &expected).await;
    tracing::info!(operation, ?outcome, "prune");
    let _ = out.send(EngineEvent::PruneDone { operation, outcome });
}

async fn prune_checked(
    engine: &Engine,
    options: PruneOptions,
    cutoff: Option<i64>,
    expected: &[ImageId],
) -> PruneOutcome {
    let images = match options.scope {
        PruneScope::Dangling => engine.list_dangling_images().await,
        PruneScope::Unused => engine.list_images().await,
    };
    let (images, containers) = match (images, engine.containers_by_image().await) {
        (Ok(images), Ok(containers)) => (images, containers),
        (Err(e), _) | (_, Err(e)) => {
            return PruneOutcome::Failed(format!("could not re-check before pruning: {e}"));
        }
    };
    let candidates = cleanup::prune_candidates(&images, &containers, options, cutoff).remove;
    let unlisted: Vec<ImageId> = candidates
        .iter()
        .filter(|image| !expected.contains(&image.id))
        .map(|image| image.id.clone())
        .collect();
    if !unlisted.is_empty() {
        return PruneOutcome::Changed { unlisted };
    }
    if candidates.is_empty() {
        // Everything listed is gone or now in use: a prune would find nothing of ours.
        return PruneOutcome::Done {
            deleted: Vec::new(),
            space_reclaimed: 0,
        };
    }
    let filter = PruneFilter {
        dangling_only: options.scope == PruneScope::Dangling,
        until: cutoff.map(|c| c.to_string()),
    };
    match engine.prune_images(&filter).await {
        Ok(report) => PruneOutcome::Done {
            deleted: report
                .removed
                .into_iter()
                .filter_map(|r| match r {
                    Removed::Deleted(id) => Some(id),
                    Removed::Untagged(_) => None,
                })
                .collect(),
            space_reclaimed: report.space_reclaimed,
        },
        Err(e) => PruneOutcome::Failed(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_read_plainly() {
        assert_eq!(
            plain_conflict(
                "conflict: unable to delete 758198c9c8e8 (must be forced) - image is being used by stopped container 1e2c0cc5eea9"
            ),
            "Image is being used by stopped container 1e2c0cc5eea9"
        );
        assert_eq!(plain_conflict("weird"), "Weird");
        assert_eq!(plain_conflict(""), "");
    }
}
