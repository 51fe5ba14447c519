//! Encryption at rest: SQLCipher keys, and turning a plain database file
//! into an encrypted one and back.
//!
//! - The build is SQLCipher (SQLite with page encryption): a file opened
//!   without a key is plain SQLite, so one build serves both kinds.
//! - An encrypted file is SQLCipher 4's default format: its first 16 bytes
//!   are a random salt, every page is AES-256 encrypted and authenticated
//!   (HMAC-SHA512). The key is PBKDF2-HMAC-SHA512 of the passphrase and the
//!   salt (256,000 rounds), as SQLCipher derives it; this module derives it
//!   once per unlock and gives every connection the raw key with the salt
//!   (`PRAGMA key = "x'KEY SALT'"`), so opening a connection costs no key
//!   derivation, and a copy made with that key (a backup) has the same salt
//!   and opens with the same passphrase.
//! - The keys unlocked in this process are kept by salt ([`unlock`],
//!   [`lock_all`]): every place that opens a database file (the store, the
//!   backup copies, checks and restores) calls [`key_connection`], which
//!   keys the connection when the file is encrypted with a known key.
//! - An encrypted file has no SQLite header, like a damaged one: the two
//!   cannot be told apart without the passphrase. A file without the header
//!   is taken for an encrypted one when it could be one (whole 4 KiB pages)
//!   and no key of this process opens it: the error says the passphrase is
//!   missing or wrong ([`Error::Locked`]), or that the file may be damaged.
//! - [`encrypt`], [`decrypt`] and [`change_passphrase`] copy the database
//!   into a new file (`sqlcipher_export`), check the copy, and swap it in by
//!   a rename: killed at any moment, the database is the old file or the
//!   checked new one. The old file stays (as a hard link) only until the
//!   swap is checked, then it is deleted.

use crate::error::{Error, Result};
use rusqlite::Connection;
use sha2::Sha512;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// SQLCipher 4's key derivation rounds (its default, `kdf_iter`).
const KDF_ROUNDS: u32 = 256_000;
/// SQLCipher 4's page size: an encrypted file is whole pages of this size.
const CIPHER_PAGE: u64 = 4096;

/// A passphrase as typed (never printed: `Debug` hides it).
#[derive(Clone, PartialEq, Eq)]
pub struct Passphrase(String);

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(..)")
    }
}

impl Passphrase {
    /// A passphrase to encrypt with: at least 8 characters.
    pub fn new(text: impl Into<String>) -> Result<Passphrase> {
        let text = text.into();
        if text.chars().count() < 8 {
            return Err(Error::validation("passphrase", "use at least 8 characters"));
        }
        Ok(Passphrase(text))
    }

    /// A passphrase to unlock with (any text but an empty one).
    pub fn given(text: impl Into<String>) -> Result<Passphrase> {
        let text = text.into();
        if text.is_empty() {
            return Err(Error::Locked {
                reason: "the passphrase is empty".into(),
            });
        }
        Ok(Passphrase(text))
    }
}

/// The raw key of one encrypted file and its salt, and a digest of the
/// passphrase it came from (an unlock with the same passphrase and salt in
/// this process skips the slow derivation).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct RawKey {
    key: [u8; 32],
    salt: [u8; 16],
    made_from: [u8; 32],
}

/// SHA-256 of the salt and the passphrase.
fn digest(pass: &Passphrase, salt: &[u8; 16]) -> [u8; 32] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(salt);
    h.update(pass.0.as_bytes());
    h.finalize().into()
}

impl RawKey {
    fn derive(pass: &Passphrase, salt: [u8; 16]) -> RawKey {
        let mut key = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha512>(pass.0.as_bytes(), &salt, KDF_ROUNDS, &mut key);
        RawKey {
            key,
            salt,
            made_from: digest(pass, &salt),
        }
    }

    fn fresh(pass: &Passphrase) -> Result<RawKey> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| Error::io("making a salt", std::io::Error::other(e.to_string())))?;
        Ok(RawKey::derive(pass, salt))
    }

    /// The value of `PRAGMA key` / `ATTACH .. KEY`: `x'KEY SALT'` in hex.
    fn literal(&self) -> String {
        let mut s = String::with_capacity(100);
        s.push_str("x'");
        for b in self.key.iter().chain(self.salt.iter()) {
            s.push_str(&format!("{b:02x}"));
        }
        s.push('\'');
        s
    }
}

/// The keys unlocked in this process.
static KEYS: Mutex<Vec<RawKey>> = Mutex::new(Vec::new());

fn keys() -> std::sync::MutexGuard<'static, Vec<RawKey>> {
    KEYS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The first 16 bytes of a file (None when shorter or unreadable).
fn head(path: &Path) -> Option<[u8; 16]> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).ok()?;
    let mut b = [0u8; 16];
    f.read_exact(&mut b).ok()?;
    Some(b)
}

/// Whether the file starts with SQLite's header (a plain database).
pub fn is_plain(path: &Path) -> bool {
    head(path).is_none_or(|h| &h == b"SQLite format 3\0")
}

/// Whether the file could be an encrypted database: no SQLite header, whole
/// SQLCipher pages, and a first page that looks like ciphertext (nearly
/// every byte value occurs in it; text or a run of one byte does not).
pub fn could_be_encrypted(path: &Path) -> bool {
    use std::io::Read;
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if is_plain(path) || len < CIPHER_PAGE || !len.is_multiple_of(CIPHER_PAGE) {
        return false;
    }
    let mut page = vec![0u8; CIPHER_PAGE as usize];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut page));
    if read.is_err() {
        return false;
    }
    let mut seen = [false; 256];
    for b in &page {
        seen[*b as usize] = true;
    }
    seen.iter().filter(|s| **s).count() >= 240
}

/// Whether a key of this process opens the file.
pub fn is_unlocked(path: &Path) -> bool {
    head(path).is_some_and(|salt| keys().iter().any(|k| k.salt == salt))
}

/// Key `conn` (just opened on `path`) when the file is encrypted and a key
/// of this process has its salt; a plain file is left as it is.
pub(crate) fn key_connection(conn: &Connection, path: &Path) -> rusqlite::Result<()> {
    let Some(salt) = head(path).filter(|h| h != b"SQLite format 3\0") else {
        return Ok(());
    };
    let key = keys().iter().find(|k| k.salt == salt).cloned();
    if let Some(k) = key {
        apply(conn, &k)?;
    }
    Ok(())
}

/// Key `dst`, a new file that is to be a copy of `src` (a backup): with
/// `src`'s key when `src` is encrypted.
pub(crate) fn key_copy(dst: &Connection, src: &Path) -> rusqlite::Result<()> {
    let Some(salt) = head(src).filter(|h| h != b"SQLite format 3\0") else {
        return Ok(());
    };
    let key = keys().iter().find(|k| k.salt == salt).cloned();
    match key {
        Some(k) => apply(dst, &k),
        None => Ok(()),
    }
}

fn apply(conn: &Connection, key: &RawKey) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "PRAGMA cipher_log_level = NONE; PRAGMA key = \"{}\";",
        key.literal()
    ))
}

/// Unlock the encrypted file at `path` with `pass`: derive its key, check it
/// reads the file, and keep it for every connection of this process.
pub fn unlock(path: &Path, pass: &Passphrase) -> Result<()> {
    let shown = path.display().to_string();
    let Some(salt) = head(path).filter(|h| h != b"SQLite format 3\0") else {
        return Ok(());
    };
    let made_from = digest(pass, &salt);
    if keys().iter().any(|k| k.salt == salt && k.made_from == made_from) {
        return Ok(());
    }
    let key = RawKey::derive(pass, salt);
    check_key(path, &key).map_err(|_| Error::Locked {
        reason: format!("the passphrase of {shown} is wrong (or the file is damaged)"),
    })?;
    keys().push(key);
    Ok(())
}

/// Forget every key of this process (the app's lock).
pub fn lock_all() {
    keys().clear();
}

/// Forget the key of the file at `path` (other files' keys stay).
pub fn forget(path: &Path) {
    if let Some(salt) = head(path) {
        keys().retain(|k| k.salt != salt);
    }
}

/// Whether `key` reads the file's schema.
fn check_key(path: &Path, key: &RawKey) -> rusqlite::Result<()> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    apply(&conn, key)?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
    Ok(())
}

/// The error for an encrypted-looking file that no key of this process opens.
pub(crate) fn locked_error(path: &Path) -> Error {
    Error::Locked {
        reason: format!(
            "{} is encrypted and its passphrase is missing (type it, or set PARTNERDESK_PASSPHRASE), \
             or the file is damaged",
            path.display()
        ),
    }
}

/// Whether the open database is encrypted, and when the app locks it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SecurityState {
    pub encrypted: bool,
    /// Minutes without input before the app locks (0: never).
    pub lock_minutes: i64,
}

/// What [`encrypt`], [`decrypt`] and [`change_passphrase`] did.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CipherReport {
    pub path: String,
    /// The file is encrypted now.
    pub encrypted: bool,
    pub bytes: u64,
    /// Backups rewritten the same way.
    pub backups: u32,
}

/// Turn the plain database at `path` into an encrypted one, and its plain
/// backups with it (same key and salt: they restore with the same
/// passphrase). No store may be open on it.
pub fn encrypt(path: &Path, pass: &Passphrase) -> Result<CipherReport> {
    if !is_plain(path) {
        return Err(Error::Conflict(format!("{} is encrypted already", path.display())));
    }
    let key = RawKey::fresh(pass)?;
    keys().push(key.clone());
    let attach = format!("KEY \"{}\"", key.literal());
    rewrite(path, &attach, None)?;
    let backups = with_backups(path, is_plain, |f| rewrite(f, &attach, None))?;
    report(path, true, backups)
}

/// Turn the encrypted database at `path` (unlocked with `pass`) into a plain
/// one, and its backups encrypted with the same key.
pub fn decrypt(path: &Path, pass: &Passphrase) -> Result<CipherReport> {
    if is_plain(path) {
        return Err(Error::Conflict(format!("{} is not encrypted", path.display())));
    }
    unlock(path, pass)?;
    let old = key_of(path);
    let salt = head(path);
    rewrite(path, "KEY ''", old.clone())?;
    let backups = with_backups(path, |f| head(f) == salt, |f| rewrite(f, "KEY ''", old.clone()))?;
    report(path, false, backups)
}

/// Encrypt the database at `path` with `new` instead of `old` (its backups
/// encrypted with the old key too).
pub fn change_passphrase(path: &Path, old: &Passphrase, new: &Passphrase) -> Result<CipherReport> {
    if is_plain(path) {
        return Err(Error::Conflict(format!(
            "{} is not encrypted: encrypt it first",
            path.display()
        )));
    }
    unlock(path, old)?;
    let before = key_of(path);
    let salt = head(path);
    let key = RawKey::fresh(new)?;
    keys().push(key.clone());
    let attach = format!("KEY \"{}\"", key.literal());
    rewrite(path, &attach, before.clone())?;
    let backups = with_backups(path, |f| head(f) == salt, |f| rewrite(f, &attach, before.clone()))?;
    report(path, true, backups)
}

/// Rewrite each backup of the database at `path` that `pick` chooses; the count.
fn with_backups(path: &Path, pick: impl Fn(&Path) -> bool, mut f: impl FnMut(&Path) -> Result<()>) -> Result<u32> {
    let set = crate::backup::BackupSet::of(path);
    let mut n = 0;
    for b in crate::backup::list(&set)? {
        let file = std::path::PathBuf::from(&b.path);
        if pick(&file) {
            f(&file)?;
            n += 1;
        }
    }
    Ok(n)
}

fn key_of(path: &Path) -> Option<RawKey> {
    let salt = head(path)?;
    keys().iter().find(|k| k.salt == salt).cloned()
}

fn report(path: &Path, encrypted: bool, backups: u32) -> Result<CipherReport> {
    Ok(CipherReport {
        path: path.display().to_string(),
        encrypted,
        bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        backups,
    })
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Leftovers of a rewrite cut short: a new copy never swapped in, and the
/// old file kept while a swap was checked (it may hold the plain data).
pub fn remove_leftovers(path: &Path) {
    for suffix in [".cipher-new", ".cipher-old"] {
        let p = sidecar(path, suffix);
        if p.exists() {
            let _ = std::fs::remove_file(&p);
            let _ = std::fs::remove_file(sidecar(&p, "-journal"));
        }
    }
}

/// Copy the database at `path` (keyed with `src_key` when encrypted) into
/// `path.cipher-new` attached with `attach_key`, check the copy, and swap it
/// in; the new key is among the process's keys already.
fn rewrite(path: &Path, attach_key: &str, src_key: Option<RawKey>) -> Result<()> {
    let shown = path.display().to_string();
    let io = |what: &str| {
        let what = format!("{what} {shown}");
        move |e: std::io::Error| Error::io(what, e)
    };
    remove_leftovers(path);
    let new = sidecar(path, ".cipher-new");
    let old = sidecar(path, ".cipher-old");
    {
        let conn = Connection::open(path)?;
        if let Some(k) = &src_key {
            apply(&conn, k)?;
        }
        // The whole database in the main file, no WAL beside it.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get::<_, String>(0))?;
        let before = counts(&conn)?;
        let target = new.display().to_string().replace('\'', "''");
        conn.execute_batch(&format!(
            "ATTACH DATABASE '{target}' AS rewritten {attach_key};
             SELECT sqlcipher_export('rewritten');
             DETACH DATABASE rewritten;"
        ))?;
        // The copy, opened as the store will open it, holds every row.
        let check = Connection::open(&new)?;
        if attach_key != "KEY ''" {
            check.execute_batch(&format!(
                "PRAGMA cipher_log_level = NONE; PRAGMA key = {};",
                attach_key.trim_start_matches("KEY ")
            ))?;
        }
        let problems: String = check.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if problems != "ok" || counts(&check)? != before {
            drop(check);
            let _ = std::fs::remove_file(&new);
            return Err(Error::Corrupt {
                path: shown,
                reason: format!("the rewritten copy does not match the database ({problems}); nothing was changed"),
            });
        }
    }
    // The new file gets the old one's permissions (a database is private).
    let perms = std::fs::metadata(path).map_err(io("reading"))?.permissions();
    std::fs::set_permissions(&new, perms).map_err(io("writing"))?;
    sync(&new).map_err(io("writing"))?;
    // The old file stays reachable until the swap is checked.
    std::fs::hard_link(path, &old).map_err(io("keeping the old file of"))?;
    std::fs::rename(&new, path).map_err(io("replacing"))?;
    if let Some(dir) = path.parent() {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(sidecar(path, suffix));
    }
    let swapped = Connection::open(path)?;
    key_connection(&swapped, path)?;
    swapped.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
    drop(swapped);
    std::fs::remove_file(&old).map_err(io("removing the old file of"))?;
    Ok(())
}

/// Rows per table (the copy check).
fn counts(conn: &Connection) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    let names: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let c: i64 = conn.query_row(&format!("SELECT count(*) FROM main.\"{n}\""), [], |r| r.get(0))?;
        out.push((n, c));
    }
    Ok(out)
}

fn sync(path: &Path) -> std::io::Result<()> {
    std::fs::File::open(path)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_derived_key_is_sqlciphers_own() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(
                "PRAGMA cipher_log_level = NONE; PRAGMA key = 'correct horse'; CREATE TABLE t (x); INSERT INTO t VALUES ('secret@example.com');",
            )
            .unwrap();
        }
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes.windows(18).any(|w| w == b"secret@example.com"));
        let salt = head(&path).unwrap();
        // SQLCipher derived its key from the passphrase; ours opens the file.
        check_key(
            &path,
            &RawKey::derive(&Passphrase::given("correct horse").unwrap(), salt),
        )
        .unwrap();
        assert!(check_key(&path, &RawKey::derive(&Passphrase::given("wrong horse").unwrap(), salt)).is_err());
    }
}
