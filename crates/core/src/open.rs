//! Opening a database: [`Store::open`] and [`Store::open_with`].
//!
//! Opening is one layer above the store, because it uses the backups: an
//! existing file passes [`backup::preflight`] (header, size, schema, write
//! checks) before anything can write to it; a file of an older schema is
//! copied by [`backup::before_migration`] (a verified copy first; no copy, no
//! migration), and only then migrated. The store itself (connections,
//! transactions, the schema this build knows) knows nothing of backups.

use crate::backup;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::store::{self, cipher, Store};
use std::path::Path;
use std::sync::Arc;

/// Options for opening a store.
pub struct OpenOptions {
    /// Make the folder (0700) when it is missing.
    pub create_dir: bool,
    /// The passphrase of an encrypted database (a plain one ignores it).
    pub passphrase: Option<cipher::Passphrase>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            create_dir: true,
            passphrase: None,
        }
    }
}

impl Store {
    /// Open (and create or migrate) the database at `path`.
    pub fn open(path: impl AsRef<Path>, clock: Arc<dyn Clock>) -> Result<Store> {
        Self::open_with(path, clock, OpenOptions::default())
    }

    pub fn open_with(path: impl AsRef<Path>, clock: Arc<dyn Clock>, opts: OpenOptions) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        let shown = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                if !opts.create_dir {
                    return Err(Error::io(
                        format!("opening {shown}"),
                        std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            format!("the folder {} does not exist", dir.display()),
                        ),
                    ));
                }
                store::make_private_dir(dir)?;
            }
        }
        let existed = path.exists();
        // What an encryption cut short left beside the file.
        cipher::remove_leftovers(&path);
        if existed && !cipher::is_plain(&path) {
            if let Some(p) = &opts.passphrase {
                cipher::unlock(&path, p)?;
            }
        }
        if existed {
            store::check_header(&path)?;
            // Header, size, schema and write checks before anything can write.
            backup::preflight(&path)?;
        }
        let mut conn = store::open_conn(&path, false)?;
        if !existed {
            store::make_private_file(&path)?;
        }
        // Refuse a schema newer than this build before touching anything.
        let found = store::applied_version(&conn).map_err(|e| Error::Corrupt {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let known = store::latest_schema_version();
        if found > known {
            return Err(Error::NewerSchema {
                path: shown,
                found,
                known,
            });
        }
        if found > 0 && found < known {
            // A verified copy of the old file first; no copy, no migration.
            backup::before_migration(&conn, &path, clock.now())?;
        }
        if found < known {
            store::migrate(&mut conn)?;
        }
        Ok(Store::from_connection(path, conn, clock))
    }
}
