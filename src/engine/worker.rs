//! The engine task: connects (and reconnects with backoff), lists everything once, then
//! follows the engine's event stream and patches single images instead of re-listing.
//! It reports what it learns as `EngineEvent`s; it never touches the state.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesOrdered;
use tokio::sync::Notify;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::client::{Engine, Limits};
use super::endpoint::Endpoint;
use super::error::EngineError;
use super::operate;
use super::wire::EventWire;
use crate::core::action::{Command, EngineEvent, EngineInfo, EngineStatus};
use crate::core::cleanup::{Outcome, PruneOutcome};
use crate::core::image::ImageId;

/// What the loop can ask of the engine task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineRequest {
    /// Re-list everything (Ctrl-R), tagging results with `generation`.
    Refresh { generation: u64 },
    /// Run a confirmed removal or prune (`Command::Remove`/`Command::Prune`).
    Operate(Command),
}

pub struct EngineHandle {
    requests: UnboundedSender<EngineRequest>,
}

impl EngineHandle {
    pub fn request(&self, request: EngineRequest) {
        // The task only ends when the loop drops the handle, so a send cannot fail before.
        let _ = self.requests.send(request);
    }
}

/// Holds a worker's first list until it is released (the saved list is on screen, see
/// `Session::start`), or for `FirstListHold::AT_MOST`, whichever comes first: a slow
/// engine computing a list keeps the cores busy (Docker 28 spends about 9 ms of CPU per
/// image on it), and the saved list is read on those same cores.
#[derive(Clone, Debug, Default)]
pub struct FirstListHold(Arc<Notify>);

impl FirstListHold {
    /// Never longer than this: a saved list that takes longer to show is not worth more
    /// of the live one's time.
    pub const AT_MOST: Duration = Duration::from_millis(300);

    pub fn release(&self) {
        self.0.notify_one();
    }

    async fn wait(&self) {
        let _ = tokio::time::timeout(Self::AT_MOST, self.0.notified()).await;
    }
}

/// Starts the engine task on the current tokio runtime.
pub fn spawn(endpoint: Endpoint, out: UnboundedSender<EngineEvent>) -> EngineHandle {
    spawn_with(endpoint, out, None)
}

/// `spawn`, also re-listing everything every `fallback` while connected (config
/// `refresh_fallback_secs`): a safety net besides the event stream, costly on big engines.
pub fn spawn_with(
    endpoint: Endpoint,
    out: UnboundedSender<EngineEvent>,
    fallback: Option<Duration>,
) -> EngineHandle {
    spawn_from(endpoint, out, fallback, 0, None)
}

/// `spawn_with`, tagging the first list with `generation`: after a switch of engines the
/// new worker's results carry generations the old one never used. With `hold`, the first
/// list is asked only once it is released.
pub fn spawn_from(
    endpoint: Endpoint,
    out: UnboundedSender<EngineEvent>,
    fallback: Option<Duration>,
    generation: u64,
    hold: Option<FirstListHold>,
) -> EngineHandle {
    let (requests, inbox) = unbounded_channel();
    tokio::spawn(run(endpoint, out, inbox, fallback, generation, hold));
    EngineHandle { requests }
}

/// Seconds to wait before reconnect attempt `attempt` (1-based): 1, 2, 4, 8, 16, 30, 30, …
pub fn backoff_secs(attempt: u32) -> u64 {
    1u64.checked_shl(attempt.saturating_sub(1))
        .unwrap_or(u64::MAX)
        .min(30)
}

async fn run(
    endpoint: Endpoint,
    out: UnboundedSender<EngineEvent>,
    mut inbox: UnboundedReceiver<EngineRequest>,
    fallback: Option<Duration>,
    mut generation: u64,
    mut hold: Option<FirstListHold>,
) {
    let host = endpoint.to_string();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let _ = out.send(EngineEvent::Status(EngineStatus::Connecting {
            host: host.clone(),
            attempt,
        }));
        let error = match Engine::reach(endpoint.clone(), Limits::default()).await {
            Ok(engine) => {
                match follow(
                    engine,
                    &out,
                    &mut inbox,
                    &mut generation,
                    fallback,
                    &mut attempt,
                    hold.take(),
                )
                .await
                {
                    Ok(()) => return, // the loop has gone
                    Err(lost) => {
                        // Debug formatting: engine text may hold escape sequences.
                        tracing::warn!(host, error = ?lost.to_string(), "connection lost");
                        lost
                    }
                }
            }
            Err(error) => error,
        };
        let wait = backoff_secs(attempt.max(1));
        tracing::warn!(host, attempt, error = ?error.to_string(), retry_in_secs = wait, "engine unreachable");
        let _ = out.send(EngineEvent::Status(EngineStatus::Unreachable {
            host: host.clone(),
            error: error.to_string(),
            attempt: attempt.max(1),
            retry_in_secs: wait,
        }));
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(wait)) => {}
            request = inbox.recv() => match request {
                // Ctrl-R while disconnected: retry now.
                Some(EngineRequest::Refresh { generation: g }) => generation = g,
                Some(EngineRequest::Operate(command)) => refuse(command, &error, &out),
                None => return,
            },
        }
    }
}

type Pending = Pin<Box<dyn Future<Output = Vec<EngineEvent>> + Send>>;

type Describing = Pin<Box<dyn Future<Output = Result<EngineInfo, EngineError>> + Send>>;

/// Lists, then applies events until the connection is lost (`Err`) or the loop is gone (`Ok`).
async fn follow(
    mut engine: Engine,
    out: &UnboundedSender<EngineEvent>,
    inbox: &mut UnboundedReceiver<EngineRequest>,
    generation: &mut u64,
    fallback: Option<Duration>,
    attempt: &mut u32,
    hold: Option<FirstListHold>,
) -> Result<(), EngineError> {
    // Subscribe first, then list: whatever changes during the list is in the stream.
    let mut events = engine.events().await?;
    // The ping said which engine this is and which API to speak: enough to be connected
    // and to apply the list as soon as it is in.
    connected(&engine, out, attempt);
    let first = start_list(&engine, *generation, out);
    // Its version and platform, for the header (`GET /version`), are asked once the first
    // list is in, or after `DESCRIBE_AFTER` while it is still coming: beside the list,
    // Docker 20.10's answer slowed the list by ~8 ms at 1,000 images (median of 16
    // alternating runs each, 91.5 against 83 ms), and Podman 4.3 takes 0.4 s to answer.
    let list_in = Arc::new(Notify::new());
    let mut describing: Option<Describing> = Some({
        let (engine, list_in) = (engine.clone(), list_in.clone());
        Box::pin(async move {
            let _ = tokio::time::timeout(DESCRIBE_AFTER, list_in.notified()).await;
            engine.describe().await
        })
    });
    let mut listing: Option<Listing> = Some(match hold {
        Some(hold) => Box::pin(async move {
            hold.wait().await;
            first.await
        }),
        None => first,
    });
    // Where images are kept (`GET /info`) only feeds the header, and the engine answers it
    // no faster than a small list: asked once the first list is in, not beside it.
    let mut storage_asked = false;
    // Events that arrive while a list is in flight wait for it, so the list cannot undo them.
    let mut held: Vec<EventWire> = Vec::new();
    // Fetches run concurrently but their results are applied in event order, so a slow
    // answer about an earlier event never overwrites a later one (a tag that moved twice).
    let mut fetches: FuturesOrdered<Pending> = FuturesOrdered::new();
    let mut fallback = fallback.filter(|d| !d.is_zero()).map(|every| {
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval
    });

    loop {
        tokio::select! {
            described = async { describing.as_mut().expect("guarded by the if").await }, if describing.is_some() => {
                describing = None;
                described_as(&mut engine, described?, out);
            },
            request = inbox.recv() => match request {
                None => return Ok(()),
                Some(EngineRequest::Refresh { generation: g }) => {
                    tracing::info!(generation = g, "re-list asked for");
                    *generation = g;
                    listing = Some(start_list(&engine, g, out));
                }
                Some(EngineRequest::Operate(command)) => operate(&engine, command, out),
            },
            event = events.next() => match event? {
                None => {
                    return Err(EngineError::Io {
                        what: "GET /events".into(),
                        err: "the engine closed the event stream".into(),
                    })
                }
                Some(event) if listing.is_some() => {
                    tracing::debug!(kind = ?event.kind, action = ?event.action, "engine event held until the list is in");
                    held.push(event)
                }
                Some(event) if event.needs_relist() => {
                    tracing::info!(action = ?event.action, "an event naming no image: re-listing");
                    listing = Some(start_list(&engine, *generation, out));
                }
                Some(event) => {
                    tracing::debug!(kind = ?event.kind, action = ?event.action, "engine event");
                    fetches.push_back(follow_event(engine.clone(), event, *generation));
                }
            },
            results = async { listing.as_mut().expect("guarded by the if").await }, if listing.is_some() => {
                listing = None;
                list_in.notify_one();
                for result in results? {
                    let _ = out.send(result);
                }
                if !storage_asked {
                    storage_asked = true;
                    ask_storage(&engine, out);
                }
                let mut relist = false;
                for event in held.drain(..) {
                    if event.needs_relist() {
                        relist = true;
                    } else {
                        fetches.push_back(follow_event(engine.clone(), event, *generation));
                    }
                }
                // The list may have been read before that load finished.
                if relist {
                    tracing::info!("an event naming no image came during the list: re-listing");
                    listing = Some(start_list(&engine, *generation, out));
                }
            },
            Some(results) = fetches.next(), if !fetches.is_empty() => {
                for result in results {
                    let _ = out.send(result);
                }
            },
            // The safety net: a full list (unless one is running), as Ctrl-R would.
            _ = async { fallback.as_mut().expect("guarded by the if").tick().await }, if fallback.is_some() => {
                if listing.is_none() {
                    tracing::info!(generation = *generation, "periodic re-list (refresh_fallback_secs)");
                    listing = Some(start_list(&engine, *generation, out));
                }
            },
        }
    }
}

/// How long the first list may run before `GET /version` is asked beside it.
const DESCRIBE_AFTER: Duration = Duration::from_millis(300);

/// `GET /version` said what the engine is: its version and platform join the status.
fn described_as(engine: &mut Engine, info: EngineInfo, out: &UnboundedSender<EngineEvent>) {
    tracing::info!(
        product = ?info.product,
        version = ?info.version,
        os = ?info.os,
        arch = ?info.arch,
        "described"
    );
    engine.set_info(info.clone());
    let _ = out.send(EngineEvent::Described(info));
}

/// The engine answered its ping (`Engine::reach` keeps what it said): from now on its
/// reports say so, and a later loss of the connection starts the reconnect backoff from
/// the beginning. Its version comes later (`described_as`).
fn connected(engine: &Engine, out: &UnboundedSender<EngineEvent>, attempt: &mut u32) {
    *attempt = 0;
    let info = engine.info().clone();
    tracing::info!(
        host = info.host,
        product = ?info.product,
        api = ?info.api_version,
        "connected"
    );
    let _ = out.send(EngineEvent::Status(EngineStatus::Connected(info)));
}

/// Where the engine keeps images, for the header, in the background.
fn ask_storage(engine: &Engine, out: &UnboundedSender<EngineEvent>) {
    let (engine, out) = (engine.clone(), out.clone());
    tokio::spawn(async move {
        if let Some(storage) = engine.storage().await {
            tracing::info!(storage = ?storage, "engine storage");
            let _ = out.send(EngineEvent::Storage(storage));
        }
    });
}

/// Runs a removal or prune beside the event stream, whose events then patch the list.
fn operate(engine: &Engine, command: Command, out: &UnboundedSender<EngineEvent>) {
    let (engine, out) = (engine.clone(), out.clone());
    match command {
        Command::Remove {
            operation,
            jobs,
            force,
        } => {
            tokio::spawn(operate::remove(engine, operation, jobs, force, out));
        }
        Command::Prune {
            operation,
            options,
            cutoff,
            expected,
        } => {
            tokio::spawn(operate::prune(
                engine, operation, options, cutoff, expected, out,
            ));
        }
        Command::Inspect(id) => {
            tokio::spawn(async move {
                let result = engine
                    .inspect_details(id.as_str())
                    .await
                    .map(Box::new)
                    .map_err(|error| inspect_failure(&error));
                let _ = out.send(EngineEvent::Inspected { id, result });
            });
        }
        Command::DiskUsage => {
            tokio::spawn(async move {
                let result = engine.disk_usage().await.map_err(|e| e.to_string());
                if let Err(error) = &result {
                    tracing::warn!(error = ?error, "disk usage failed");
                }
                let _ = out.send(EngineEvent::DiskUsage(result));
            });
        }
        // The loop's own business.
        Command::Refresh { .. }
        | Command::Copy(_)
        | Command::ListEngines
        | Command::SwitchEngine(_) => {}
    }
}

/// Why the inspect view has nothing to show, in plain words.
pub fn inspect_failure(error: &EngineError) -> String {
    if error.is_not_found() {
        crate::core::inspect::GONE.to_string()
    } else {
        error.to_string()
    }
}

/// A removal asked for while the engine is unreachable fails at once; nothing is queued to
/// run later behind the user's back.
fn refuse(command: Command, error: &EngineError, out: &UnboundedSender<EngineEvent>) {
    let why = format!("not connected to the engine: {error}");
    match command {
        Command::Remove {
            operation, jobs, ..
        } => {
            for job in jobs {
                let _ = out.send(EngineEvent::JobDone {
                    operation,
                    id: job.target.id,
                    outcome: Outcome::Failed(why.clone()),
                });
            }
        }
        Command::Prune { operation, .. } => {
            let _ = out.send(EngineEvent::PruneDone {
                operation,
                outcome: PruneOutcome::Failed(why),
            });
        }
        Command::Inspect(id) => {
            let _ = out.send(EngineEvent::Inspected {
                id,
                result: Err(why),
            });
        }
        Command::DiskUsage => {
            let _ = out.send(EngineEvent::DiskUsage(Err(why)));
        }
        // The loop's own business.
        Command::Refresh { .. }
        | Command::Copy(_)
        | Command::ListEngines
        | Command::SwitchEngine(_) => {}
    }
}

type Listing = Pin<Box<dyn Future<Output = Result<Vec<EngineEvent>, EngineError>> + Send>>;

/// Starts a full list tagged `generation` and says so (the loop shows it loading).
fn start_list(engine: &Engine, generation: u64, out: &UnboundedSender<EngineEvent>) -> Listing {
    let listing = full_list(engine.clone(), generation);
    let _ = out.send(EngineEvent::ListStarted { generation });
    listing
}

/// Images and container counts together. A lost connection is an `Err`, which ends the
/// session; any other failure is reported and the session goes on.
fn full_list(engine: Engine, generation: u64) -> Listing {
    Box::pin(async move {
        let started = std::time::Instant::now();
        let (images, containers) = tokio::join!(engine.list_images(), engine.containers_by_image());
        match &images {
            Ok(images) => tracing::info!(
                generation,
                images = images.len(),
                millis = started.elapsed().as_millis() as u64,
                "listed"
            ),
            Err(error) => tracing::warn!(generation, error = ?error.to_string(), "list failed"),
        }
        let mut results = Vec::new();
        match images {
            Ok(images) => results.push(EngineEvent::Listed { generation, images }),
            Err(error) if error.is_connection_problem() => return Err(error),
            Err(error) => results.push(EngineEvent::Failed {
                generation,
                error: error.to_string(),
            }),
        }
        match containers {
            Ok(by_image) => results.push(EngineEvent::Containers {
                generation,
                by_image,
            }),
            Err(error) if error.is_connection_problem() => return Err(error),
            Err(error) => results.push(EngineEvent::Failed {
                generation,
                error: format!("cannot count containers: {error}"),
            }),
        }
        Ok(results)
    })
}

/// Turns one engine event into the smallest update: fetch or drop the image it names, or
/// recount containers.
fn follow_event(engine: Engine, event: EventWire, generation: u64) -> Pending {
    Box::pin(async move {
        // As `sha256:<hex>`: Podman answers a bare hex id it no longer has with a 500
        // ("normalizing name"), not the 404 that says the image is gone.
        let id = ImageId::new(event.image_name());
        let asked = Instant::now();
        match event.kind.as_str() {
            "container" => match engine.containers_by_image().await {
                Ok(by_image) => vec![EngineEvent::Containers {
                    generation,
                    by_image,
                }],
                Err(error) => vec![EngineEvent::Failed {
                    generation,
                    error: format!("cannot count containers: {error}"),
                }],
            },
            "image" if !id.as_str().is_empty() => match engine.inspect_image(id.as_str()).await {
                Ok(image) => {
                    // The engine's inspect is most of an event's way to the screen.
                    let millis = asked.elapsed().as_millis() as u64;
                    tracing::debug!(id = id.as_str(), millis, "event's image fetched");
                    vec![EngineEvent::ImageChanged {
                        generation,
                        image: Box::new(image),
                    }]
                }
                Err(error) if error.is_not_found() => {
                    vec![EngineEvent::ImageGone { generation, id }]
                }
                Err(error) => vec![EngineEvent::Failed {
                    generation,
                    error: error.to_string(),
                }],
            },
            _ => Vec::new(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_thirty_seconds() {
        let waits: Vec<u64> = (1..=8).map(backoff_secs).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(backoff_secs(u32::MAX), 30);
        assert_eq!(backoff_secs(0), 1);
    }
}
