//! The one piece of state: the open store (or why it could not be opened,
//! which every command then answers, so the window can say it), the database
//! path (so a restore can reopen it), and the cancel flags of running long
//! operations.

use partnerdesk_core::clock::SystemClock;
use partnerdesk_core::store::{cipher, resolve_db_path, Conn, Store};
use partnerdesk_core::{Error, ErrorInfo, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// Cheap to clone: long operations take a clone onto a blocking thread.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    /// The database file, when it could be resolved.
    path: Option<PathBuf>,
    store: RwLock<std::result::Result<Arc<Store>, ErrorInfo>>,
    /// Cancel flag per running long operation, by the id the UI gave it.
    ops: Mutex<HashMap<u32, Arc<AtomicBool>>>,
}

/// What every command answers: its result, or the core's error as `{kind, field, message}`.
pub type CmdResult<T> = std::result::Result<T, ErrorInfo>;

impl AppState {
    /// Open (create or migrate) the database; `explicit` overrides `PARTNERDESK_DB` and the default.
    /// A file that fails its checks is left as it is; the error is kept (see [`AppState::open_error`]).
    pub fn open(explicit: Option<&Path>) -> AppState {
        match resolve_db_path(explicit) {
            Ok(p) => {
                // PARTNERDESK_NOW, when set, is the app's clock; a bad value is the open error.
                let mut store = partnerdesk_core::clock::from_env()
                    .and_then(|clock| Store::open(&p, clock))
                    .map(Arc::new)
                    .map_err(|e| e.info());
                // An encrypted database whose passphrase the keyring remembers opens at once.
                if store.as_ref().is_err_and(|e| e.kind == "locked") {
                    if let Some(pass) = crate::keyring::remembered(&p) {
                        let unlocked = cipher::Passphrase::given(pass).and_then(|pass| cipher::unlock(&p, &pass));
                        if unlocked.is_ok() {
                            store = partnerdesk_core::clock::from_env()
                                .and_then(|clock| Store::open(&p, clock))
                                .map(Arc::new)
                                .map_err(|e| e.info());
                        }
                    }
                }
                Self::new(Some(p), store)
            }
            Err(e) => Self::new(None, Err(e.info())),
        }
    }

    pub fn from_store(store: Store) -> AppState {
        let path = store.path().to_path_buf();
        Self::new(Some(path), Ok(Arc::new(store)))
    }

    fn new(path: Option<PathBuf>, store: std::result::Result<Arc<Store>, ErrorInfo>) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                path,
                store: RwLock::new(store),
                ops: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The open store. While a restore replaces it, commands are answered
    /// at once (a conflict) rather than kept waiting.
    pub fn store(&self) -> CmdResult<Arc<Store>> {
        match self.inner.store.try_read() {
            Ok(s) => s.clone(),
            Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner().clone(),
            Err(std::sync::TryLockError::WouldBlock) => Err(closed()),
        }
    }

    /// The database path (known even when the file could not be opened).
    pub fn db_path(&self) -> CmdResult<PathBuf> {
        match &self.inner.path {
            Some(p) => Ok(p.clone()),
            None => Err(self
                .store()
                .err()
                .unwrap_or_else(|| Error::validation("database", "the database path is not known").info())),
        }
    }

    /// Why the database could not be opened, when it could not.
    pub fn open_error(&self) -> Option<ErrorInfo> {
        self.store().err()
    }

    /// A read on a consistent snapshot.
    #[track_caller]
    pub fn read<T>(&self, f: impl FnOnce(&Conn) -> Result<T>) -> CmdResult<T> {
        let at = Logged::start();
        at.result(self.store()?.read(f))
    }

    /// A read for a list that may search (the search indexes are built first when missing).
    #[track_caller]
    pub fn read_searching<T>(&self, search: Option<&str>, f: impl FnOnce(&Conn) -> Result<T>) -> CmdResult<T> {
        let at = Logged::start();
        at.result(self.store()?.read_searching(search, f))
    }

    /// One user action: one transaction, audited inside.
    #[track_caller]
    pub fn write<T>(&self, f: impl FnOnce(&partnerdesk_core::store::Tx) -> Result<T>) -> CmdResult<T> {
        let at = Logged::start();
        at.result(self.store()?.write(f))
    }

    /// Start a long operation `op`: its cancel flag, cleared when the guard drops.
    pub fn begin_op(&self, op: u32) -> OpGuard {
        let flag = Arc::new(AtomicBool::new(false));
        self.inner
            .ops
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(op, flag.clone());
        OpGuard {
            state: self.clone(),
            op,
            flag,
        }
    }

    /// Ask the long operation `op` to stop; false when it is not running.
    pub fn cancel_op(&self, op: u32) -> bool {
        match self.inner.ops.lock().unwrap_or_else(|e| e.into_inner()).get(&op) {
            Some(f) => {
                f.store(true, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    /// Unlock the encrypted database with `passphrase` and open it; with
    /// `remember`, keep the passphrase in the OS keyring. Answers why the
    /// keyring could not keep it, when it could not (the database is open
    /// all the same).
    pub fn unlock(&self, passphrase: &str, remember: bool) -> CmdResult<Option<String>> {
        let path = self.db_path()?;
        let pass = cipher::Passphrase::given(passphrase).map_err(|e| e.info())?;
        cipher::unlock(&path, &pass).map_err(|e| e.info())?;
        let mut slot = self.inner.store.write().unwrap_or_else(|e| e.into_inner());
        if slot.is_err() {
            *slot = Store::open(
                &path,
                partnerdesk_core::clock::from_env().unwrap_or_else(|_| Arc::new(SystemClock)),
            )
            .map(Arc::new)
            .map_err(|e| e.info());
        }
        slot.as_ref().map(|_| ()).map_err(Clone::clone)?;
        Ok(if remember {
            crate::keyring::remember(&path, passphrase).err()
        } else {
            None
        })
    }

    /// Close an encrypted database and forget its key (the app's lock); the
    /// window then asks for the passphrase. False for a plain database.
    pub fn lock(&self) -> CmdResult<bool> {
        let path = self.db_path()?;
        if cipher::is_plain(&path) {
            return Ok(false);
        }
        let mut slot = self.inner.store.write().unwrap_or_else(|e| e.into_inner());
        let locked = Err(cipher_locked(&path));
        match std::mem::replace(&mut *slot, locked) {
            Ok(arc) => {
                if let Err(arc) = wait_unique(arc) {
                    *slot = Ok(arc);
                    return Err(Error::Conflict(
                        "an operation is still using the database; it locks when that ends".into(),
                    )
                    .info());
                }
            }
            Err(e) if e.kind != "locked" => *slot = Err(e),
            Err(_) => {}
        }
        cipher::lock_all();
        Ok(true)
    }

    /// Close the store, run `f` on the file (the store, when it was open, is
    /// handed over by value), and open the file again. Refused while another
    /// operation still uses the store.
    pub fn replace_store<T>(&self, f: impl FnOnce(Option<Store>, &Path) -> Result<T>) -> CmdResult<T> {
        let path = self.db_path()?;
        let mut slot = self.inner.store.write().unwrap_or_else(|e| e.into_inner());
        let current = match std::mem::replace(&mut *slot, Err(closed())) {
            Ok(arc) => match wait_unique(arc) {
                Ok(store) => Some(store),
                Err(arc) => {
                    *slot = Ok(arc);
                    return Err(Error::Conflict(
                        "another operation is still using the database; wait for it to finish (or cancel it) and try again"
                            .into(),
                    )
                    .info());
                }
            },
            Err(_) => None,
        };
        let result = f(current, &path);
        // Whatever happened, open the file again (the old one when the work failed).
        *slot = Store::open(
            &path,
            partnerdesk_core::clock::from_env().unwrap_or_else(|_| Arc::new(SystemClock)),
        )
        .map(Arc::new)
        .map_err(|e| e.info());
        result.map_err(|e| e.info())
    }
}

fn cipher_locked(path: &Path) -> ErrorInfo {
    Error::Locked {
        reason: format!("{} is locked: type its passphrase to open it again", path.display()),
    }
    .info()
}

/// A command's call into core, logged when it fails (kind and field, never
/// the message) with the command's code location (`monitor`).
pub struct Logged {
    at: &'static std::panic::Location<'static>,
    started: std::time::Instant,
}

impl Logged {
    #[track_caller]
    pub fn start() -> Logged {
        Logged {
            at: std::panic::Location::caller(),
            started: std::time::Instant::now(),
        }
    }

    /// The result as the UI gets it; a failure logged.
    pub fn result<T>(self, r: Result<T>) -> CmdResult<T> {
        r.map_err(|e| {
            let op = format!("{}:{}", self.at.file(), self.at.line());
            partnerdesk_core::monitor::log_outcome(&op, self.started.elapsed(), Some(&e));
            e.info()
        })
    }
}

fn closed() -> ErrorInfo {
    Error::Conflict("the database is being replaced".into()).info()
}

/// The store by value once no command holds it any more (short reads finish
/// quickly; a long operation does not).
fn wait_unique(mut arc: Arc<Store>) -> std::result::Result<Store, Arc<Store>> {
    for _ in 0..50 {
        match Arc::try_unwrap(arc) {
            Ok(s) => return Ok(s),
            Err(a) => arc = a,
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Err(arc)
}

/// A running long operation; dropping it forgets its cancel flag.
pub struct OpGuard {
    state: AppState,
    op: u32,
    flag: Arc<AtomicBool>,
}

impl OpGuard {
    pub fn cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

impl Drop for OpGuard {
    fn drop(&mut self) {
        let mut ops = self.state.inner.ops.lock().unwrap_or_else(|e| e.into_inner());
        if ops.get(&self.op).is_some_and(|f| Arc::ptr_eq(f, &self.flag)) {
            ops.remove(&self.op);
        }
    }
}
