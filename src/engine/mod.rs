//! The I/O shell towards the engine: addresses, HTTP, the engine's JSON, and the background
//! task that keeps the core's image list current.

pub mod cache;
pub mod client;
pub mod endpoint;
pub mod error;
pub mod http;
pub mod mutate;
pub mod operate;
pub mod ssh;
pub mod tls;
pub mod wire;
pub mod worker;
