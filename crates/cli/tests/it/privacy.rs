//! `partnerdesk erase` and `partnerdesk subject-export`.

use crate::common::{stderr, stdout, Db};

const PARTNER: &[&str] = &[
    "Marguerite Holloway",
    "marguerite@holloway-media.example",
    "+1 555 010 7788",
    "Holloway Media",
];
const CLIENT: &[&str] = &[
    "Desmond Ashgrove",
    "desmond@ashgrove-farms.example",
    "+1 555 010 9911",
    "Ashgrove Farms",
];

/// A partner with a client whose deal was won and paid, beside the demo's data.
fn story() -> (Db, String, String) {
    let db = Db::new();
    db.ok(&["demo", "--partners", "12", "--leads", "80", "--seed", "9"]);
    let app = db.json(&[
        "application",
        "add",
        "--name",
        PARTNER[0],
        "--email",
        PARTNER[1],
        "--phone",
        PARTNER[2],
        "--company",
        PARTNER[3],
    ])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = db.json(&["application", "approve", &app])["partner"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lead = db.json(&[
        "lead",
        "add",
        "--partner",
        &p,
        "--client-name",
        CLIENT[0],
        "--client-email",
        CLIENT[1],
        "--phone",
        CLIENT[2],
        "--business",
        CLIENT[3],
        "--estimated-value",
        "9000",
    ])["lead"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    db.win(&lead, "9000");
    (db, p, lead)
}

fn file_has(db: &Db, needle: &str) -> bool {
    let mut bytes = std::fs::read(&db.path).unwrap();
    if let Ok(w) = std::fs::read(db.path.with_extension("db-wal")) {
        bytes.extend(w);
    }
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn erase_removes_the_person_from_the_file_and_keeps_the_books() {
    let (db, partner, lead) = story();
    let before = db.json(&["partner", "show", &partner]);
    let x = db.json(&[
        "subject-export",
        "partner",
        &partner,
        "--out",
        db.path.with_extension("p.json").to_str().unwrap(),
    ]);
    assert!(x["records"]["partners"] == 1, "{x}");
    let exported = std::fs::read_to_string(db.path.with_extension("p.json")).unwrap();
    for s in PARTNER {
        assert!(exported.contains(s), "{s:?} missing from the export");
    }

    let done = db.json(&["erase", "partner", &partner, "--reason", "asked on 1 March"]);
    assert_eq!(done["kind"], "partner");
    assert!(
        done["pseudonym"].as_str().unwrap().starts_with("Erased partner"),
        "{done}"
    );
    db.json(&["erase", "lead", &lead[..13], "--reason", "client asked"]);

    for s in PARTNER.iter().chain(CLIENT) {
        assert!(!file_has(&db, s), "{s:?} is still in the database file");
    }
    let after = db.json(&["partner", "show", &partner]);
    for k in ["total_deals", "total_earnings", "tier", "status", "created_at"] {
        assert_eq!(after["partner"][k], before["partner"][k], "{k}");
    }
    for k in ["won_revenue", "pending", "approved", "paid", "open_leads"] {
        assert!(before[k].is_i64(), "{k}: {before}");
        assert_eq!(after[k], before[k], "{k}");
    }
    let doctor = db.json(&["doctor"]);
    assert_eq!(doctor["ok"], true, "{doctor}");
    assert_eq!(db.json(&["audit", "verify"])["ok"], true);
    let erased = db.json(&["audit", "list", "--id", &partner, "--limit", "1"]);
    assert_eq!(erased[0]["action"], "erase");
    assert_eq!(erased[0]["after"]["reason"], "asked on 1 March");
    // Search finds nothing of them.
    let found = db.json(&["partner", "list", "--search", "marguerite"]);
    assert_eq!(found["total"], 0, "{found}");
}

#[test]
fn erase_refuses_bad_input_and_a_second_time() {
    let (db, partner, _) = story();
    let o = db.run(&["erase", "partner", &partner]);
    assert_eq!(o.status.code(), Some(2), "--reason is required: {}", stderr(&o));
    db.rejects(
        &["erase", "invoice", &partner, "--reason", "x"],
        3,
        "validation",
        Some("kind"),
        &["partner"],
    );
    db.rejects(
        &["erase", "partner", &partner, "--reason", " "],
        3,
        "validation",
        Some("reason"),
        &[],
    );
    db.ok(&["erase", "partner", &partner, "--reason", "asked", "--no-vacuum"]);
    let o = db.run(&["erase", "partner", &partner, "--reason", "again", "--json"]);
    assert_eq!(o.status.code(), Some(5), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("erased before"), "{}", stderr(&o));
}

#[test]
fn subject_export_of_a_client_holds_their_data_and_history() {
    let (db, _, lead) = story();
    let out = db.path.with_extension("lead.json");
    let text = db.ok(&["subject-export", "lead", &lead, "--out", out.to_str().unwrap()]);
    assert!(text.contains("Wrote"), "{text}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["records"]["client_leads"][0]["client_name"], CLIENT[0]);
    assert!(v["records"]["lead_status_history"].as_array().unwrap().len() >= 2);
    assert!(v["audit"].as_array().unwrap().iter().any(|a| a["action"] == "create"));
    let s = v.to_string();
    assert!(!s.contains(PARTNER[1]), "the partner's e-mail is not the client's data");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
