//! Faults from the command line: `partnerdesk demo` and commission writes
//! killed with SIGKILL many times in a row, at moments chosen by watching the
//! database's journal and WAL files grow (no fixed sleeps); damaged, newer,
//! read-only and missing databases at start.

use crate::common::{bin, stderr, stdout, Db};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

pub(crate) fn side(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The binary as a plain process, to be killed while it runs.
pub(crate) fn spawn_bin() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_partnerdesk"));
    c.env_remove("PARTNERDESK_DB");
    c
}

pub(crate) fn len(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// Poll (no fixed sleep) until `cond` holds or the child has exited; then
/// SIGKILL it. True when it was killed while still running.
pub(crate) fn kill_when(child: &mut Child, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if cond() || Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return true;
        }
        std::thread::yield_now();
    }
}

/// doctor: integrity check and every rule; returns the counts.
pub(crate) fn sound(db: &Db) -> Value {
    let o = db.run(&["doctor", "--json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap_or_else(|_| panic!("{}", stderr(&o)));
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(o.status.code(), Some(0));
    v["counts"].clone()
}

#[test]
fn demo_killed_many_times_leaves_all_or_nothing() {
    let db = Db::new();
    sound(&db);
    let (np, nl) = (1_000u64, 20_000u64);
    let (mut partners, mut leads) = (0u64, 0u64);
    // Kill points: when the rollback journal (the demo's bulk transaction)
    // or the database file has grown past these sizes.
    let points: [(&str, u64); 10] = [
        ("-journal", 1),
        ("-journal", 4_096),
        ("", 40_000),
        ("-journal", 64 << 10),
        ("-journal", 256 << 10),
        ("", 2 << 20),
        ("-journal", 1 << 20),
        ("", 4 << 20),
        ("-journal", 2 << 20),
        ("", u64::MAX),
    ];
    let mut killed = 0;
    for (round, (suffix, size)) in points.into_iter().enumerate() {
        let watch = side(&db.path, suffix);
        let base = if suffix.is_empty() { len(&db.path) } else { 0 };
        let mut child = spawn_bin()
            .arg("--db")
            .arg(&db.path)
            .args([
                "demo",
                "--partners",
                &np.to_string(),
                "--leads",
                &nl.to_string(),
                "--seed",
            ])
            .arg(round.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if kill_when(&mut child, || len(&watch) > base.saturating_add(size)) {
            killed += 1;
        }
        let c = sound(&db);
        let (p, l) = (c["partners"].as_u64().unwrap(), c["leads"].as_u64().unwrap());
        assert!(
            (p, l) == (partners, leads) || (p, l) == (partners + np, leads + nl),
            "round {round}: {p} partners, {l} leads after ({partners}, {leads})"
        );
        partners = p;
        leads = l;
    }
    assert!(killed >= 6, "only {killed} rounds were killed mid-way");
    assert!(partners > 0, "the last round runs to its end");
}

#[test]
fn lead_wins_killed_mid_write_are_whole_or_absent() {
    let db = Db::new();
    let p = db.partner("Ann Able", "ann@able.example");
    let mut leads = Vec::new();
    for i in 0..14 {
        leads.push(db.lead(&p, &format!("c{i}@client.example"), "1000"));
    }
    let wal = side(&db.path, "-wal");
    for (i, lead) in leads.iter().enumerate() {
        let before = len(&wal);
        let mut child = spawn_bin()
            .arg("--db")
            .arg(&db.path)
            .args(["lead", "move", lead, "closed_won"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Varied moments: at once, when the WAL first changes, or after it
        // has grown by a few pages.
        let mut polls = 0u64;
        kill_when(&mut child, || {
            polls += 1;
            match i % 3 {
                0 => polls > (i as u64) * 50,
                1 => len(&wal) != before,
                _ => len(&wal) > before + 4096 * (i as u64 % 5),
            }
        });
        sound(&db);
        let v = db.json(&["lead", "show", lead]);
        let status = v["lead"]["status"].as_str().unwrap().to_owned();
        let commissions = v["commissions"].as_array().map(|a| a.len()).unwrap_or(0);
        let moves = db.json(&["audit", "list", "--entity", "lead", "--id", lead]);
        let moved = moves
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "move")
            .count();
        match status.as_str() {
            "closed_won" => assert_eq!((commissions, moved), (1, 1), "lead {i}: {v}"),
            "prospect" => assert_eq!((commissions, moved), (0, 0), "lead {i}: {v}"),
            s => panic!("lead {i} is {s}"),
        }
    }
}

#[test]
fn damaged_newer_read_only_and_missing_databases_at_start() {
    // Random bytes: corrupt, untouched.
    let db = Db::new();
    let noise: Vec<u8> = (0..30_000u32)
        .map(|i| (i.wrapping_mul(2_246_822_519) >> 11) as u8)
        .collect();
    std::fs::write(&db.path, &noise).unwrap();
    let o = db.run(&["partner", "list", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["error"]["kind"], "corrupt");
    assert!(stderr(&o).contains("not a Partnerdesk database") || stderr(&o).contains("SQLite header"));
    assert_eq!(std::fs::read(&db.path).unwrap(), noise);

    // Truncated: its own message.
    let db = Db::new();
    db.ok(&["demo", "--partners", "30", "--leads", "600"]);
    let full = std::fs::read(&db.path).unwrap();
    std::fs::write(&db.path, &full[..full.len() / 2]).unwrap();
    let o = db.run(&["partner", "list", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("cut short"), "{}", stderr(&o));
    assert!(stderr(&o).contains("the newest good backup is"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&db.path).unwrap(), &full[..full.len() / 2]);

    // Newer schema: its own kind.
    let db = Db::new();
    {
        let c = rusqlite::Connection::open(&db.path).unwrap();
        c.execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'future', '2030-01-01', '0')",
            [],
        )
        .unwrap();
    }
    let bytes = std::fs::read(&db.path).unwrap();
    let o = db.run(&["partner", "list", "--json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["error"]["kind"], "newer_schema");
    assert!(stderr(&o).contains("newer version of Partnerdesk"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&db.path).unwrap(), bytes);

    // Missing data folder: a clear error, nothing created.
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("nowhere").join("p.db");
    let o = bin().arg("--db").arg(&gone).args(["partner", "list"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no database here"), "{}", stderr(&o));
    assert!(!dir.path().join("nowhere").exists());

    // Read-only file (as root, the immutable attribute; else permissions).
    let db = Db::new();
    db.partner("Ann Able", "ann@able.example");
    let root = std::process::Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    let locked = if root {
        std::process::Command::new("chattr")
            .arg("+i")
            .arg(&db.path)
            .status()
            .is_ok_and(|s| s.success())
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&db.path, std::fs::Permissions::from_mode(0o400)).is_ok()
    };
    if !locked {
        eprintln!("SKIPPED the read-only case: no way to make a file read-only for this user here");
        return;
    }
    let bytes = std::fs::read(&db.path).unwrap();
    let o = db.run(&["partner", "list"]);
    if root {
        let _ = std::process::Command::new("chattr").arg("-i").arg(&db.path).status();
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&db.path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("read-only"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&db.path).unwrap(), bytes);
    assert_eq!(db.counts()["partners"], 1);
}

/// `sync pull` killed at varied moments (reading the server, writing here,
/// committing): the database holds either none or all of what the server
/// had, with the pull's bookkeeping to match; a pull run to its end then
/// takes the rest exactly once.
#[test]
fn a_pull_killed_mid_way_leaves_the_database_before_or_after_it() {
    let Some(pgdb) = crate::common::PgDb::new("killpull") else {
        return;
    };
    let mut web = pgdb.client();
    web.batch_execute(crate::common::SUPABASE_ORIGINAL).unwrap();
    let n: i64 = 20_000;
    web.batch_execute(&format!(
        "insert into partner_applications (name, email, company, created_at)
         select 'Applicant ' || i, 'applicant' || i || '@web.example', 'Company ' || i, now() - interval '1 day'
         from generate_series(1, {n}) as i"
    ))
    .unwrap();
    let db = Db::new();
    let count = |db: &Db| -> (i64, i64, i64) {
        let c = rusqlite::Connection::open(&db.path).unwrap();
        let q = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        (
            q("SELECT count(*) FROM partner_applications"),
            q("SELECT count(*) FROM sync_pg_pulls"),
            q("SELECT count(*) FROM sync_pg_base"),
        )
    };
    let wal = side(&db.path, "-wal");
    let mut killed_before = 0;
    for round in 0..6u64 {
        let start = len(&wal);
        let mut child = spawn_bin()
            .arg("--db")
            .arg(&db.path)
            .args(["sync", "pull", "--postgres", &pgdb.url])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut polls = 0u64;
        let killed = kill_when(&mut child, || {
            polls += 1;
            match round % 3 {
                0 => polls > round * 2_000,
                1 => len(&wal) != start,
                _ => len(&wal) > start + (round << 16),
            }
        });
        sound(&db);
        let (apps, pulls, bases) = count(&db);
        assert!(
            (apps, pulls, bases) == (0, 0, 0) || (apps, pulls, bases) == (n, 1, n),
            "round {round}: {apps} applications, {pulls} pulls, {bases} bases"
        );
        if apps == 0 {
            assert!(killed, "round {round}: the pull ended and kept nothing");
            killed_before += 1;
        } else {
            break;
        }
    }
    assert!(killed_before >= 1, "no pull was killed before its end");
    let done = db.json(&["sync", "pull", "--postgres", &pgdb.url]);
    let (apps, pulls, _) = count(&db);
    assert_eq!((apps, pulls), (n, 1), "{done}");
    sound(&db);
}
