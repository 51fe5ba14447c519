//! `partnerdesk encrypt | decrypt | change-passphrase` and the passphrase of
//! an encrypted database: no plain personal data in the file or its backups,
//! a missing or wrong passphrase is exit code 6 and changes nothing, backups
//! stay encrypted and restorable, and an encryption killed at any moment
//! leaves a database that opens.

use crate::common::{stderr, stdout, Db};
use serde_json::Value;
use std::path::Path;
use std::process::{Output, Stdio};

fn with(db: &Db, pass: Option<&str>, args: &[&str]) -> Output {
    let mut c = db.cmd(args);
    c.env_remove("PARTNERDESK_PASSPHRASE")
        .env_remove("PARTNERDESK_NEW_PASSPHRASE");
    if let Some(p) = pass {
        c.env("PARTNERDESK_PASSPHRASE", p);
    }
    c.write_stdin("").output().unwrap()
}

fn ok_json(db: &Db, pass: Option<&str>, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    let o = with(db, pass, &a);
    assert!(o.status.success(), "{args:?}: {}{}", stdout(&o), stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn contains(file: &Path, needle: &str) -> bool {
    let bytes = std::fs::read(file).unwrap();
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn backups(db: &Db) -> Vec<std::path::PathBuf> {
    let dir = db.path.parent().unwrap().join("backups");
    std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "db"))
                .collect()
        })
        .unwrap_or_default()
}

fn locked(o: &Output) {
    assert_eq!(o.status.code(), Some(6), "{}{}", stdout(o), stderr(o));
    assert!(stderr(o).contains("passphrase is missing or wrong"), "{}", stderr(o));
}

#[test]
fn an_encrypted_database_keeps_no_plain_data_and_asks_for_its_passphrase() {
    let db = Db::new();
    db.ok(&["demo", "--partners", "20", "--leads", "200"]);
    db.ok(&["backup", "create"]);
    let partners = db.json(&["partner", "list", "--limit", "20"]);
    let emails: Vec<String> = partners["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["email"].as_str().unwrap().to_owned())
        .collect();
    assert!(emails.len() >= 10);
    assert!(contains(&db.path, &emails[0]) || backups(&db).iter().any(|b| contains(b, &emails[0])));
    let counts = db.counts();

    // Too short: refused, nothing changed.
    let o = with(&db, Some("short"), &["encrypt", "--json"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let r = ok_json(&db, Some("correct horse battery"), &["encrypt"]);
    assert_eq!(r["encrypted"], true);
    assert!(r["backups"].as_u64().unwrap() >= 1, "{r}");
    for e in &emails {
        assert!(!contains(&db.path, e), "{e} is readable in the encrypted file");
        for b in backups(&db) {
            assert!(!contains(&b, e), "{e} is readable in {}", b.display());
        }
    }
    assert!(!std::fs::read(&db.path).unwrap().starts_with(b"SQLite format 3"));

    // Without the passphrase, or with a wrong one: exit 6, the file unchanged.
    let bytes = std::fs::read(&db.path).unwrap();
    let o = with(&db, None, &["partner", "list", "--json"]);
    locked(&o);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["error"]["kind"], "locked");
    locked(&with(&db, Some("wrong horse battery"), &["partner", "list"]));
    assert_eq!(std::fs::read(&db.path).unwrap(), bytes);

    // With it: everything as before; backups are encrypted, verified, restorable.
    let pass = Some("correct horse battery");
    let same = ok_json(&db, pass, &["doctor"]);
    assert_eq!(same["ok"], true);
    assert_eq!(same["counts"], counts);
    let b = ok_json(&db, pass, &["backup", "create"]);
    let file = b["path"].as_str().unwrap().to_owned();
    assert!(!contains(Path::new(&file), &emails[0]));
    let verified = ok_json(&db, pass, &["backup", "verify", &file]);
    assert_eq!(verified["ok"], true, "{verified}");
    ok_json(&db, pass, &["backup", "restore", &file]);
    assert_eq!(ok_json(&db, pass, &["doctor"])["counts"], counts);

    // A new passphrase: the old one no longer opens it.
    let mut c = db.cmd(&["change-passphrase", "--json"]);
    c.env("PARTNERDESK_PASSPHRASE", "correct horse battery")
        .env("PARTNERDESK_NEW_PASSPHRASE", "another long phrase")
        .write_stdin("");
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    locked(&with(&db, Some("correct horse battery"), &["partner", "list"]));
    let pass = Some("another long phrase");
    assert_eq!(ok_json(&db, pass, &["doctor"])["counts"], counts);
    for b in backups(&db) {
        let v = ok_json(&db, pass, &["backup", "verify", b.to_str().unwrap()]);
        assert_eq!(v["ok"], true, "{} {v}", b.display());
    }

    // Decrypted: a plain file again, no passphrase needed.
    let r = ok_json(&db, pass, &["decrypt"]);
    assert_eq!(r["encrypted"], false);
    assert!(std::fs::read(&db.path).unwrap().starts_with(b"SQLite format 3"));
    assert_eq!(ok_json(&db, None, &["doctor"])["counts"], counts);
}

#[test]
fn an_encryption_killed_at_any_moment_leaves_a_database_that_opens() {
    let db = Db::new();
    db.ok(&["demo", "--partners", "150", "--leads", "3000"]);
    let counts = db.counts();
    let pass = "kill me softly please";
    let new = {
        let mut s = db.path.as_os_str().to_owned();
        s.push(".cipher-new");
        std::path::PathBuf::from(s)
    };
    let mut encrypted = false;
    for round in 0..6u64 {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_partnerdesk"))
            .arg("--db")
            .arg(&db.path)
            .arg(if encrypted { "decrypt" } else { "encrypt" })
            .env("PARTNERDESK_PASSPHRASE", pass)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill when the new copy has grown past a size that differs per round.
        let limit = round * 80_000;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            let grown = std::fs::metadata(&new).map(|m| m.len()).unwrap_or(0);
            if (grown > limit && new.exists()) || std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            std::thread::yield_now();
        }
        // Whatever the moment: the database opens, plain or with the passphrase, whole.
        encrypted = !std::fs::read(&db.path).unwrap().starts_with(b"SQLite format 3");
        let v = ok_json(&db, encrypted.then_some(pass), &["doctor"]);
        assert_eq!(v["counts"], counts, "round {round}");
    }
    // The next open removed what a cut-short rewrite left.
    let dir = db.path.parent().unwrap();
    let left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".cipher-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
