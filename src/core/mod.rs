//! The pure core: state, actions, sorting, parsing and formatting. No terminal, no socket,
//! no clock: everything it needs to know arrives as a message.

pub mod action;
pub mod cleanup;
pub mod dialog;
pub mod disk;
pub mod filter;
pub mod format;
pub mod image;
pub mod inspect;
pub mod keymap;
pub mod picker;
pub mod pointer;
mod query;
pub mod reference;
mod removal;
pub mod sanitize;
pub mod search;
pub mod sort;
pub mod state;
mod update;
pub mod yank;
