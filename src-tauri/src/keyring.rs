//! The passphrase of an encrypted database, remembered in the OS keyring when
//! the user asks (the Secret Service on Linux, the Keychain on macOS, the
//! Credential Manager on Windows), under the service "Partnerdesk" and the
//! database's path. Without a keyring service (a bare session, CI), each call
//! says so and the passphrase is asked for at each start.

use std::path::Path;

const SERVICE: &str = "Partnerdesk";

fn entry(db: &Path) -> Result<keyring::Entry, String> {
    keyring::Entry::new(SERVICE, &db.display().to_string()).map_err(describe)
}

/// The error in words that say what it means for the user.
fn describe(e: keyring::Error) -> String {
    match e {
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => format!(
            "no keyring service is running on this computer ({e}); the passphrase will be asked for at each start"
        ),
        other => format!("the keyring refused: {other}"),
    }
}

/// The remembered passphrase of `db`, when there is one and the keyring answers.
pub fn remembered(db: &Path) -> Option<String> {
    entry(db).ok()?.get_password().ok()
}

/// Remember `passphrase` for `db`.
pub fn remember(db: &Path, passphrase: &str) -> Result<(), String> {
    entry(db)?.set_password(passphrase).map_err(describe)
}

/// Forget the passphrase of `db`; false when none was remembered.
pub fn forget(db: &Path) -> Result<bool, String> {
    match entry(db)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(describe(e)),
    }
}
