//! The one piece of state: the open store (or why it could not be opened,
//! which every command then answers, so the window can say it).

use partnerdesk_core::clock::SystemClock;
use partnerdesk_core::store::{resolve_db_path, Store};
use partnerdesk_core::{ErrorInfo, Result};
use std::path::Path;
use std::sync::Arc;

pub struct AppState {
    store: std::result::Result<Store, ErrorInfo>,
}

/// What every command answers: its result, or the core's error as `{kind, field, message}`.
pub type CmdResult<T> = std::result::Result<T, ErrorInfo>;

impl AppState {
    /// Open (create or migrate) the database; `explicit` overrides `PARTNERDESK_DB` and the default.
    pub fn open(explicit: Option<&Path>) -> AppState {
        let store = resolve_db_path(explicit)
            .and_then(|p| Store::open(p, Arc::new(SystemClock)))
            .map_err(|e| e.info());
        AppState { store }
    }

    pub fn from_store(store: Store) -> AppState {
        AppState { store: Ok(store) }
    }

    pub fn store(&self) -> CmdResult<&Store> {
        self.store.as_ref().map_err(Clone::clone)
    }

    /// A read on a consistent snapshot.
    pub fn read<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> Result<T>) -> CmdResult<T> {
        self.store()?.read(f).map_err(|e| e.info())
    }

    /// One user action: one transaction, audited inside.
    pub fn write<T>(&self, f: impl FnOnce(&partnerdesk_core::store::Tx) -> Result<T>) -> CmdResult<T> {
        self.store()?.write(f).map_err(|e| e.info())
    }
}
