//! Faults: a process killed with SIGKILL in the middle of the demo load, of a
//! large import and of commission writes, many times in a row, and in the
//! middle of a backup; damaged, truncated, foreign
//! and newer files at start; a read-only file; a missing data folder.
//!
//! The killed process is this test binary itself, run again with
//! `--ignored --exact faults::fault_child` (the path of `fault_child` in the
//! binary, see `child_name`) and the work named in `PD_FAULT_MODE`:
//! it prints a line after each committed action, and the parent kills it
//! when it has seen a chosen number of lines (a different one each round),
//! so the kill lands at varied points of the work, never after a fixed sleep.

use chrono::{TimeZone, Utc};
use partnerdesk_core::clock::ManualClock;
use partnerdesk_core::demo::{generate, DemoOptions};
use partnerdesk_core::exchange::import::{self, ImportFormat, ImportOptions, ImportTable};
use partnerdesk_core::model::*;
use partnerdesk_core::open::OpenOptions;
use partnerdesk_core::store::Store;
use partnerdesk_core::workflow::{applications, commissions, invariants, leads};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

const PARTNERS: usize = 8;

fn clock() -> ManualClock {
    ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap())
}

fn open(db: &Path) -> Store {
    Store::open(db, Arc::new(clock())).unwrap()
}

/// The child: runs the work named in the environment; not a test of its own.
#[test]
#[ignore = "run by the fault tests as a child process"]
fn fault_child() {
    let (Ok(mode), Ok(db)) = (std::env::var("PD_FAULT_MODE"), std::env::var("PD_FAULT_DB")) else {
        return;
    };
    let c = clock();
    let store = Store::open(&db, Arc::new(c.clone())).unwrap();
    let mut out = std::io::stdout().lock();
    match mode.as_str() {
        "demo" => {
            let opts = DemoOptions {
                partners: 1_500,
                leads: 30_000,
                seed: 11,
            };
            generate(&store, &opts, &mut |p| {
                let _ = writeln!(out, "progress {} {}", p.stage, p.done);
                let _ = out.flush();
                true
            })
            .unwrap();
            let _ = writeln!(out, "committed demo");
        }
        "commissions" => {
            let partners: Vec<PartnerId> = store
                .read(|c| {
                    let mut s = c.prepare("SELECT id FROM partners ORDER BY id")?;
                    let r = s.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                    Ok(r)
                })
                .unwrap();
            let mut say = |what: String| {
                let _ = writeln!(out, "{what}");
                let _ = out.flush();
            };
            for i in 0.. {
                c.advance(chrono::Duration::seconds(1));
                let p = partners[i % partners.len()];
                let lead = store
                    .write(|tx| {
                        leads::add(
                            tx,
                            &NewLead {
                                partner_id: p,
                                client_name: format!("Client {i}"),
                                client_email: format!("c{i}-{}@client.example", std::process::id()),
                                estimated_value: 100_000 + i as i64,
                                ..Default::default()
                            },
                        )
                    })
                    .unwrap()
                    .lead;
                say(format!("lead {}", lead.id));
                let won = store
                    .write(|tx| leads::move_to(tx, lead.id, LeadStatus::ClosedWon, None))
                    .unwrap();
                let com = won.commission.unwrap();
                say(format!("won {} {}", lead.id, com.id));
                store.write(|tx| commissions::approve(tx, &[com.id])).unwrap();
                say(format!("approved {}", com.id));
                if i % 3 == 2 {
                    let pay = store.write(|tx| commissions::payout(tx, &[p])).unwrap();
                    say(format!("payout {}", pay.id));
                }
            }
        }
        "import" => {
            let file = std::env::var("PD_FAULT_FILE").unwrap();
            let opts = ImportOptions::new(ImportTable::Leads, ImportFormat::Csv);
            import::import_file(&store, &opts, Path::new(&file), &mut |p| {
                let _ = writeln!(out, "progress {} {}", p.stage, p.done);
                let _ = out.flush();
                true
            })
            .unwrap();
            let _ = writeln!(out, "committed import");
        }
        "backup" => {
            // Stops in the middle of its copy (after the first step), until
            // killed. Its one line starts a line of its own (not after the
            // test runner's "test fault_child ... ").
            let _ = writeln!(out);
            partnerdesk_core::backup::create(&store, partnerdesk_core::backup::BackupKind::Manual, &mut |p| {
                if p.stage == "backing up" && p.done > 0 {
                    let _ = writeln!(out, "progress {} {}", p.stage, p.done);
                    let _ = out.flush();
                    let mut line = String::new();
                    let _ = std::io::stdin().read_line(&mut line);
                }
                true
            })
            .unwrap();
            let _ = writeln!(out, "committed backup");
        }
        other => panic!("unknown mode {other}"),
    }
}

/// The name the test runner gives `fault_child`: its module path inside the
/// test binary (the binary's own name, the first part, is not in it), so that
/// `--exact` picks exactly this test wherever the module sits.
fn child_name() -> String {
    let module = module_path!().split_once("::").map_or("", |(_, rest)| rest);
    if module.is_empty() {
        "fault_child".to_owned()
    } else {
        format!("{module}::fault_child")
    }
}

/// Start the child on `db`; kill it with SIGKILL once it has printed `lines`
/// lines (or let it finish first). Returns the lines it printed.
fn run_and_kill(mode: &str, db: &Path, lines: usize) -> Vec<String> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", &child_name(), "--nocapture", "--test-threads=1"])
        .env("PD_FAULT_MODE", mode)
        .env("PD_FAULT_DB", db)
        .env("PD_FAULT_FILE", db.with_extension("csv"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        let ours = line.starts_with("progress ")
            || line.starts_with("committed")
            || ["lead ", "won ", "approved ", "payout "]
                .iter()
                .any(|p| line.starts_with(p));
        if !ours {
            continue;
        }
        seen.push(line);
        if seen.len() >= lines {
            break;
        }
    }
    // SIGKILL: no destructor, no rollback, no checkpoint runs in the child.
    let _ = child.kill();
    let _ = child.wait();
    seen
}

/// `PRAGMA integrity_check` on a fresh connection (the store opens it first,
/// which replays the WAL or rolls back a hot journal, as at any start).
fn assert_sound(db: &Path) -> Store {
    let store = open(db);
    let check: Vec<String> = store
        .read(|c| {
            let mut s = c.prepare("PRAGMA integrity_check")?;
            let r = s.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            Ok(r)
        })
        .unwrap();
    assert_eq!(check, ["ok"]);
    assert_eq!(store.read(invariants::check).unwrap(), Vec::<String>::new());
    store
}

fn count(store: &Store, sql: &str) -> i64 {
    store.read(|c| Ok(c.query_row(sql, [], |r| r.get(0))?)).unwrap()
}

#[test]
fn a_demo_killed_at_any_moment_is_wholly_there_or_wholly_absent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    drop(open(&db));
    // Where each round is killed: after this many progress lines. The stages
    // are partners, leads, writing partners/leads/commissions..., indexes.
    let mut partners_now = 0;
    let mut leads_now = 0;
    let mut rounds = 0;
    let mut completed = 0;
    for (round, lines) in [1usize, 3, 5, 7, 9, 12, 15, 18, 22, 26, 30, 1000]
        .into_iter()
        .enumerate()
    {
        let seen = run_and_kill("demo", &db, lines);
        let finished = seen.iter().any(|l| l == "committed demo");
        let store = assert_sound(&db);
        let partners = count(&store, "SELECT count(*) FROM partners");
        let leads = count(&store, "SELECT count(*) FROM client_leads");
        let demo_rows = count(
            &store,
            "SELECT count(*) FROM audit_log WHERE entity = 'database' AND action = 'demo'",
        );
        if partners == partners_now {
            assert!(
                !finished,
                "round {round}: the child said it committed, but nothing is there"
            );
            assert_eq!(leads, leads_now, "round {round}: leads without their partners");
        } else {
            assert_eq!(partners, partners_now + 1_500, "round {round}: a part of the partners");
            assert_eq!(leads, leads_now + 30_000, "round {round}: a part of the leads");
            completed += 1;
        }
        assert_eq!(
            demo_rows, completed,
            "round {round}: one audit row per demo that is there"
        );
        partners_now = partners;
        leads_now = leads;
        rounds += 1;
    }
    assert_eq!(rounds, 12);
    // The last round ran to its end.
    assert!(completed >= 1);
}

/// Partners p0..p7@partners.example, approved.
fn add_partners(store: &Store) {
    for i in 0..PARTNERS {
        store
            .write(|tx| {
                let a = applications::add(
                    tx,
                    &NewApplication {
                        name: format!("Partner {i}"),
                        email: format!("p{i}@partners.example"),
                        ..Default::default()
                    },
                )?;
                applications::approve(tx, a.id)
            })
            .unwrap();
    }
}

#[test]
fn a_large_import_killed_at_any_moment_is_wholly_there_or_wholly_absent() {
    const ROWS: i64 = 12_000;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("import.db");
    add_partners(&open(&db));
    // A file large enough for the bulk path (rollback journal, one audit row,
    // indexes dropped and built again while the table is small against it).
    let mut csv = String::from("partner_email,client_name,client_email,project_description\n");
    let text = "z".repeat(300);
    for i in 0..ROWS {
        csv.push_str(&format!(
            "p{}@partners.example,Client {i},c{i}@client.example,{text}\n",
            i % PARTNERS as i64
        ));
    }
    assert!(csv.len() >= import::BULK_MIN_BYTES);
    std::fs::write(db.with_extension("csv"), csv).unwrap();
    let indexes = |store: &Store| count(store, "SELECT count(*) FROM sqlite_master WHERE type = 'index'");
    let indexes_before = indexes(&open(&db));
    // Where each round is killed: after this many progress lines (rows in
    // batches, then each index, then the roll-ups); the last runs to its end.
    let mut leads_now = 0;
    let mut completed = 0;
    for (round, lines) in [1usize, 2, 3, 4, 5, 6, 7, 9, 11, 13, 1000].into_iter().enumerate() {
        let seen = run_and_kill("import", &db, lines);
        let finished = seen.iter().any(|l| l == "committed import");
        let store = assert_sound(&db);
        let leads = count(&store, "SELECT count(*) FROM client_leads");
        if leads != leads_now {
            assert_eq!(leads, leads_now + ROWS, "round {round}: a part of the file");
            completed += 1;
        } else {
            assert!(
                !finished,
                "round {round}: the child said it committed, but nothing is there"
            );
        }
        assert_eq!(
            count(&store, "SELECT count(*) FROM lead_status_history"),
            leads,
            "round {round}: a history row per lead"
        );
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM audit_log WHERE entity = 'database' AND action = 'import'"
            ),
            completed,
            "round {round}: one audit row per import that is there"
        );
        assert_eq!(
            indexes(&store),
            indexes_before,
            "round {round}: the indexes are all there"
        );
        let mode: String = store
            .read(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(mode, "wal", "round {round}");
        leads_now = leads;
    }
    assert!(completed >= 1, "the last round ran to its end");
    assert!(completed < 11, "no round was killed mid-way");
}

#[test]
fn commission_writes_killed_many_times_lose_no_committed_action_and_leave_no_half() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    add_partners(&open(&db));
    let mut reported: Vec<String> = Vec::new();
    for (round, lines) in [2usize, 5, 9, 14, 20, 27, 35, 44, 54, 65, 77, 90, 104, 119, 135]
        .into_iter()
        .enumerate()
    {
        let seen = run_and_kill("commissions", &db, lines);
        assert_eq!(seen.len(), lines, "round {round}: the child stopped early");
        reported.extend(seen);
        let store = assert_sound(&db);
        // Every action the child reported as committed is there.
        for line in &reported {
            let parts: Vec<&str> = line.split(' ').collect();
            let n = match parts[0] {
                "lead" => count(
                    &store,
                    &format!("SELECT count(*) FROM client_leads WHERE id = '{}'", parts[1]),
                ),
                "won" => count(
                    &store,
                    &format!(
                        "SELECT count(*) FROM commissions WHERE id = '{}' AND client_lead_id = '{}'",
                        parts[2], parts[1]
                    ),
                ),
                "approved" => count(
                    &store,
                    &format!(
                        "SELECT count(*) FROM commissions WHERE id = '{}' AND status IN ('approved', 'paid')",
                        parts[1]
                    ),
                ),
                "payout" => count(
                    &store,
                    &format!("SELECT count(*) FROM payouts WHERE id = '{}'", parts[1]),
                ),
                _ => 1,
            };
            assert_eq!(n, 1, "round {round}: a committed action is missing: {line}");
        }
        // No action is there in part: each row has the audit row written in
        // its transaction, and each audit row its rows.
        for (what, sql) in [
            (
                "lead without its audit row",
                "SELECT count(*) FROM client_leads l WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.entity = 'lead' AND a.entity_id = l.id AND a.action = 'create')",
            ),
            (
                "lead audit row without its lead",
                "SELECT count(*) FROM audit_log a WHERE a.entity = 'lead' AND NOT EXISTS (SELECT 1 FROM client_leads l WHERE l.id = a.entity_id)",
            ),
            (
                "lead whose status differs from its last audit row",
                "SELECT count(*) FROM client_leads l WHERE l.status <> (SELECT json_extract(a.after, '$.lead.status') FROM audit_log a WHERE a.entity = 'lead' AND a.entity_id = l.id ORDER BY a.seq DESC LIMIT 1) AND l.status <> (SELECT json_extract(a.after, '$.status') FROM audit_log a WHERE a.entity = 'lead' AND a.entity_id = l.id ORDER BY a.seq DESC LIMIT 1)",
            ),
            (
                "commission without its audit row",
                "SELECT count(*) FROM commissions c WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.entity = 'commission' AND a.entity_id = c.id AND a.action = 'create')",
            ),
            (
                "approved commission without its approve audit row",
                "SELECT count(*) FROM commissions c WHERE c.status IN ('approved', 'paid') AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.entity = 'commission' AND a.entity_id = c.id AND a.action = 'approve')",
            ),
            (
                "approve audit row of a pending commission",
                "SELECT count(*) FROM commissions c WHERE c.status = 'pending' AND EXISTS (SELECT 1 FROM audit_log a WHERE a.entity = 'commission' AND a.entity_id = c.id AND a.action = 'approve')",
            ),
            (
                "payout without its audit row",
                "SELECT count(*) FROM payouts p WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.entity = 'payout' AND a.entity_id = p.id)",
            ),
            (
                "payout audit row without its payout",
                "SELECT count(*) FROM audit_log a WHERE a.entity = 'payout' AND NOT EXISTS (SELECT 1 FROM payouts p WHERE p.id = a.entity_id)",
            ),
        ] {
            assert_eq!(count(&store, sql), 0, "round {round}: {what}");
        }
    }
    assert!(reported.iter().any(|l| l.starts_with("payout ")));
}

fn sha(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

/// The names in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The file and nothing else: no WAL, journal or backups folder appeared.
fn folder(path: &Path) -> Vec<String> {
    files_in(path.parent().unwrap())
}

fn refused_untouched(path: &Path, kind: &str, needle: &str) {
    let bytes = sha(path);
    let files = folder(path);
    let err = Store::open(path, Arc::new(clock()))
        .err()
        .expect("the file must be refused");
    assert_eq!(err.kind(), kind, "{err}");
    let msg = err.to_string();
    assert!(msg.contains(needle), "{msg}");
    assert!(
        msg.contains(&path.display().to_string()),
        "the message names the file: {msg}"
    );
    assert!(sha(path) == bytes, "{} was changed", path.display());
    assert_eq!(folder(path), files, "files appeared next to it");
}

fn filled_db(dir: &Path, name: &str) -> PathBuf {
    let db = dir.join(name);
    let store = open(&db);
    generate(
        &store,
        &DemoOptions {
            partners: 50,
            leads: 1_000,
            seed: 1,
        },
        &mut |_| true,
    )
    .unwrap();
    drop(store);
    db
}

#[test]
fn truncated_random_and_foreign_files_are_refused_and_left_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    // Truncated, at a page boundary and in the middle of a page.
    for (name, keep) in [("cut-page.db", 0.5), ("cut-mid.db", 0.77)] {
        let db = filled_db(dir.path(), name);
        let len = std::fs::metadata(&db).unwrap().len();
        let cut = ((len as f64 * keep) as u64 / 4096) * 4096 + if keep > 0.6 { 1234 } else { 0 };
        let f = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
        f.set_len(cut).unwrap();
        drop(f);
        refused_untouched(&db, "corrupt", "cut short");
    }
    // Cut inside the header.
    let db = filled_db(dir.path(), "cut-head.db");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .unwrap()
        .set_len(60)
        .unwrap();
    refused_untouched(&db, "corrupt", "cut short");
    // Random bytes.
    let db = dir.path().join("random.db");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let noise: Vec<u8> = (0..100_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(&db, &noise).unwrap();
    refused_untouched(&db, "corrupt", "SQLite header");
    // Random bytes behind a valid header.
    let db = dir.path().join("random-body.db");
    let mut body = b"SQLite format 3\0".to_vec();
    body.extend_from_slice(&noise[..8192]);
    std::fs::write(&db, &body).unwrap();
    refused_untouched(&db, "corrupt", "damaged");
    // A SQLite file of another program.
    let db = dir.path().join("other.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    refused_untouched(&db, "corrupt", "not a Partnerdesk database");
}

#[test]
fn a_database_from_a_newer_version_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    // In WAL mode (as Partnerdesk leaves it) and in rollback-journal mode (as
    // a backup or a copy from elsewhere is): neither is touched.
    for (name, mode) in [("wal.db", "WAL"), ("delete.db", "DELETE")] {
        let db = filled_db(dir.path(), name);
        {
            let c = rusqlite::Connection::open(&db).unwrap();
            c.execute(
                "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'future', '2030-01-01', '0')",
                [],
            )
            .unwrap();
            c.query_row(&format!("PRAGMA journal_mode = {mode}"), [], |r| r.get::<_, String>(0))
                .unwrap();
        }
        refused_untouched(&db, "newer_schema", "newer version of Partnerdesk");
        assert!(Store::open(&db, Arc::new(clock()))
            .err()
            .unwrap()
            .to_string()
            .contains("999"));
    }
}

/// Make `path` read-only in a way that holds for root too. As root, mode
/// 0400 does not stop a write, so the immutable attribute (`chattr +i`) is
/// used; for other users, permissions. `None` when neither is possible here.
fn make_read_only(path: &Path) -> Option<Box<dyn FnOnce()>> {
    let root = Command::new("id").arg("-u").output().ok()?.stdout == b"0\n";
    if root {
        let ok = Command::new("chattr").arg("+i").arg(path).status().ok()?.success();
        if !ok {
            return None;
        }
        let p = path.to_path_buf();
        Some(Box::new(move || {
            let _ = Command::new("chattr").arg("-i").arg(&p).status();
        }))
    } else {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o400)).ok()?;
            let p = path.to_path_buf();
            Some(Box::new(move || {
                let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600));
            }))
        }
        #[cfg(not(unix))]
        None
    }
}

#[test]
fn a_read_only_database_is_refused_clearly_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let db = filled_db(dir.path(), "ro.db");
    let before = sha(&db);
    let Some(undo) = make_read_only(&db) else {
        eprintln!("SKIPPED: this system can make no file read-only for this user (root without chattr)");
        return;
    };
    // The write really is refused by the system now.
    let write = std::fs::OpenOptions::new().write(true).open(&db);
    let err = Store::open(&db, Arc::new(clock())).err();
    let after = sha(&db);
    undo();
    assert!(write.is_err(), "the file is still writable: the test set-up failed");
    let err = err.expect("a read-only database must be refused");
    assert_eq!(err.kind(), "io", "{err}");
    assert!(err.to_string().contains("read-only"), "{err}");
    assert!(after == before);
    // Writable again: everything is there.
    let store = assert_sound(&db);
    assert_eq!(count(&store, "SELECT count(*) FROM client_leads"), 1_000);
}

#[test]
fn a_missing_data_folder_is_a_clear_error_or_is_made_private() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("gone").join("deeper").join("p.db");
    let err = Store::open_with(
        &db,
        Arc::new(clock()),
        OpenOptions {
            create_dir: false,
            ..Default::default()
        },
    )
    .err()
    .expect("no folder, no database");
    assert_eq!(err.kind(), "io");
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!dir.path().join("gone").exists(), "nothing is created");
    // The default creates the folder, private to the user.
    drop(open(&db));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(db.parent().unwrap()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert_eq!(std::fs::metadata(&db).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn a_backup_killed_in_the_middle_leaves_a_copy_that_the_next_backup_removes() {
    let dir = tempfile::tempdir().unwrap();
    let db = filled_db(dir.path(), "k.db");
    let seen = run_and_kill("backup", &db, 1);
    assert!(
        seen.len() == 1 && seen[0].starts_with("progress backing up"),
        "{seen:?}"
    );
    let set = partnerdesk_core::backup::BackupSet::of(&db);
    let left = files_in(set.dir());
    assert!(
        left.iter().any(|f| f.starts_with(".k-") && f.ends_with(".tmp")),
        "the killed backup's copy: {left:?}"
    );
    assert!(partnerdesk_core::backup::list(&set).unwrap().is_empty());

    let store = assert_sound(&db);
    let made =
        partnerdesk_core::backup::create(&store, partnerdesk_core::backup::BackupKind::Manual, &mut |_| true).unwrap();
    assert_eq!(files_in(set.dir()), [made.file_name]);
}
