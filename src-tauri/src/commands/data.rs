//! The Data screen: backups, export, import, statement and payout files,
//! sync, and the recovery of a database that cannot be opened. Long
//! operations run on a blocking thread, stream [`Progress`] through a
//! channel, and stop when `operation_cancel` flips their flag (core then
//! keeps nothing and answers `cancelled`).

use crate::state::{AppState, CmdResult, OpGuard};
use partnerdesk_core::backup::{self, BackupInfo, BackupKind, Recovery, RestoreReport, Verification};
use partnerdesk_core::clock::fmt_time;
use partnerdesk_core::exchange::export::{self, ExportReport, Format};
use partnerdesk_core::exchange::import::{
    self, DecimalMark, ImportFormat, ImportOptions, ImportPreview, ImportReport, ImportTable,
};
use partnerdesk_core::exchange::payout_file::{self, PayoutSummary};
use partnerdesk_core::exchange::pg::{self, Comparison, Conflict, PullReport, PushReport};
use partnerdesk_core::exchange::statement::{self, StatementFile};
use partnerdesk_core::exchange::sync::{self, ApplyReport, ExportReport as SyncExportReport, SyncStatus};
use partnerdesk_core::model::{PartnerId, Payout, PayoutId};
use partnerdesk_core::progress::Progress;
use partnerdesk_core::{Error, ErrorInfo};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tauri::ipc::Channel;
use tauri::State;

type Report<'a> = dyn FnMut(&Progress) -> bool + 'a;

/// Run `f` on a blocking thread as the long operation `op`, its progress
/// sent to `channel` (at most about ten times a second, and the last step).
async fn long<T: Send + 'static>(
    state: &AppState,
    op: u32,
    channel: Channel<Progress>,
    f: impl FnOnce(&AppState, &mut Report) -> CmdResult<T> + Send + 'static,
) -> CmdResult<T> {
    let state = state.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let guard: OpGuard = state.begin_op(op);
        let mut last: Option<Instant> = None;
        let mut report = |p: &Progress| -> bool {
            if guard.cancelled() {
                return false;
            }
            let due = last.is_none_or(|t| t.elapsed() >= Duration::from_millis(100));
            if due || p.done >= p.total {
                last = Some(Instant::now());
                let _ = channel.send(p.clone());
            }
            true
        };
        f(&state, &mut report)
    })
    .await
    .map_err(|e| Error::io("running the operation", std::io::Error::other(e.to_string())).info())?
}

#[track_caller]
fn core<T>(r: partnerdesk_core::Result<T>) -> CmdResult<T> {
    crate::state::Logged::start().result(r)
}

/// Why the database could not be opened, with the newest good backup; none when it is open.
#[tauri::command(rename_all = "snake_case")]
pub async fn recovery(state: State<'_, AppState>) -> CmdResult<Option<Recovery>> {
    match state.open_error() {
        None => Ok(None),
        Some(e) => Ok(Some(backup::recovery(&state.db_path()?, e))),
    }
}

/// The backups next to the database, newest first (works when it cannot be opened).
#[tauri::command(rename_all = "snake_case")]
pub async fn backups_list(state: State<'_, AppState>) -> CmdResult<Vec<BackupInfo>> {
    core(backup::list(&backup::BackupSet::of(&state.db_path()?)))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn backup_create(
    state: State<'_, AppState>,
    op: u32,
    on_progress: Channel<Progress>,
) -> CmdResult<BackupInfo> {
    long(&state, op, on_progress, |s, p| {
        core(backup::create(&*s.store()?, BackupKind::Manual, p))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn backup_verify(path: String) -> CmdResult<Verification> {
    tauri::async_runtime::spawn_blocking(move || core(backup::verify(Path::new(&path))))
        .await
        .map_err(|e| Error::io("verifying", std::io::Error::other(e.to_string())).info())?
}

/// Replace the database with a backup (the current file is kept aside as a
/// pre-restore backup), then open it again.
#[tauri::command(rename_all = "snake_case")]
pub async fn backup_restore(
    state: State<'_, AppState>,
    path: String,
    op: u32,
    on_progress: Channel<Progress>,
) -> CmdResult<RestoreReport> {
    long(&state, op, on_progress, move |s, p| {
        let now = partnerdesk_core::clock::Clock::now(&partnerdesk_core::clock::SystemClock);
        s.replace_store(|store, db| match store {
            Some(store) => backup::restore(store, Path::new(&path), p),
            None => backup::restore_file(db, Path::new(&path), now, p),
        })
    })
    .await
}

/// The tables an export can be limited to.
#[tauri::command(rename_all = "snake_case")]
pub async fn export_tables(state: State<'_, AppState>) -> CmdResult<Vec<String>> {
    state.read(export::tables)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn export_run(
    state: State<'_, AppState>,
    format: Format,
    dir: String,
    table: Option<String>,
    op: u32,
    on_progress: Channel<Progress>,
) -> CmdResult<ExportReport> {
    long(&state, op, on_progress, move |s, p| {
        core(export::export(
            &*s.store()?,
            Path::new(&dir),
            format,
            table.as_deref(),
            p,
        ))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn import_preview(table: ImportTable, path: String) -> CmdResult<ImportPreview> {
    core(import::preview(table, Path::new(&path)))
}

/// Import (or, with `dry_run`, only check) a file: all rows or none.
// One argument per choice of the import wizard, as the command list declares them.
#[allow(clippy::too_many_arguments)]
#[tauri::command(rename_all = "snake_case")]
pub async fn import_run(
    state: State<'_, AppState>,
    table: ImportTable,
    path: String,
    mapping: BTreeMap<String, String>,
    dry_run: bool,
    update: bool,
    decimal_mark: DecimalMark,
    op: u32,
    on_progress: Channel<Progress>,
) -> CmdResult<ImportReport> {
    long(&state, op, on_progress, move |s, p| {
        let path = PathBuf::from(path);
        let opts = ImportOptions {
            mapping,
            dry_run,
            update,
            decimal_mark,
            ..ImportOptions::new(table, core(ImportFormat::from_path(&path))?)
        };
        let report = core(import::import_file(&*s.store()?, &opts, &path, p))?;
        if report.imported > 0 {
            // A large import drops the search index: build it again in the
            // background, as at start, rather than at the next search.
            crate::start_search_index(s);
        }
        Ok(report)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn statement_write(
    state: State<'_, AppState>,
    partner_id: PartnerId,
    path: String,
) -> CmdResult<StatementFile> {
    let now = fmt_time(state.store()?.now());
    state.read(|c| statement::write(c, partner_id, Path::new(&path), &now))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn payouts_list(state: State<'_, AppState>, limit: i64) -> CmdResult<Vec<PayoutSummary>> {
    state.read(|c| payout_file::list(c, limit))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn payout_file_write(state: State<'_, AppState>, id: PayoutId, path: String) -> CmdResult<Payout> {
    state.read(|c| payout_file::write(c, id, Path::new(&path)))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_status(state: State<'_, AppState>) -> CmdResult<SyncStatus> {
    state.read(sync::status)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_export(
    state: State<'_, AppState>,
    dir: String,
    op: u32,
    on_progress: Channel<Progress>,
) -> CmdResult<SyncExportReport> {
    long(&state, op, on_progress, move |s, p| {
        core(sync::export(&*s.store()?, Path::new(&dir), p))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_apply(
    state: State<'_, AppState>,
    dir: String,
    op: u32,
    on_progress: Channel<Progress>,
) -> CmdResult<ApplyReport> {
    long(&state, op, on_progress, move |s, p| {
        core(sync::apply(&*s.store()?, Path::new(&dir), p))
    })
    .await
}

/// Push to PostgreSQL. The URL is used and dropped: it is not stored, and
/// an answer names the target without its password.
#[tauri::command(rename_all = "snake_case")]
pub async fn sync_push(
    state: State<'_, AppState>,
    url: String,
    dry_run: bool,
    op: u32,
    on_progress: Channel<Progress>,
) -> CmdResult<PushReport> {
    long(&state, op, on_progress, move |s, p| {
        pg::push_with(&*s.store()?, &url, pg::PushOptions { dry_run }, p).map_err(|e| without_url(e.info(), &url))
    })
    .await
}

/// Pull what the web side created or changed (see [`sync_push`] for the URL).
#[tauri::command(rename_all = "snake_case")]
pub async fn sync_pull(
    state: State<'_, AppState>,
    url: String,
    dry_run: bool,
    op: u32,
    on_progress: Channel<Progress>,
) -> CmdResult<PullReport> {
    long(&state, op, on_progress, move |s, p| {
        pg::pull(&*s.store()?, &url, dry_run, p).map_err(|e| without_url(e.info(), &url))
    })
    .await
}

/// Compare both sides' five tables (counts, money sums, checksums).
#[tauri::command(rename_all = "snake_case")]
pub async fn sync_compare(
    state: State<'_, AppState>,
    url: String,
    op: u32,
    on_progress: Channel<Progress>,
) -> CmdResult<Comparison> {
    long(&state, op, on_progress, move |s, _| {
        pg::compare(&*s.store()?, &url).map_err(|e| without_url(e.info(), &url))
    })
    .await
}

/// The conflict log, newest first.
#[tauri::command(rename_all = "snake_case")]
pub async fn sync_conflicts(state: State<'_, AppState>, limit: u32) -> CmdResult<Vec<Conflict>> {
    state.read(|c| pg::conflicts(c, limit))
}

/// The message with the URL as typed replaced by its redacted form.
fn without_url(mut e: ErrorInfo, url: &str) -> ErrorInfo {
    if !url.is_empty() {
        e.message = e.message.replace(url, &pg::redact(url));
    }
    e
}

/// Ask the running operation `op` to stop; false when it already ended.
#[tauri::command(rename_all = "snake_case")]
pub async fn operation_cancel(state: State<'_, AppState>, op: u32) -> CmdResult<bool> {
    Ok(state.cancel_op(op))
}
