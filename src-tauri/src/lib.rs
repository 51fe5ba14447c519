//! The Partnerdesk desktop app: a thin Tauri shell. Each command in
//! [`commands`] is one delegation to `partnerdesk_core`; this file only opens
//! the store and wires the commands. No SQL and no rule lives here.

#[macro_use]
pub mod commands;
pub mod keyring;
pub mod launch;
pub mod state;

pub use state::AppState;
use std::path::PathBuf;

/// The `--db PATH` (or `--db=PATH`) argument, when given.
pub fn db_arg(args: impl IntoIterator<Item = std::ffi::OsString>) -> Option<PathBuf> {
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        if a == "--db" {
            return args.next().map(PathBuf::from);
        }
        if let Some(p) = a.to_str().and_then(|s| s.strip_prefix("--db=")) {
            return Some(PathBuf::from(p));
        }
    }
    None
}

/// The invoke handler of every command in `commands/list.rs`.
macro_rules! handler {
    ($($module:ident { $($name:ident ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty;)* })*) => {
        tauri::generate_handler![$($(commands::$module::$name,)*)*]
    };
}

/// The app's state and commands on a builder: used by [`run`] and by the
/// wiring tests (on the mock runtime).
pub fn builder<R: tauri::Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    builder.manage(state).invoke_handler(with_commands!(handler))
}

/// The automatic backup of the first start of each day, on a background
/// thread so the window opens at once (none when the database did not open),
/// then the privacy retention rule (rejected applicants erased after the
/// months the settings say; nothing when it is off, the default).
/// A failure is reported on stderr; the Data screen lists what exists.
pub fn start_daily_backup(state: &AppState) -> Option<std::thread::JoinHandle<()>> {
    let store = state.store().ok()?;
    Some(std::thread::spawn(move || {
        if let Err(e) = partnerdesk_core::backup::ensure_daily(&store, &mut |_| true) {
            eprintln!("warning: the daily backup was not taken: {e}");
        }
        let retention = store.write(|tx| partnerdesk_core::workflow::privacy::apply_retention(tx, tx.now()));
        if let Err(e) = retention {
            eprintln!("warning: the retention rule was not applied: {e}");
        }
    }))
}

/// Build the text-search indexes when they are missing (after a demo or a
/// large import: seconds on millions of leads), on a background thread so
/// that the first search does not wait for it.
pub fn start_search_index(state: &AppState) -> Option<std::thread::JoinHandle<()>> {
    let store = state.store().ok()?;
    Some(std::thread::spawn(move || {
        if let Err(e) = store.ensure_search_index() {
            eprintln!("warning: the search index was not built: {e}");
        }
    }))
}

/// What has come due (retainer accruals and the automation's timed rules,
/// `workflow::rules::run_due`), then the outbox's messages whose attempt is
/// due (`mail::send_due`, with its backoff): at start and then every minute
/// while the app is open, on a background thread. Each month accrues and
/// each rule fires once whoever runs it (the app, `partnerdesk run-due`). A
/// failure is reported on stderr and tried again next minute; a send that
/// fails leaves its error on the messages (the status line shows it).
pub fn start_due_runner(state: &AppState) -> std::thread::JoinHandle<()> {
    let state = state.clone();
    std::thread::spawn(move || loop {
        if let Ok(store) = state.store() {
            if let Err(e) = store.write(partnerdesk_core::workflow::rules::run_due) {
                eprintln!("warning: what has come due was not created: {e}");
            }
            let due = store.read(partnerdesk_core::workflow::automation::outbox::summary);
            if due.is_ok_and(|s| s.queued > 0) {
                if let Err(e) = partnerdesk_core::mail::send_due(&store, false) {
                    eprintln!("warning: the outbox was not sent: {e}");
                }
            }
        }
        std::thread::sleep(std::time::Duration::from_secs(60));
    })
}

/// Start the app on the database of `--db`, `PARTNERDESK_DB` or the default file.
pub fn run() {
    launch::mark_start();
    // Logs (best effort) in the OS log folder; kept until the window closes.
    let _logs = partnerdesk_core::monitor::init_logs("app");
    let state = AppState::open(db_arg(std::env::args_os().skip(1)).as_deref());
    let _daily = start_daily_backup(&state);
    let _search = start_search_index(&state);
    let _due = start_due_runner(&state);
    builder(tauri::Builder::default().plugin(tauri_plugin_dialog::init()), state)
        .run(tauri::generate_context!())
        .expect("error while running the Partnerdesk window");
}
