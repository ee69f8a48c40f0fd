//! What can happen to the state (messages in) and what the shell must do (commands out).

use std::collections::HashMap;

use super::cleanup::{Job, Outcome, PruneOptions, PruneOutcome};
use super::dialog::DialogInput;
use super::disk::DfReport;
use super::image::{ContainerRef, Image, ImageId};
use super::inspect::{InspectData, InspectTab};
use super::picker::{ChoiceTarget, EngineChoice, PickerInput, Switched};
use super::pointer::Pointer;
use super::sort::SortKey;
use super::yank::Yank;

/// Something the user asked for. Key bindings map keys to these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    HalfPageUp,
    HalfPageDown,
    Top,
    Bottom,
    SortBy(SortKey),
    ToggleFocus,
    ToggleHelp,
    Refresh,
    /// Space: mark or unmark the selected image (and move down).
    ToggleMark,
    /// `*`: mark every image shown.
    MarkAll,
    /// `d`/Delete: the marked images, else the selected one (or one of its tags).
    Delete,
    /// `D`: every dangling image.
    DeleteDangling,
    /// `P`: the prune dialog.
    Prune,
    /// `/`: type a filter query.
    Filter,
    /// `t`: show only dangling images, or everything again (a `dangling` term in the query).
    ToggleDanglingOnly,
    /// `u`: show only images no container uses, or everything again (an `unused` term).
    ToggleUnusedOnly,
    /// `y`: copy the image ID; `Y`: its tag, else repo@digest, else the ID.
    Yank(Yank),
    /// `I`: compute the disk usage (`docker system df`) again.
    DiskUsage,
    /// Esc: closes what is open, clears marks.
    Back,
    /// Enter: the inspect view of the selected image.
    Inspect,
    /// ←/→: the other tab of the inspect view.
    NextTab,
    /// `1`/`2`: a tab of the inspect view.
    ShowTab(InspectTab),
    /// `c`: the engine picker (docker contexts and local sockets).
    SwitchContext,
    Quit,
}

/// Facts about the engine we are connected to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EngineInfo {
    /// Where we connected, as the user would write it (`unix:///var/run/docker.sock`).
    pub host: String,
    /// "Docker" or "Podman".
    pub product: String,
    pub version: String,
    /// The API version we speak with it (negotiated).
    pub api_version: String,
    pub os: String,
    pub arch: String,
    /// Where images are kept, from `GET /info` (`EngineEvent::Storage`): "containerd store
    /// (overlayfs)" or the graph driver ("overlay2"; Podman's "overlay"); empty until then,
    /// or when the engine did not say.
    pub storage: String,
}

/// How the connection to the engine stands.
#[derive(Clone, Debug, PartialEq)]
pub enum EngineStatus {
    Connecting {
        host: String,
        attempt: u32,
    },
    Connected(EngineInfo),
    /// The engine cannot be reached; the task retries by itself after `retry_in_secs`.
    Unreachable {
        host: String,
        error: String,
        attempt: u32,
        retry_in_secs: u64,
    },
}

/// Something the engine task learned.
#[derive(Clone, Debug, PartialEq)]
pub enum EngineEvent {
    Status(EngineStatus),
    /// Where the connected engine keeps images (`GET /info`), learned once per connection
    /// after it; goes into `EngineInfo::storage`.
    Storage(String),
    /// What the connected engine is (`GET /version`: product, version, platform), learned
    /// once per connection after it; goes into `EngineInfo`.
    Described(EngineInfo),
    ListStarted {
        generation: u64,
    },
    Listed {
        generation: u64,
        images: Vec<Image>,
    },
    /// The list an earlier run saved, shown until the engine's own arrives.
    Cached {
        images: Vec<Image>,
        saved_at: i64,
    },
    /// One image appeared or changed (learned from an engine event).
    ImageChanged {
        generation: u64,
        image: Box<Image>,
    },
    ImageGone {
        generation: u64,
        id: ImageId,
    },
    /// The containers (running or not) using each image, from the container list.
    Containers {
        generation: u64,
        by_image: HashMap<ImageId, Vec<ContainerRef>>,
    },
    /// A request failed without the connection being lost.
    Failed {
        generation: u64,
        error: String,
    },
    /// One job of a removal finished (not tied to a listing generation).
    JobDone {
        operation: u64,
        id: ImageId,
        outcome: Outcome,
    },
    /// The re-check of a prune is running.
    PruneChecking {
        operation: u64,
    },
    PruneDone {
        operation: u64,
        outcome: PruneOutcome,
    },
    /// The engine's disk usage (`GET /system/df`), or why it could not be had.
    DiskUsage(Result<DfReport, String>),
    /// The answer to `Command::Inspect`: the details, or why not.
    Inspected {
        id: ImageId,
        result: Result<Box<InspectData>, String>,
    },
}

impl EngineEvent {
    /// An image that changed, came or went (`AppState::upsert`, `AppState::remove`).
    pub fn changes_one_image(&self) -> bool {
        matches!(
            self,
            EngineEvent::ImageChanged { .. } | EngineEvent::ImageGone { .. }
        )
    }
}

/// Sizes of the panes as last drawn; the shell reports them so paging knows a page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Viewport {
    pub list_rows: usize,
    /// The help overlay's visible rows and its lines in all (0 while it is closed).
    pub help_rows: usize,
    pub help_lines: usize,
    pub detail_rows: usize,
    pub detail_lines: usize,
    /// The inspect pane's content rows and lines in all (0 while it is closed).
    pub inspect_rows: usize,
    pub inspect_lines: usize,
}

/// A key while the filter prompt is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryInput {
    Insert(char),
    Backspace,
    /// Ctrl-W: the last word.
    DeleteWord,
    /// Ctrl-U: all of it.
    Clear,
    /// Enter: keep the filter, close the prompt.
    Accept,
    /// Esc: clear the filter, close the prompt.
    Cancel,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    Action(Action),
    /// A key while a dialog is open.
    Dialog(DialogInput),
    /// A key while the filter prompt is open.
    Query(QueryInput),
    Engine(EngineEvent),
    /// Engine events that arrived together, in order: the list's order, counts and totals
    /// are worked out once for a run of image changes instead of after each (a prune of
    /// thousands).
    EngineBatch(Vec<EngineEvent>),
    Viewport(Viewport),
    /// A click or wheel notch, already hit-tested against the panes.
    Pointer(Pointer),
    /// The time now (Unix seconds): the core has no clock of its own.
    Clock(i64),
    /// A key while the engine picker is open.
    Picker(PickerInput),
    /// The engines to offer (the answer to `Command::ListEngines`): opens the picker.
    EngineChoices(Vec<EngineChoice>),
    /// The shell now talks to another engine (after `Command::SwitchEngine`).
    Switched(Switched),
    /// The switch could not be made, and why.
    SwitchFailed(String),
}

/// Work for the shell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// List all images again, tagging results with `generation`.
    Refresh { generation: u64 },
    /// Re-check, then prune with exactly these filters; `expected` is what the user saw.
    Prune {
        operation: u64,
        options: PruneOptions,
        cutoff: Option<i64>,
        expected: Vec<ImageId>,
    },
    /// Run these jobs (concurrently, bounded); one `JobDone` per job.
    Remove {
        operation: u64,
        jobs: Vec<Job>,
        force: bool,
    },
    /// Fetch an image's config and history; answered by `EngineEvent::Inspected`.
    Inspect(ImageId),
    /// Put this text on the clipboard (the shell writes OSC 52 to the terminal).
    Copy(String),
    /// Ask the engine for its disk usage; answered by `EngineEvent::DiskUsage`.
    DiskUsage,
    /// Read the docker contexts and look for local sockets; answered by
    /// `Message::EngineChoices`.
    ListEngines,
    /// Stop talking to this engine and connect to that one; answered by
    /// `Message::Switched` or `Message::SwitchFailed`.
    SwitchEngine(ChoiceTarget),
}
