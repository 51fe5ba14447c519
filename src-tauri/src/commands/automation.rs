//! Automation: tasks, the timed rules, e-mail templates, the outbox and the
//! SMTP password (kept in the OS keyring or a private file, never in the
//! database). Sending runs off the UI thread.

use crate::state::{AppState, CmdResult, Logged};
use partnerdesk_core::clock::fmt_time;
use partnerdesk_core::mail::{self, secret, SecretPlace, SendReport};
use partnerdesk_core::model::{
    AutomationRule, GroupId, OutboxId, OutboxMessage, OutboxStatus, TaskId, TaskItem, Template,
};
use partnerdesk_core::workflow::automation::outbox::{self, OutboxSummary};
use partnerdesk_core::workflow::automation::templates::{self, Preview};
use partnerdesk_core::workflow::automation::{tasks, timed, MailSettings};
use partnerdesk_core::Error;
use std::path::Path;
use tauri::State;

fn today(state: &AppState) -> CmdResult<String> {
    Ok(fmt_time(state.store()?.now())[..10].to_owned())
}

/// Blocking work (the network, files) on a worker thread.
async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&AppState) -> CmdResult<T> + Send + 'static,
) -> CmdResult<T> {
    let state = state.clone();
    tauri::async_runtime::spawn_blocking(move || f(&state))
        .await
        .map_err(|e| Error::io("running the operation", std::io::Error::other(e.to_string())).info())?
}

#[tauri::command(rename_all = "snake_case")]
pub async fn tasks_list(state: State<'_, AppState>, all: bool, record: Option<String>) -> CmdResult<Vec<TaskItem>> {
    let day = today(&state)?;
    state.read(|c| tasks::list(c, &day, all, record.as_deref()))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn tasks_today(state: State<'_, AppState>) -> CmdResult<Vec<TaskItem>> {
    let day = today(&state)?;
    state.read(|c| tasks::today_list(c, &day))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn task_done(state: State<'_, AppState>, id: TaskId) -> CmdResult<TaskItem> {
    state.write(|tx| tasks::done(tx, id))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn task_snooze(state: State<'_, AppState>, id: TaskId, until: String) -> CmdResult<TaskItem> {
    state.write(|tx| tasks::snooze(tx, id, &until))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn automation_rules(state: State<'_, AppState>) -> CmdResult<Vec<AutomationRule>> {
    let now = state.store()?.now();
    state.read(|c| timed::list(c, now))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn automation_set(
    state: State<'_, AppState>,
    name: String,
    enabled: Option<bool>,
    days: Option<i64>,
    items: Option<Vec<String>>,
) -> CmdResult<AutomationRule> {
    state.write(|tx| timed::set(tx, &name, enabled, days, items))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn templates_list(state: State<'_, AppState>) -> CmdResult<Vec<Template>> {
    state.read(templates::list)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn template_set(
    state: State<'_, AppState>,
    name: String,
    subject: String,
    body: String,
    group: Option<GroupId>,
) -> CmdResult<Template> {
    state.write(|tx| templates::set(tx, &name, &subject, &body, group))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn template_set_enabled(
    state: State<'_, AppState>,
    name: String,
    enabled: bool,
    group: Option<GroupId>,
) -> CmdResult<Template> {
    state.write(|tx| templates::set_enabled(tx, &name, enabled, group))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn template_preview(state: State<'_, AppState>, name: String, record: String) -> CmdResult<Preview> {
    let day = today(&state)?;
    state.read(|c| templates::preview(c, &name, &record, &day))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn outbox_list(
    state: State<'_, AppState>,
    status: Option<OutboxStatus>,
    record: Option<String>,
) -> CmdResult<Vec<OutboxMessage>> {
    state.read(|c| outbox::list(c, status, record.as_deref()))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn outbox_summary(state: State<'_, AppState>) -> CmdResult<OutboxSummary> {
    state.read(outbox::summary)
}

/// Send every queued message now.
#[tauri::command(rename_all = "snake_case")]
pub async fn outbox_send(state: State<'_, AppState>) -> CmdResult<SendReport> {
    blocking(&state, |s| Logged::start().result(mail::send_due(&*s.store()?, true))).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn outbox_retry(state: State<'_, AppState>, id: OutboxId) -> CmdResult<OutboxMessage> {
    state.write(|tx| outbox::retry(tx, id))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn outbox_cancel(state: State<'_, AppState>, id: OutboxId) -> CmdResult<OutboxMessage> {
    state.write(|tx| outbox::cancel(tx, id))
}

/// Save an e-mail as an .eml file (the path from the native save dialog).
#[tauri::command(rename_all = "snake_case")]
pub async fn outbox_save(state: State<'_, AppState>, id: OutboxId, path: String) -> CmdResult<OutboxMessage> {
    blocking(&state, move |s| {
        Logged::start().result(mail::save_eml(&*s.store()?, id, Path::new(&path)))
    })
    .await
}

/// Keep the SMTP password of the user and host set in the settings.
#[tauri::command(rename_all = "snake_case")]
pub async fn smtp_password_set(state: State<'_, AppState>, password: String) -> CmdResult<SecretPlace> {
    let s = state.read(MailSettings::load)?;
    let (Some(user), Some(host)) = (s.user, s.host) else {
        return Err(Error::validation("smtp.user", "set the SMTP host and user first").info());
    };
    blocking(&state, move |_| {
        Logged::start().result(secret::set(&user, &host, &password))
    })
    .await
}
