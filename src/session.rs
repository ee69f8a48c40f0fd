//! The engine the loop talks to now: its worker, the channel its reports arrive on, where
//! its list is saved, and how it was found. Switching engines replaces all of it at once:
//! the old worker ends when its handle is dropped, and whatever it (or a removal it
//! started) still sends goes into a channel nobody reads, so it can never reach the state
//! as the new engine's.

use std::time::{Duration, Instant};

use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::connect::resolve::Located;
use crate::core::action::EngineEvent;
use crate::engine::cache::ListCache;
use crate::engine::worker::{self, EngineHandle, FirstListHold};

/// An engine whose last list took this long is held from listing until its saved list is
/// on screen (`FirstListHold`); a faster one lists at once, as the saved list matters less
/// than its own list's first milliseconds.
const SLOW_LIST: Duration = Duration::from_secs(1);

pub struct Session {
    pub located: Located,
    pub engine: EngineHandle,
    pub events: UnboundedReceiver<EngineEvent>,
    /// This engine's saved list (one file per address); `None` with `--no-cache`.
    pub cache: Option<ListCache>,
    /// The engine's first list has been saved.
    pub saved: bool,
    started: Instant,
    /// From the start to the engine's first list, as the saved list's header keeps it.
    list_took: Option<Duration>,
    /// The first list waits for the saved list, which this releases once shown.
    hold: Option<FirstListHold>,
}

impl Session {
    /// Starts a worker for `located` (its first list tagged `generation`) and reads the
    /// list saved from that engine beside it.
    pub fn start(
        located: Located,
        use_cache: bool,
        fallback: Option<Duration>,
        generation: u64,
    ) -> Session {
        let (out, events) = unbounded_channel();
        let cache = if use_cache {
            ListCache::for_host(&located.endpoint.to_string())
        } else {
            None
        };
        let hold = cache
            .as_ref()
            .and_then(ListCache::last_list_took)
            .filter(|took| *took >= SLOW_LIST)
            .map(|_| FirstListHold::default());
        if let Some(cache) = cache.clone() {
            // Read beside the first frame and (unless held) the engine's list; whichever
            // list comes second loses to the engine's (see `EngineEvent::Cached`).
            let out = out.clone();
            let hold = hold.clone();
            tokio::task::spawn_blocking(move || {
                let started = std::time::Instant::now();
                if let Some(cached) = cache.load() {
                    tracing::info!(
                        images = cached.images.len(),
                        millis = started.elapsed().as_millis() as u64,
                        "saved list read"
                    );
                    let _ = out.send(EngineEvent::Cached {
                        images: cached.images,
                        saved_at: cached.saved_at,
                    });
                } else if let Some(hold) = hold {
                    // Nothing to show: nothing to wait for.
                    hold.release();
                }
            });
        }
        let engine = worker::spawn_from(
            located.endpoint.clone(),
            out,
            fallback,
            generation,
            hold.clone(),
        );
        Session {
            located,
            engine,
            events,
            cache,
            saved: false,
            started: Instant::now(),
            list_took: None,
            hold,
        }
    }

    /// The saved list is on screen: the engine's first list may start.
    pub fn saved_list_shown(&mut self) {
        if let Some(hold) = self.hold.take() {
            hold.release();
        }
    }

    /// The engine's first list arrived now (later calls keep the first time).
    pub fn listed(&mut self) {
        self.list_took.get_or_insert(self.started.elapsed());
    }

    /// What `ListCache::encode` keeps of how long the first list took.
    pub fn list_took(&self) -> Option<Duration> {
        self.list_took
    }
}
