//! Partnerdesk core: every rule of the partner program, the storage, and the
//! operations the CLI and the desktop app share. Never depends on a GUI.
//!
//! Entry points: open a [`store::Store`], then call the functions of
//! [`workflow`] inside `store.write(|tx| ..)` and of [`queries`] inside
//! `store.read(|conn| ..)`.

pub mod analytics;
pub mod backup;
pub mod charts;
pub mod clock;
pub mod dashboard;
pub mod demo;
pub mod error;
pub mod exchange;
pub mod mail;
pub mod model;
pub mod money;
pub mod monitor;
pub mod open;
pub mod progress;
pub mod queries;
pub mod store;
pub mod workflow;

pub use error::{Error, ErrorInfo, ErrorKind, Result};
