//! `partnerdesk encrypt | decrypt | change-passphrase`, and the passphrase of
//! an encrypted database for every other command: `$PARTNERDESK_PASSPHRASE`,
//! else typed at the terminal (without echo). Without either, opening an
//! encrypted database fails with exit code 6.

use crate::output::{kv, Out};
use anyhow::Context as _;
use partnerdesk_core::store::cipher::{self, CipherReport, Passphrase};
use partnerdesk_core::store::resolve_db_path;
use partnerdesk_core::Error;
use std::io::IsTerminal;
use std::path::Path;

/// The passphrase for the current one: `$PARTNERDESK_PASSPHRASE`, else typed.
const ENV: &str = "PARTNERDESK_PASSPHRASE";
/// The passphrase for a new one (change-passphrase): `$PARTNERDESK_NEW_PASSPHRASE`, else typed twice.
const ENV_NEW: &str = "PARTNERDESK_NEW_PASSPHRASE";

fn typed(prompt: &str) -> Option<String> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    rpassword::prompt_password(prompt).ok()
}

/// The passphrase to open `path` with: None for a plain file.
pub fn passphrase_for(path: &Path) -> anyhow::Result<Option<Passphrase>> {
    if cipher::is_plain(path) {
        return Ok(None);
    }
    let text = match std::env::var(ENV).ok().filter(|v| !v.is_empty()) {
        Some(t) => t,
        None => match typed(&format!("Passphrase of {}: ", path.display())) {
            Some(t) => t,
            None => return Ok(None),
        },
    };
    Ok(Some(Passphrase::given(text)?))
}

/// A new passphrase: from `env`, else typed twice at the terminal.
fn new_passphrase(env: &str) -> anyhow::Result<Passphrase> {
    if let Some(t) = std::env::var(env).ok().filter(|v| !v.is_empty()) {
        return Ok(Passphrase::new(t)?);
    }
    let Some(first) = typed("New passphrase (at least 8 characters): ") else {
        return Err(Error::validation(
            "passphrase",
            format!("no passphrase: type it at a terminal, or set ${env}"),
        )
        .into());
    };
    let pass = Passphrase::new(first.clone())?;
    if typed("The same again: ").as_deref() != Some(first.as_str()) {
        return Err(Error::validation("passphrase", "the two passphrases differ; nothing was changed").into());
    }
    Ok(pass)
}

/// The current passphrase of `path` (required).
fn current(path: &Path, given: Option<Passphrase>) -> anyhow::Result<Passphrase> {
    given.ok_or_else(|| {
        Error::Locked {
            reason: format!(
                "{} is encrypted: type its passphrase at a terminal, or set ${ENV}",
                path.display()
            ),
        }
        .into()
    })
}

fn print(out: Out, r: &CipherReport) -> anyhow::Result<u8> {
    out.emit(r, || {
        let mut text = kv(&[
            ("Database", r.path.clone()),
            ("Encrypted", if r.encrypted { "yes" } else { "no" }.to_owned()),
            ("Backups rewritten", r.backups.to_string()),
        ]);
        if r.encrypted {
            text.push_str(
                "Keep the passphrase safe: without it the database and its backups cannot be read. \
                 Exports stay plain files.\n",
            );
        }
        text
    })?;
    Ok(0)
}

/// The database, opened once (checked, migrated) and closed again, and its
/// passphrase when it is encrypted.
fn checked(db: Option<&Path>) -> anyhow::Result<(std::path::PathBuf, Option<Passphrase>)> {
    let path = resolve_db_path(db).context("finding the database")?;
    super::exists(&path)?;
    let pass = passphrase_for(&path)?;
    drop(super::open_existing_with(&path, pass.clone())?);
    Ok((path, pass))
}

pub fn encrypt(db: Option<&Path>, out: Out) -> anyhow::Result<u8> {
    let (path, _) = checked(db)?;
    if !cipher::is_plain(&path) {
        return Err(Error::Conflict(format!("{} is encrypted already", path.display())).into());
    }
    let pass = new_passphrase(ENV)?;
    let r = cipher::encrypt(&path, &pass).with_context(|| format!("encrypting {}", path.display()))?;
    print(out, &r)
}

pub fn decrypt(db: Option<&Path>, out: Out) -> anyhow::Result<u8> {
    let (path, given) = checked(db)?;
    let pass = current(&path, given)?;
    let r = cipher::decrypt(&path, &pass).with_context(|| format!("decrypting {}", path.display()))?;
    print(out, &r)
}

pub fn change_passphrase(db: Option<&Path>, out: Out) -> anyhow::Result<u8> {
    let (path, given) = checked(db)?;
    let old = current(&path, given)?;
    let new = new_passphrase(ENV_NEW)?;
    let r = cipher::change_passphrase(&path, &old, &new).with_context(|| format!("re-keying {}", path.display()))?;
    print(out, &r)
}
