//! The SMTP password, kept out of the database file (and so out of its
//! exports, backups and sync): in the OS keyring (the Secret Service on
//! Linux, the Keychain on macOS, the Credential Manager on Windows) under
//! the service "Partnerdesk SMTP" and `user@host`; where no keyring answers
//! (a bare session, CI), in `smtp-passwords.json` in Partnerdesk's config
//! folder, readable by this user only (0600, folder 0700).
//! `PARTNERDESK_SECRET_STORE=file` uses the file even with a keyring, and
//! `PARTNERDESK_CONFIG_DIR` names another config folder (tests).

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

const SERVICE: &str = "Partnerdesk SMTP";
const FILE: &str = "smtp-passwords.json";

/// Where a password went.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SecretPlace {
    Keyring,
    File,
}

/// The config folder of Partnerdesk.
pub fn config_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("PARTNERDESK_CONFIG_DIR").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    directories::ProjectDirs::from("app", "Partnerdesk", "Partnerdesk")
        .map(|d| d.config_dir().to_path_buf())
        .ok_or_else(|| {
            Error::io(
                "finding the config folder",
                std::io::Error::new(std::io::ErrorKind::NotFound, "no home folder for this user"),
            )
        })
}

fn file_only() -> bool {
    std::env::var("PARTNERDESK_SECRET_STORE").is_ok_and(|v| v == "file")
}

fn account(user: &str, host: &str) -> String {
    format!("{}@{}", user.trim(), host.trim().to_ascii_lowercase())
}

fn entry(user: &str, host: &str) -> Option<keyring::Entry> {
    if file_only() {
        return None;
    }
    keyring::Entry::new(SERVICE, &account(user, host)).ok()
}

fn read_file() -> Result<BTreeMap<String, String>> {
    let path = config_dir()?.join(FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| Error::validation("smtp.password", format!("{} is not readable: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
    }
}

fn write_file(map: &BTreeMap<String, String>) -> Result<()> {
    use std::io::Write;
    let dir = config_dir()?;
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let path = dir.join(FILE);
    let tmp = dir.join(format!(".{FILE}.tmp"));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    }
    let text = serde_json::to_vec_pretty(map).map_err(|e| Error::validation("smtp.password", e.to_string()))?;
    let shown = path.display().to_string();
    let mut f = opts.open(&tmp).map_err(|e| Error::io(format!("writing {shown}"), e))?;
    f.write_all(&text)
        .and_then(|_| f.sync_all())
        .map_err(|e| Error::io(format!("writing {shown}"), e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(format!("writing {shown}"), e))
}

/// Keep the password of `user` at `host`: in the keyring when one answers,
/// else in the private file.
pub fn set(user: &str, host: &str, password: &str) -> Result<SecretPlace> {
    if password.is_empty() {
        return Err(Error::validation("password", "is empty"));
    }
    if let Some(e) = entry(user, host) {
        if e.set_password(password).is_ok() && e.get_password().is_ok_and(|p| p == password) {
            // One place only: drop a copy a file may hold from before.
            let mut map = read_file()?;
            if map.remove(&account(user, host)).is_some() {
                write_file(&map)?;
            }
            return Ok(SecretPlace::Keyring);
        }
    }
    let mut map = read_file()?;
    map.insert(account(user, host), password.to_owned());
    write_file(&map)?;
    Ok(SecretPlace::File)
}

/// The password of `user` at `host`, when one is kept.
pub fn get(user: &str, host: &str) -> Result<Option<String>> {
    if let Some(e) = entry(user, host) {
        if let Ok(p) = e.get_password() {
            return Ok(Some(p));
        }
    }
    Ok(read_file()?.get(&account(user, host)).cloned())
}

/// Forget it (both places); false when none was kept.
pub fn forget(user: &str, host: &str) -> Result<bool> {
    let mut found = false;
    if let Some(e) = entry(user, host) {
        found = e.delete_credential().is_ok();
    }
    let mut map = read_file()?;
    if map.remove(&account(user, host)).is_some() {
        write_file(&map)?;
        found = true;
    }
    Ok(found)
}
