//! The Data screen: backups, export, import, statements, payout files, sync,
//! recovery of a damaged file and cancelling long work.

use super::*;

#[test]
fn backup_create_list_verify_and_restore_undoes_a_change() {
    let app = app();
    add_application(&app, "Kept", "kept@example.com");
    let b = call(&app, "backup_create", json!({"op": 1, "on_progress": CHANNEL})).unwrap();
    assert_eq!(b["kind"], "manual");
    let list = call(&app, "backups_list", json!({})).unwrap();
    assert_eq!(list[0]["file_name"], b["file_name"]);
    assert!(list[0]["size"].as_u64().unwrap() > 0);
    let v = call(&app, "backup_verify", json!({"path": b["path"]})).unwrap();
    assert_eq!(v["ok"], true);

    add_application(&app, "Gone", "gone@example.com");
    assert_eq!(total_applications(&app), 2);
    let r = call(
        &app,
        "backup_restore",
        json!({"path": b["path"], "op": 2, "on_progress": CHANNEL}),
    )
    .unwrap();
    assert!(r["set_aside"].as_str().unwrap().contains("pre-restore"));
    // The store was reopened on the restored file.
    assert_eq!(total_applications(&app), 1);
    // Nothing runs any more: cancelling answers false.
    assert_eq!(call(&app, "operation_cancel", json!({"op": 2})).unwrap(), false);
    // A file that is not a backup is refused, and the database stays usable.
    let e = call(
        &app,
        "backup_restore",
        json!({"path": "/nonexistent/x.db", "op": 3, "on_progress": CHANNEL}),
    )
    .unwrap_err();
    assert_eq!(e["kind"], "io");
    assert_eq!(total_applications(&app), 1);
}

#[test]
fn export_import_statement_payout_and_sync_are_wired() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let a = add_application(&app, "Ann Export", "ann@example.com");
    let partner = call(&app, "application_approve", json!({"id": a["id"]})).unwrap()[1].clone();

    let tables = call(&app, "export_tables", json!({})).unwrap();
    assert!(tables.as_array().unwrap().iter().any(|t| t == "partners"));
    let out = dir.path().join("export");
    let r = call(
        &app,
        "export_run",
        json!({"format": "csv", "dir": out, "table": null, "op": 1, "on_progress": CHANNEL}),
    )
    .unwrap();
    assert!(r["files"].as_array().unwrap().len() > 3);
    assert!(out.join("partners.csv").exists());

    let csv = dir.path().join("apps.csv");
    std::fs::write(
        &csv,
        "Full name,email,experience_level\nBea,bea@example.com,expert\nCy,not-an-email,beginner\n",
    )
    .unwrap();
    let p = call(&app, "import_preview", json!({"table": "applications", "path": csv})).unwrap();
    assert_eq!(p["columns"], json!(["Full name", "email", "experience_level"]));
    assert_eq!(p["suggested"]["email"], "email");
    assert!(p["suggested"].get("Full name").is_none());
    let mapping = json!({"Full name": "name", "email": "email", "experience_level": "experience_level"});
    let dry = call(
        &app,
        "import_run",
        json!({"table": "applications", "path": csv, "mapping": mapping, "dry_run": true, "update": false, "decimal_mark": "dot", "op": 2, "on_progress": CHANNEL}),
    )
    .unwrap();
    assert_eq!(dry["bad_rows"][0]["line"], 3);
    assert_eq!(dry["imported"], 0);
    assert_eq!(total_applications(&app), 1);
    std::fs::write(
        &csv,
        "Full name,email,experience_level\nBea,bea@example.com,expert\nCy,cy@example.com,beginner\n",
    )
    .unwrap();
    let done = call(
        &app,
        "import_run",
        json!({"table": "applications", "path": csv, "mapping": mapping, "dry_run": false, "update": false, "decimal_mark": "dot", "op": 3, "on_progress": CHANNEL}),
    )
    .unwrap();
    assert_eq!(done["imported"], 2);
    assert_eq!(total_applications(&app), 3);

    let html = dir.path().join("ann.html");
    let s = call(
        &app,
        "statement_write",
        json!({"partner_id": partner["id"], "path": html}),
    )
    .unwrap();
    assert_eq!(s["partner_name"], "Ann Export");
    assert!(std::fs::read_to_string(&html).unwrap().contains("Ann Export"));
    assert_eq!(call(&app, "payouts_list", json!({"limit": 50})).unwrap(), json!([]));
    let e = call(
        &app,
        "payout_file_write",
        json!({"id": "00000000-0000-0000-0000-000000000000", "path": dir.path().join("p.csv")}),
    )
    .unwrap_err();
    assert_eq!(e["kind"], "not_found");

    assert_eq!(
        call(&app, "sync_status", json!({})).unwrap()["last_export_at"],
        Value::Null
    );
    let feed = dir.path().join("feed");
    let x = call(
        &app,
        "sync_export",
        json!({"dir": feed, "op": 4, "on_progress": CHANNEL}),
    )
    .unwrap();
    assert!(x["file"].as_str().unwrap().ends_with("feed-000001.jsonl"));
    let st = call(&app, "sync_status", json!({})).unwrap();
    assert_eq!(st["last_export_file"], "feed-000001.jsonl");
    assert!(st["last_export_at"].is_string());
    let e = call(
        &app,
        "sync_apply",
        json!({"dir": dir.path().join("nofeed"), "op": 5, "on_progress": CHANNEL}),
    )
    .unwrap_err();
    assert!(!e["message"].as_str().unwrap().is_empty());
}

#[test]
fn a_push_pull_or_compare_never_echoes_the_password() {
    let app = app();
    let url = "postgresql://bob:s3cr3t-pw@127.0.0.1:1/db?connect_timeout=2";
    for (op, command) in [(1, "sync_push"), (2, "sync_pull"), (3, "sync_compare")] {
        let mut args = json!({"url": url, "op": op, "on_progress": CHANNEL});
        if command != "sync_compare" {
            args["dry_run"] = json!(false);
        }
        let e = call(&app, command, args).unwrap_err();
        let m = e["message"].as_str().unwrap();
        assert!(!m.contains("s3cr3t-pw"), "{command}: {m}");
        assert!(m.contains("bob@127.0.0.1"), "{command}: {m}");
    }
    assert_eq!(call(&app, "sync_conflicts", json!({"limit": 10})).unwrap(), json!([]));
}

#[test]
fn a_damaged_database_is_not_written_and_the_newest_good_backup_restores_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    // A good database with a backup, then random bytes over it.
    {
        let app = app_on(
            AppState::from_store(Store::open(&db, Arc::new(SystemClock)).unwrap()),
            tempfile::tempdir().unwrap(),
        );
        add_application(&app, "Saved", "saved@example.com");
        call(&app, "backup_create", json!({"op": 1, "on_progress": CHANNEL})).unwrap();
    }
    let garbage: Vec<u8> = (0..40_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    std::fs::write(&db, &garbage).unwrap();
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("d.db{side}")));
    }

    let app = app_on(AppState::open(Some(&db)), tempfile::tempdir().unwrap());
    let r = call(&app, "recovery", json!({})).unwrap();
    assert_eq!(r["error"]["kind"], "corrupt");
    assert_eq!(r["restorable"], true);
    let good = r["newest_good"]["path"].as_str().unwrap().to_owned();
    assert_eq!(call(&app, "dashboard", json!({})).unwrap_err()["kind"], "corrupt");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        garbage,
        "the damaged file is left as it was"
    );

    let rep = call(
        &app,
        "backup_restore",
        json!({"path": good, "op": 2, "on_progress": CHANNEL}),
    )
    .unwrap();
    assert_eq!(std::fs::read(rep["set_aside"].as_str().unwrap()).unwrap(), garbage);
    assert_eq!(call(&app, "recovery", json!({})).unwrap(), Value::Null);
    assert_eq!(total_applications(&app), 1);
}

#[test]
fn operation_cancel_flips_the_flag_of_that_operation_only() {
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::from_store(Store::open(dir.path().join("c.db"), Arc::new(SystemClock)).unwrap());
    let a = state.begin_op(5);
    let b = state.begin_op(6);
    assert!(state.cancel_op(5));
    assert!(a.cancelled());
    assert!(!b.cancelled());
    drop(a);
    assert!(!state.cancel_op(5), "an operation that ended is not running");
}

#[test]
fn encrypt_lock_unlock_and_decrypt_from_the_app() {
    let app = app();
    add_application(&app, "Secret", "secret@example.com");
    let st = call(&app, "security_state", json!({})).unwrap();
    assert_eq!(st["encrypted"], false);
    let e = call(&app, "db_encrypt", json!({"passphrase": "short"})).unwrap_err();
    assert_eq!(
        (e["kind"].as_str(), e["field"].as_str()),
        (Some("validation"), Some("passphrase"))
    );
    let r = call(&app, "db_encrypt", json!({"passphrase": "wiring passphrase"})).unwrap();
    assert_eq!(r["encrypted"], true);
    // Reopened on the encrypted file: the same rows.
    assert_eq!(total_applications(&app), 1);
    assert_eq!(call(&app, "security_state", json!({})).unwrap()["encrypted"], true);
    let path = call(&app, "data_info", json!({})).unwrap()["path"]
        .as_str()
        .unwrap()
        .to_owned();
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.windows(18).any(|w| w == b"secret@example.com"));

    // Locked: every command answers `locked`; a wrong passphrase stays locked.
    assert_eq!(call(&app, "db_lock", json!({})).unwrap(), true);
    let e = call(
        &app,
        "applications_list",
        json!({"status": null, "limit": 10, "offset": 0}),
    )
    .unwrap_err();
    assert_eq!(e["kind"], "locked");
    let rec = call(&app, "recovery", json!({})).unwrap();
    assert_eq!(rec["error"]["kind"], "locked");
    let e = call(&app, "db_unlock", json!({"passphrase": "not it at all"})).unwrap_err();
    assert_eq!(e["kind"], "locked");
    call(&app, "db_unlock", json!({"passphrase": "wiring passphrase"})).unwrap();
    assert_eq!(total_applications(&app), 1);

    let r = call(
        &app,
        "db_change_passphrase",
        json!({"old_passphrase": "wiring passphrase", "new_passphrase": "another wiring phrase"}),
    )
    .unwrap();
    assert_eq!(r["encrypted"], true);
    let r = call(&app, "db_decrypt", json!({"passphrase": "another wiring phrase"})).unwrap();
    assert_eq!(r["encrypted"], false);
    assert_eq!(call(&app, "security_state", json!({})).unwrap()["encrypted"], false);
    assert_eq!(call(&app, "db_lock", json!({})).unwrap(), false);
    assert_eq!(total_applications(&app), 1);
}
