//! imgtui: a terminal UI for browsing and cleaning up container images.
//!
//! `core` is pure and synchronous; `engine` talks to Docker; `ui` draws; `app` runs the loop.

pub mod app;
pub mod cli;
pub mod clipboard;
pub mod config;
pub mod connect;
pub mod core;
pub mod dirs;
pub mod engine;
pub mod listing;
pub mod logging;
pub mod session;
pub mod terminal;
pub mod ui;
