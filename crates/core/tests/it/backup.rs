//! Backups: create, verify, list, the daily backup, rotation, restore and its
//! undo, cancel, and the copy taken before a migration.

use crate::common;
use chrono::Duration;
use partnerdesk_core::backup::{self, BackupKind, BackupSet};
use partnerdesk_core::clock::{Clock, ManualClock};
use partnerdesk_core::demo::{generate, DemoOptions};
use partnerdesk_core::progress::Progress;
use partnerdesk_core::store::{latest_schema_version, Store};
use partnerdesk_core::Error;
use std::path::Path;
use std::sync::Arc;

fn demo(e: &common::Env, partners: usize, leads: usize) {
    generate(
        &e.store,
        &DemoOptions {
            partners,
            leads,
            seed: 3,
        },
        &mut |_| true,
    )
    .unwrap();
}

fn open(db: &Path, clock: ManualClock) -> Store {
    Store::open(db, Arc::new(clock)).unwrap()
}

/// Every row of every table, as text.
fn dump(store: &Store) -> Vec<String> {
    store
        .read(|c| {
            let tables: Vec<String> = {
                let mut s = c.prepare(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )?;
                let r = s.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                r
            };
            let mut out = Vec::new();
            for t in tables {
                let mut s = c.prepare(&format!("SELECT * FROM \"{t}\" ORDER BY 1"))?;
                let n = s.column_count();
                let rows = s
                    .query_map([], |r| {
                        let mut line = format!("{t}:");
                        for i in 0..n {
                            let v: rusqlite::types::Value = r.get(i)?;
                            line.push_str(&format!(" {v:?}"));
                        }
                        Ok(line)
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                out.extend(rows);
            }
            Ok(out)
        })
        .unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn a_backup_is_verified_dated_private_and_holds_the_data() {
    let e = common::env();
    demo(&e, 20, 200);
    let mut stages = Vec::new();
    let info = backup::create(&e.store, BackupKind::Manual, &mut |p: &Progress| {
        stages.push(p.stage.clone());
        true
    })
    .unwrap();
    assert_eq!(info.file_name, "t-2026-03-01_120000-manual.db");
    assert_eq!(info.taken_at, "2026-03-01T12:00:00Z");
    assert!(stages.iter().any(|s| s == "backing up") && stages.iter().any(|s| s == "checking the copy"));
    let dir = backup::backup_dir(e.store.path());
    assert_eq!(dir, e.store.path().parent().unwrap().join("backups"));
    // Nothing but the backup: no temporary file, no journal left over.
    assert_eq!(files_in(&dir), vec![info.file_name.clone()]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(
            std::fs::metadata(&info.path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let v = backup::verify(Path::new(&info.path)).unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.schema_version, Some(latest_schema_version()));
    // The copy has the same rows.
    let copy = Store::open(&info.path, Arc::new(e.clock.clone())).unwrap();
    let counts = copy.read(partnerdesk_core::queries::counts).unwrap();
    assert_eq!(
        serde_json::to_value(counts).unwrap(),
        serde_json::to_value(e.counts()).unwrap()
    );

    let listed = backup::list(&BackupSet::of(e.store.path())).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0], info);
    // A second backup in the same second gets its own name.
    let again = backup::create(&e.store, BackupKind::Manual, &mut |_| true).unwrap();
    assert_eq!(again.file_name, "t-2026-03-01_120000-manual-2.db");
    assert_eq!(
        backup::list(&BackupSet::of(e.store.path())).unwrap()[0].file_name,
        again.file_name
    );
}

#[test]
fn cancelling_a_backup_keeps_nothing() {
    let e = common::env();
    demo(&e, 10, 100);
    let dir = backup::backup_dir(e.store.path());
    for stop_at in ["backing up", "checking the copy"] {
        let err = backup::create(&e.store, BackupKind::Manual, &mut |p| p.stage != stop_at).unwrap_err();
        assert!(matches!(err, Error::Cancelled), "{err}");
        assert_eq!(files_in(&dir), Vec::<String>::new(), "after cancelling at {stop_at}");
    }
}

#[test]
fn the_daily_backup_is_taken_once_a_day_and_rotation_keeps_7_days_and_4_weeks() {
    let e = common::env();
    demo(&e, 5, 20);
    let first = backup::ensure_daily(&e.store, &mut |_| true).unwrap();
    assert!(first.is_some());
    e.clock.advance(Duration::hours(3));
    assert!(backup::ensure_daily(&e.store, &mut |_| true).unwrap().is_none());
    // A manual backup neither replaces nor is removed by the daily ones.
    let manual = backup::create(&e.store, BackupKind::Manual, &mut |_| true).unwrap();
    // 60 days of starts: 1 March 2026 is a Sunday.
    for _ in 0..60 {
        e.clock.advance(Duration::days(1));
        assert!(backup::ensure_daily(&e.store, &mut |_| true).unwrap().is_some());
    }
    let all = backup::list(&BackupSet::of(e.store.path())).unwrap();
    let daily: Vec<&str> = all
        .iter()
        .filter(|b| b.kind == BackupKind::Daily)
        .map(|b| &b.taken_at[..10])
        .collect();
    // Now is 30 April (Thursday): 7 days 24..30 April, plus the newest of
    // each of 4 ISO weeks: those of 27 Apr and 20 Apr (already kept), 13 Apr
    // (the 19th) and 6 Apr (the 12th).
    assert_eq!(
        daily,
        [
            "2026-04-30",
            "2026-04-29",
            "2026-04-28",
            "2026-04-27",
            "2026-04-26",
            "2026-04-25",
            "2026-04-24",
            "2026-04-19",
            "2026-04-12"
        ]
    );
    assert!(all.iter().any(|b| b.file_name == manual.file_name));

    // The settings change the rotation, and bad values are refused.
    e.set_setting("backup.keep_daily", "2").unwrap();
    e.set_setting("backup.keep_weekly", "0").unwrap();
    for (k, v) in [
        ("backup.keep_daily", "0"),
        ("backup.keep_daily", "x"),
        ("backup.keep_weekly", "-1"),
        ("backup.keep_weekly", "1000"),
        ("backup.keep_monthly", "3"),
    ] {
        let err = e.refused(|tx| partnerdesk_core::workflow::settings::set(tx, k, v));
        assert_eq!(err.kind(), "validation", "{k}={v}: {err}");
    }
    e.clock.advance(Duration::days(1));
    backup::ensure_daily(&e.store, &mut |_| true).unwrap();
    let daily = backup::list(&BackupSet::of(e.store.path()))
        .unwrap()
        .into_iter()
        .filter(|b| b.kind == BackupKind::Daily)
        .count();
    assert_eq!(daily, 2);
}

#[test]
fn restore_replaces_the_database_and_can_be_undone() {
    let e = common::env();
    demo(&e, 10, 100);
    let before = dump(&e.store);
    let good = backup::create(&e.store, BackupKind::Manual, &mut |_| true).unwrap();
    e.tick();
    let p = e.partner("Late Partner");
    let after = dump(&e.store);
    assert_ne!(before, after);
    let db = e.store.path().to_path_buf();

    // Restoring the database onto itself is refused.
    assert_eq!(
        backup::restore_file(&db, &db, e.clock.now(), &mut |_| true)
            .unwrap_err()
            .kind(),
        "validation"
    );

    // Cancelled at any stage: the database and the folder are unchanged.
    let folder_before = files_in(&backup::backup_dir(&db));
    for stop in ["setting the current file aside", "restoring"] {
        let err =
            backup::restore_file(&db, Path::new(&good.path), e.clock.now(), &mut |p| p.stage != stop).unwrap_err();
        assert!(matches!(err, Error::Cancelled));
        assert_eq!(dump(&e.store), after, "cancel at {stop}");
        assert_eq!(files_in(&backup::backup_dir(&db)), folder_before);
    }

    let clock = e.clock.clone();
    let store = e.store;
    let report = backup::restore(store, Path::new(&good.path), &mut |_| true).unwrap();
    let aside = report.set_aside.clone().expect("the old file is kept");
    assert!(aside.ends_with("-pre-restore.db"), "{aside}");
    let reopened = open(&db, clock.clone());
    assert_eq!(dump(&reopened), before);
    assert!(reopened
        .read(partnerdesk_core::workflow::invariants::check)
        .unwrap()
        .is_empty());

    // Undo: restore the copy set aside.
    backup::restore(reopened, Path::new(&aside), &mut |_| true).unwrap();
    let undone = open(&db, clock);
    assert_eq!(dump(&undone), after);
    let name: String = undone
        .read(|c| {
            Ok(
                c.query_row("SELECT name FROM partners WHERE id = ?1", [p.id.to_string()], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    assert_eq!(name, "Late Partner");
}

#[test]
fn restore_refuses_a_bad_backup_and_rescues_a_damaged_database() {
    let e = common::env();
    demo(&e, 5, 40);
    let good = backup::create(&e.store, BackupKind::Manual, &mut |_| true).unwrap();
    let db = e.store.path().to_path_buf();
    let want = dump(&e.store);

    // A damaged backup (newer than the good one) is not offered and not restored.
    e.clock.advance(Duration::hours(1));
    let bad = backup::create(&e.store, BackupKind::Manual, &mut |_| true).unwrap();
    let mut bytes = std::fs::read(&bad.path).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&bad.path, &bytes).unwrap();
    assert!(!backup::verify(Path::new(&bad.path)).unwrap().ok);
    assert_eq!(
        backup::newest_good(&BackupSet::of(&db)).unwrap().unwrap().file_name,
        good.file_name
    );
    let err = backup::restore_file(&db, Path::new(&bad.path), e.clock.now(), &mut |_| true).unwrap_err();
    assert_eq!(err.kind(), "corrupt", "{err}");

    // Random bytes over the database: it cannot be opened, but the good
    // backup restores it, and the damaged bytes are kept aside as they were.
    let now = e.clock.now();
    drop(e.store);
    let garbage: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&db, &garbage).unwrap();
    let err = Store::open(&db, Arc::new(ManualClock::new(now))).err().unwrap();
    assert_eq!(err.kind(), "corrupt");
    let report = backup::restore_file(&db, Path::new(&good.path), now, &mut |_| true).unwrap();
    assert_eq!(std::fs::read(report.set_aside.unwrap()).unwrap(), garbage);
    let restored = open(&db, ManualClock::new(now));
    assert_eq!(dump(&restored), want);
}

#[test]
fn a_migration_is_preceded_by_a_verified_copy_of_the_old_file() {
    let (_dir, db) = crate::common::old_database(1);
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES ('currency', 'EUR', '2026-01-01T00:00:00.000Z')",
            [],
        )
        .unwrap();
    }
    assert!(
        latest_schema_version() > 1,
        "this test needs a second migration to exist"
    );
    let clock = ManualClock::new(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 5, 4, 3, 2, 1).unwrap());
    let store = Store::open(&db, Arc::new(clock)).unwrap();
    assert_eq!(Store::schema_version_of(&db).unwrap(), latest_schema_version());
    assert_eq!(
        store.read(partnerdesk_core::workflow::settings::load).unwrap().currency,
        "EUR"
    );
    let list = backup::list(&BackupSet::of(&db)).unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].file_name, "old-2026-05-04_030201-pre-migration.db");
    let v = backup::verify(Path::new(&list[0].path)).unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.schema_version, Some(1));
    // Opening again migrates nothing and copies nothing.
    drop(store);
    Store::open(&db, Arc::new(ManualClock::new(chrono::Utc::now()))).unwrap();
    assert_eq!(backup::list(&BackupSet::of(&db)).unwrap().len(), 1);
}

#[test]
fn recovery_offers_the_newest_good_backup_only_for_a_damaged_file() {
    let e = common::env();
    demo(&e, 5, 40);
    let good = backup::create(&e.store, BackupKind::Manual, &mut |_| true).unwrap();
    let db = e.store.path().to_path_buf();
    let now = e.clock.now();
    drop(e.store);
    std::fs::write(&db, b"this is not a database, just some bytes that go on and on").unwrap();
    let err = Store::open(&db, Arc::new(ManualClock::new(now))).err().unwrap();
    let r = backup::recovery(&db, err.info());
    assert!(r.restorable);
    assert_eq!(r.error.kind, "corrupt");
    assert_eq!(r.newest_good.unwrap().file_name, good.file_name);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        b"this is not a database, just some bytes that go on and on"
    );

    let other = partnerdesk_core::Error::NewerSchema {
        path: db.display().to_string(),
        found: 99,
        known: 1,
    };
    let r = backup::recovery(&db, other.info());
    assert!(!r.restorable);
    assert!(r.newest_good.is_none());
}

#[test]
fn databases_sharing_a_folder_keep_their_backups_apart() {
    // t.db (the test store) and agency.db side by side: one
    // backups/ folder, two sets that never mix.
    let e = common::env();
    demo(&e, 5, 20);
    let other_path = e.store.path().with_file_name("agency.db");
    let other = open(&other_path, e.clock.clone());
    generate(
        &other,
        &DemoOptions {
            partners: 3,
            leads: 10,
            seed: 9,
        },
        &mut |_: &Progress| true,
    )
    .unwrap();
    let ours = BackupSet::of(e.store.path());
    let theirs = BackupSet::of(&other_path);
    assert_eq!(ours.dir(), theirs.dir());

    // Each database takes its own daily backup on the same day.
    let a = backup::ensure_daily(&e.store, &mut |_| true)
        .unwrap()
        .expect("t.db's daily backup");
    let b = backup::ensure_daily(&other, &mut |_| true)
        .unwrap()
        .expect("agency.db's daily backup");
    assert!(a.file_name.starts_with("t-") && b.file_name.starts_with("agency-"));
    let names =
        |set: &BackupSet| -> Vec<String> { backup::list(set).unwrap().into_iter().map(|i| i.file_name).collect() };
    assert_eq!(names(&ours), vec![a.file_name.as_str()]);
    assert_eq!(names(&theirs), vec![b.file_name.as_str()]);

    // Rotation of one never removes the other's: ten days of t.db's
    // backups with a rotation of 2 days leave agency.db's alone.
    e.set_setting("backup.keep_daily", "2").unwrap();
    e.set_setting("backup.keep_weekly", "0").unwrap();
    for _ in 0..10 {
        e.clock.advance(Duration::days(1));
        backup::ensure_daily(&e.store, &mut |_| true).unwrap();
    }
    assert_eq!(names(&ours).len(), 2);
    assert_eq!(names(&theirs), vec![b.file_name.as_str()]);

    // A damaged agency.db is offered its own newest good backup, never the
    // newer ones of t.db, and restoring it brings agency.db back.
    let want = dump(&other);
    drop(other);
    std::fs::write(&other_path, vec![7u8; 8192]).unwrap();
    let _ = std::fs::remove_file(other_path.with_file_name("agency.db-wal"));
    let _ = std::fs::remove_file(other_path.with_file_name("agency.db-shm"));
    let err = Store::open(&other_path, Arc::new(e.clock.clone())).err().unwrap();
    let r = backup::recovery(&other_path, err.info());
    assert_eq!(
        r.newest_good.as_ref().map(|b| b.file_name.as_str()),
        Some(b.file_name.as_str())
    );
    backup::restore_file(&other_path, Path::new(&b.path), e.clock.now(), &mut |_| true).unwrap();
    assert_eq!(dump(&open(&other_path, e.clock.clone())), want);
    // The damaged bytes were set aside under agency.db's name.
    let theirs_now = backup::list(&theirs).unwrap();
    assert_eq!(theirs_now.len(), 2);
    assert_eq!(theirs_now[0].kind, BackupKind::PreRestore);
    assert_eq!(names(&ours).len(), 2);
}

#[test]
fn copies_left_by_killed_backups_and_restores_are_removed_and_live_ones_kept() {
    let e = common::env();
    demo(&e, 5, 20);
    let db = e.store.path().to_path_buf();
    let folder = db.parent().unwrap().to_path_buf();
    let dir = BackupSet::of(&db).dir().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    // What a process killed in the middle leaves: a temporary copy and its
    // journal, a journal alone, a restore's temporary copy. Nothing holds them.
    let dead = dir.join(".t-2026-01-01_000000-daily-4242.tmp");
    std::fs::write(&dead, vec![1u8; 100_000]).unwrap();
    std::fs::write(dir.join(".t-2026-01-01_000000-daily-4242.tmp-journal"), b"j").unwrap();
    std::fs::write(dir.join(".t-2026-01-01_000001-manual-4243.tmp-journal"), b"j").unwrap();
    let dead_restore = folder.join(".t.db.restore-4244.tmp");
    std::fs::write(&dead_restore, vec![2u8; 100_000]).unwrap();
    // A copy another process is writing right now: locked by its writer.
    let live = dir.join(".t-2026-01-01_000002-manual-4245.tmp");
    std::fs::write(&live, b"in progress").unwrap();
    let writer = std::fs::File::open(&live).unwrap();
    writer.try_lock().unwrap();
    // Another database's file that merely looks alike is not ours to touch.
    let foreign = dir.join("notes.tmp");
    std::fs::write(&foreign, b"x").unwrap();

    let made = backup::create(&e.store, BackupKind::Manual, &mut |_| true).unwrap();
    let mut left = files_in(&dir);
    left.sort();
    let mut want = vec![
        ".t-2026-01-01_000002-manual-4245.tmp".to_owned(),
        made.file_name.clone(),
        "notes.tmp".to_owned(),
    ];
    want.sort();
    assert_eq!(left, want);

    // Once its writer is gone, the next backup removes it too; a restore
    // removes a restore's abandoned copy.
    drop(writer);
    backup::create(&e.store, BackupKind::Manual, &mut |_| true).unwrap();
    assert!(!live.exists());
    assert!(dead_restore.exists());
    drop(e.store);
    backup::restore_file(&db, Path::new(&made.path), e.clock.now(), &mut |_| true).unwrap();
    assert!(!dead_restore.exists());
    assert!(!folder
        .read_dir()
        .unwrap()
        .flatten()
        .any(|f| f.file_name().to_string_lossy().ends_with(".tmp")));
}
