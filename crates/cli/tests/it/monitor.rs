//! Logs and the diagnostics bundle: what went wrong is there, personal data is not.

use crate::common::Db;

/// Every name and e-mail of the database's partners, applicants and clients.
fn personal_strings(db: &Db) -> Vec<String> {
    let mut out = Vec::new();
    let partners = db.json(&["partner", "list", "--limit", "1000"]);
    for p in partners["items"].as_array().unwrap() {
        out.push(p["name"].as_str().unwrap().to_owned());
        out.push(p["email"].as_str().unwrap().to_owned());
    }
    let leads = db.json(&["lead", "list", "--limit", "1000"]);
    for l in leads["items"].as_array().unwrap() {
        out.push(l["client_name"].as_str().unwrap().to_owned());
        out.push(l["client_email"].as_str().unwrap().to_owned());
    }
    assert!(out.len() > 50, "{}", out.len());
    out
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn failures_are_logged_and_the_bundle_holds_no_personal_data() {
    let db = Db::new();
    db.ok(&["demo", "--partners", "12", "--leads", "80", "--seed", "4"]);
    // Failures whose input and messages carry personal data.
    let o = db.run(&[
        "application",
        "add",
        "--name",
        "Quentin Marchetti",
        "--email",
        "quentin.marchetti.at.example",
    ]);
    assert_eq!(o.status.code(), Some(3));
    let o = db.run(&["partner", "show", "0190f0f0-0000-7000-8000-000000000000"]);
    assert_eq!(o.status.code(), Some(4));
    let names = personal_strings(&db);

    let logs: Vec<_> = std::fs::read_dir(db.log_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    assert_eq!(logs.len(), 1, "{logs:?}");
    let name = logs[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("cli.") && name.ends_with(".log"), "{name}");
    let log = std::fs::read_to_string(&logs[0]).unwrap();
    let failed: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|v| v["fields"]["message"] == "failed")
        .collect();
    assert!(
        failed.iter().any(|v| v["fields"]["op"] == "application add"
            && v["fields"]["kind"] == "validation"
            && v["fields"]["field"] == "email"),
        "{log}"
    );
    assert!(
        failed
            .iter()
            .any(|v| v["fields"]["op"] == "partner show" && v["fields"]["kind"] == "not_found"),
        "{log}"
    );
    for n in names
        .iter()
        .map(String::as_str)
        .chain(["Quentin Marchetti", "quentin.marchetti"])
    {
        assert!(!log.contains(n), "{n:?} in the log");
    }

    let zip = db.path.with_file_name("diag.zip");
    let report = db.json(&["doctor", "--bundle", zip.to_str().unwrap()]);
    assert_eq!(report["ok"], true);
    let files: Vec<&str> = report["bundle"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(files[0], "diagnostics.json");
    assert!(files.contains(&format!("logs/{name}").as_str()), "{files:?}");
    let bytes = std::fs::read(&zip).unwrap();
    assert!(bytes.starts_with(b"PK"), "a zip");
    // What it must hold (so the search below is not empty-handed)...
    for needle in [
        "\"schema\"",
        "\"integrity\": \"ok\"",
        "\"ok\": true",
        "application add",
        "tier.gold.rate",
    ] {
        assert!(holds(&bytes, needle), "{needle:?} missing from the bundle");
    }
    // ... and what it must not.
    for n in names
        .iter()
        .map(String::as_str)
        .chain(["Quentin Marchetti", "quentin.marchetti"])
    {
        assert!(!holds(&bytes, n), "{n:?} in the bundle");
    }
    let text = db.ok(&["doctor", "--bundle", zip.to_str().unwrap()]);
    assert!(text.contains("Bundle"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&zip).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
