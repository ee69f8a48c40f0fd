//! The engine the loop talks to now: its worker, the channel its reports arrive on, where
//! its list is saved, and how it was found. Switching engines replaces all of it at once:
//! the old worker ends when its handle is dropped, and whatever it (or a removal it
//! started) still sends goes into a channel nobody reads, so it can never reach the state
//! as the new engine's.

use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::connect::resolve::Located;
use crate::core::action::EngineEvent;
use crate::engine::cache::ListCache;
use crate::engine::worker::{self, EngineHandle};

pub struct Session {
    pub located: Located,
    pub engine: EngineHandle,
    pub events: UnboundedReceiver<EngineEvent>,
    /// This engine's saved list (one file per address); `None` with `--no-cache`.
    pub cache: Option<ListCache>,
    /// The engine's first list has been saved.
    pub saved: bool,
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
        if let Some(cache) = cache.clone() {
            // Read beside the first frame and the engine's list; whichever list comes
            // second loses to the engine's (see `EngineEvent::Cached`).
            let out = out.clone();
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
                }
            });
        }
        let engine = worker::spawn_from(located.endpoint.clone(), out, fallback, generation);
        Session {
            located,
            engine,
            events,
            cache,
            saved: false,
        }
    }
}
