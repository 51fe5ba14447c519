//! Encryption at rest from the app: the unlock screen, the lock (by hand or
//! after a time without input), and Settings → Security (encrypt, decrypt,
//! change the passphrase). Each rewrite closes the store, rewrites the file
//! (core's `store::cipher`) and opens it again.

use crate::state::{AppState, CmdResult};
use partnerdesk_core::store::cipher::{self, CipherReport, Passphrase, SecurityState};
use partnerdesk_core::workflow::settings;
use tauri::State;

#[tauri::command(rename_all = "snake_case")]
pub async fn security_state(state: State<'_, AppState>) -> CmdResult<SecurityState> {
    let path = state.db_path()?;
    let lock_minutes = state.read(|c| Ok(settings::load(c)?.lock_minutes))?;
    Ok(SecurityState {
        encrypted: !cipher::is_plain(&path),
        lock_minutes,
    })
}

/// Open the encrypted database with its passphrase (the unlock screen).
#[tauri::command(rename_all = "snake_case")]
pub async fn db_unlock(state: State<'_, AppState>, passphrase: String) -> CmdResult<()> {
    let state = state.inner().clone();
    tauri::async_runtime::spawn_blocking(move || state.unlock(&passphrase))
        .await
        .map_err(|e| partnerdesk_core::Error::io("unlocking", std::io::Error::other(e.to_string())).info())?
}

/// Close the encrypted database and forget its key; false for a plain one.
#[tauri::command(rename_all = "snake_case")]
pub async fn db_lock(state: State<'_, AppState>) -> CmdResult<bool> {
    state.lock()
}

async fn rewrite(
    state: &AppState,
    f: impl FnOnce(&std::path::Path) -> partnerdesk_core::Result<CipherReport> + Send + 'static,
) -> CmdResult<CipherReport> {
    let state = state.clone();
    tauri::async_runtime::spawn_blocking(move || {
        state.replace_store(|store, path| {
            drop(store);
            f(path)
        })
    })
    .await
    .map_err(|e| partnerdesk_core::Error::io("rewriting the database", std::io::Error::other(e.to_string())).info())?
}

#[tauri::command(rename_all = "snake_case")]
pub async fn db_encrypt(state: State<'_, AppState>, passphrase: String) -> CmdResult<CipherReport> {
    let pass = Passphrase::new(passphrase).map_err(|e| e.info())?;
    rewrite(state.inner(), move |p| cipher::encrypt(p, &pass)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn db_decrypt(state: State<'_, AppState>, passphrase: String) -> CmdResult<CipherReport> {
    let pass = Passphrase::given(passphrase).map_err(|e| e.info())?;
    rewrite(state.inner(), move |p| cipher::decrypt(p, &pass)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn db_change_passphrase(
    state: State<'_, AppState>,
    old_passphrase: String,
    new_passphrase: String,
) -> CmdResult<CipherReport> {
    let old = Passphrase::given(old_passphrase).map_err(|e| e.info())?;
    let new = Passphrase::new(new_passphrase).map_err(|e| e.info())?;
    rewrite(state.inner(), move |p| cipher::change_passphrase(p, &old, &new)).await
}
