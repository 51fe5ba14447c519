//! Encryption at rest: a demo database encrypted, its personal data gone from
//! the file and its backups, a wrong or missing passphrase refused with
//! nothing changed, backups of the encrypted file encrypted and restorable,
//! a new passphrase, and back to plain.

use partnerdesk_core::backup::{self, BackupKind};
use partnerdesk_core::clock::SystemClock;
use partnerdesk_core::demo::{self, DemoOptions};
use partnerdesk_core::open::OpenOptions;
use partnerdesk_core::store::cipher::{self, Passphrase};
use partnerdesk_core::store::Store;
use std::path::Path;
use std::sync::Arc;

fn open(path: &Path, pass: Option<&str>) -> partnerdesk_core::Result<Store> {
    Store::open_with(
        path,
        Arc::new(SystemClock),
        OpenOptions {
            passphrase: pass.map(|p| Passphrase::given(p).unwrap()),
            ..Default::default()
        },
    )
}

fn has(file: &Path, needle: &str) -> bool {
    std::fs::read(file)
        .unwrap()
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn counts(s: &Store) -> partnerdesk_core::queries::Counts {
    s.read(partnerdesk_core::queries::counts).unwrap()
}

#[test]
fn encrypt_open_back_up_rekey_and_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let (emails, before, plain_backup) = {
        let s = open(&path, None).unwrap();
        demo::generate(
            &s,
            &DemoOptions {
                partners: 15,
                leads: 150,
                seed: 4,
            },
            &mut |_| true,
        )
        .unwrap();
        let emails: Vec<String> = s
            .read(|c| {
                let mut st = c.prepare("SELECT email FROM partners ORDER BY id LIMIT 5")?;
                let v = st
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()?;
                Ok(v)
            })
            .unwrap();
        let b = backup::create(&s, BackupKind::Manual, &mut |_| true).unwrap();
        (emails, counts(&s), b.path)
    };
    assert!(has(Path::new(&plain_backup), &emails[0]));

    // A passphrase to encrypt with has at least 8 characters.
    assert_eq!(Passphrase::new("short").unwrap_err().field(), Some("passphrase"));
    let pass = Passphrase::new("a long passphrase").unwrap();
    let r = cipher::encrypt(&path, &pass).unwrap();
    assert!(r.encrypted && r.backups == 1, "{r:?}");
    for e in &emails {
        assert!(!has(&path, e));
        assert!(!has(Path::new(&plain_backup), e));
    }

    // This process forgets the key: no passphrase, a wrong one: refused, unchanged.
    cipher::forget(&path);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(open(&path, None).err().unwrap().kind(), "locked");
    assert_eq!(open(&path, Some("a wrong passphrase")).err().unwrap().kind(), "locked");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);

    // The right one: the same rows; a backup is encrypted, verifies and restores.
    let s = open(&path, Some("a long passphrase")).unwrap();
    assert_eq!(counts(&s), before);
    let b = backup::create(&s, BackupKind::Manual, &mut |_| true).unwrap();
    assert!(!has(Path::new(&b.path), &emails[0]));
    assert!(backup::verify(Path::new(&b.path)).unwrap().ok);
    let restored = backup::restore(s, Path::new(&b.path), &mut |_| true).unwrap();
    assert_eq!(restored.database, path.display().to_string());
    let s = open(&path, None).unwrap();
    assert_eq!(counts(&s), before);
    drop(s);

    // A new passphrase: the old one no longer opens the file or its backups.
    let r = cipher::change_passphrase(&path, &pass, &Passphrase::new("another passphrase").unwrap()).unwrap();
    assert!(r.encrypted && r.backups >= 2, "{r:?}");
    cipher::forget(&path);
    assert_eq!(open(&path, Some("a long passphrase")).err().unwrap().kind(), "locked");
    let s = open(&path, Some("another passphrase")).unwrap();
    assert_eq!(counts(&s), before);
    for b in backup::list(&backup::BackupSet::of(&path)).unwrap() {
        assert!(backup::verify(Path::new(&b.path)).unwrap().ok, "{}", b.path);
    }
    drop(s);

    // Back to plain, backups too.
    let r = cipher::decrypt(&path, &Passphrase::given("another passphrase").unwrap()).unwrap();
    assert!(!r.encrypted);
    assert!(cipher::is_plain(&path));
    cipher::forget(&path);
    let s = open(&path, None).unwrap();
    assert_eq!(counts(&s), before);
    assert!(has(&path, &emails[0]));
}
