//! What the app does at start: the daily backup, the search index, the launch report.

use super::*;

#[test]
fn the_first_start_of_a_day_takes_a_daily_backup_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("daily.db");
    let store = Store::open(&path, Arc::new(SystemClock)).unwrap();
    let state = AppState::from_store(store);
    let daily = || {
        partnerdesk_core::backup::list(&partnerdesk_core::backup::BackupSet::of(&path))
            .unwrap()
            .into_iter()
            .filter(|b| b.kind == partnerdesk_core::backup::BackupKind::Daily)
            .count()
    };
    assert_eq!(daily(), 0);
    partnerdesk_app::start_daily_backup(&state).unwrap().join().unwrap();
    assert_eq!(daily(), 1, "the first start of the day takes one");
    partnerdesk_app::start_daily_backup(&state).unwrap().join().unwrap();
    assert_eq!(daily(), 1, "a second start the same day takes none");
    // A database that did not open gets no backup attempt.
    let broken = AppState::open(Some(&dir.path().join("missing-folder/x.db")));
    if broken.store().is_err() {
        assert!(partnerdesk_app::start_daily_backup(&broken).is_none());
    }
}

#[test]
fn the_start_applies_the_retention_rule_once_it_is_on() {
    use partnerdesk_core::workflow::{applications, privacy, settings};
    let dir = tempfile::tempdir().unwrap();
    let clock = partnerdesk_core::clock::ManualClock::new(chrono::Utc::now() - chrono::Duration::days(400));
    let store = Store::open(dir.path().join("retention.db"), Arc::new(clock.clone())).unwrap();
    let app = store
        .write(|tx| {
            let a = applications::add(
                tx,
                &partnerdesk_core::model::NewApplication {
                    name: "Rejected Long Ago".into(),
                    email: "old@apply.example".into(),
                    ..Default::default()
                },
            )?;
            applications::reject(tx, a.id)
        })
        .unwrap();
    clock.advance(chrono::Duration::days(400));
    let state = AppState::from_store(store);
    let name = |state: &AppState| {
        state
            .store()
            .unwrap()
            .read(|c| applications::get(c, app.id))
            .unwrap()
            .name
    };
    partnerdesk_app::start_daily_backup(&state).unwrap().join().unwrap();
    assert_eq!(name(&state), "Rejected Long Ago", "off by default");
    state
        .store()
        .unwrap()
        .write(|tx| settings::set(tx, privacy::RETENTION_KEY, "12"))
        .unwrap();
    partnerdesk_app::start_daily_backup(&state).unwrap().join().unwrap();
    assert!(name(&state).starts_with("Erased applicant"), "{}", name(&state));
}

// ---- The search index at start ----

#[test]
fn the_start_builds_a_missing_search_index_and_searches_use_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search.db");
    let store = Store::open(&path, Arc::new(SystemClock)).unwrap();
    let ready = |s: &Store| s.read(partnerdesk_core::store::search::ready).unwrap();
    assert!(!ready(&store));
    let state = AppState::from_store(store);
    partnerdesk_app::start_search_index(&state).unwrap().join().unwrap();
    assert!(ready(&state.store().unwrap()), "built at start");

    // Dropped (as a bulk import does): the next searched list builds it again.
    state
        .store()
        .unwrap()
        .write(|tx| partnerdesk_core::store::search::drop(tx))
        .unwrap();
    let (shared, dir_path) = (state.clone(), dir.path().to_path_buf());
    let app = app_on(state, dir);
    let id = add_application(&app, "Grace Hopper", "grace@navy.example")["id"].clone();
    call(&app, "application_approve", json!({ "id": id })).unwrap();
    let page = call(
        &app,
        "partners_list",
        json!({"filter": {"tier": null, "status": null, "search": "hop", "sort": "name", "desc": false, "limit": 10, "offset": 0}}),
    )
    .unwrap();
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["items"][0]["name"], "Grace Hopper");
    let none = call(
        &app,
        "leads_list",
        json!({"filter": {"partner_id": null, "status": null, "search": "grace", "limit": 10, "offset": 0}}),
    )
    .unwrap();
    assert_eq!(none["total"], 0);

    // A large lead import drops the index (no trigger per row); the app
    // builds it again in the background right after.
    let mut csv = String::from("partner_email,client_name,client_email,project_description\n");
    let text = "w".repeat(4_000);
    for i in 0..1_100 {
        csv.push_str(&format!("grace@navy.example,Bulk {i},bulk{i}@client.example,{text}\n"));
    }
    assert!(csv.len() >= partnerdesk_core::exchange::import::BULK_MIN_BYTES);
    let file = dir_path.join("leads.csv");
    std::fs::write(&file, csv).unwrap();
    let done = call(
        &app,
        "import_run",
        json!({"table": "leads", "path": file, "mapping": {}, "dry_run": false, "update": false, "decimal_mark": "dot", "op": 9, "on_progress": CHANNEL}),
    )
    .unwrap();
    assert_eq!(done["imported"], 1_100);
    let store = shared.store().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !ready(&store) {
        assert!(
            std::time::Instant::now() < deadline,
            "the search index was not built again"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        store.read(partnerdesk_core::store::search::verify).unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn the_launch_report_is_granted_and_does_nothing_outside_the_launch_benchmark() {
    use partnerdesk_app::launch::{launch_report, LaunchMarks, LAUNCH_BENCH};
    assert!(std::env::var_os(LAUNCH_BENCH).is_none());
    let app = app();
    let marks = json!({"marks": {"time_origin": 1.0e12, "script": 90.5, "opened": 150.0, "figures": 380.2}});
    assert_eq!(call(&app, "launch_ready", marks).unwrap(), Value::Null);
    let bad = call(&app, "launch_ready", json!({"marks": {"time_origin": "soon"}}));
    assert!(bad.is_err(), "{bad:?}");

    // Times from the process start: the page started 500 ms in, and so on.
    let m = LaunchMarks {
        time_origin: 10_500.0,
        script: 100.0,
        opened: 200.4,
        figures: 400.0,
    };
    assert_eq!(
        launch_report(10_000.0, &m),
        "launch: figures on screen 900 ms after the process started (page started 500 ms, script run 600 ms, database answered 700 ms)"
    );
    // This test process started before now, and not long ago.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0;
    let start = partnerdesk_app::launch::process_start_unix_ms();
    assert!(start <= now + 20.0 && start > now - 3_600_000.0, "{start} vs {now}");
}
