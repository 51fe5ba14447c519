//! `partnerdesk import` as a user runs it.

use crate::common::{stderr, stdout, Db};

fn write(db: &Db, name: &str, text: &str) -> String {
    let p = db.path.parent().unwrap().join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn import_partners_then_leads_with_a_mapping() {
    let db = Db::new();
    let partners = write(
        &db,
        "partners.csv",
        "name,email,company\nAnn Agent,ann@agency.com,\"Agency, Inc.\"\nBob Broker,bob@agency.com,\n",
    );
    let r = db.json(&["import", "--table", "partners", &partners]);
    assert_eq!(r["imported"], 2);
    let leads = write(
        &db,
        "leads.csv",
        "Partner,Client,Mail,Value,Notes\nann@agency.com,Cleo,cleo@x.com,\"2,500.00\",hot\nbob@agency.com,Cleo Again,CLEO@x.com,10,\n",
    );
    // A dry run checks and keeps nothing.
    let map = "Partner=partner_email,Client=client_name,Mail=client_email,Value=estimated_value,Notes=";
    let dry = db.json(&["import", "--table", "leads", &leads, "--map", map, "--dry-run"]);
    assert_eq!((dry["valid"].as_u64(), dry["imported"].as_u64()), (Some(2), Some(0)));
    assert_eq!(db.counts()["leads"], 0);
    let out = db.ok(&["import", "--table", "leads", &leads, "--map", map]);
    assert!(out.contains("imported 2 leads"), "{out}");
    assert!(out.contains("Likely duplicates"), "{out}");
    assert_eq!(db.counts()["leads"], 2);
    let list = db.json(&["lead", "list"]);
    let again = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["client_name"] == "Cleo Again")
        .unwrap();
    assert!(again["possible_duplicate_of"].is_string(), "{again}");
}

#[test]
fn bad_rows_are_all_listed_and_nothing_is_imported() {
    let db = Db::new();
    db.partner("Ann", "ann@agency.com");
    let before = db.snapshot();
    let leads = write(
        &db,
        "leads.json",
        r#"[
  {"partner_email": "ann@agency.com", "client_name": "Good", "client_email": "good@x.com"},
  {"partner_email": "ann@agency.com", "client_name": "Bad", "client_email": "nope"},
  {"partner_email": "zed@agency.com", "client_name": "Who", "client_email": "who@x.com"}
]"#,
    );
    let o = db.run(&["import", "--table", "leads", &leads]);
    assert_eq!(o.status.code(), Some(3));
    let (out, err) = (stdout(&o), stderr(&o));
    assert!(
        err.contains("2 bad rows") && err.contains("nothing was imported"),
        "{err}"
    );
    assert!(out.contains("client_email") && out.contains("zed@agency.com"), "{out}");
    let o = db.run(&["import", "--table", "leads", &leads, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let lines: Vec<u64> = v["bad_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 4]);
    assert_eq!(db.snapshot(), before);
}

#[test]
fn refused_input_names_the_field() {
    let db = Db::new();
    let f = write(&db, "x.csv", "name,email\n");
    db.rejects(
        &["import", "--table", "plans", &f],
        3,
        "validation",
        Some("table"),
        &["applications"],
    );
    let t = write(&db, "x.txt", "name,email\n");
    db.rejects(
        &["import", "--table", "partners", &t],
        3,
        "validation",
        Some("file"),
        &[".csv"],
    );
    db.rejects(
        &["import", "--table", "partners", &f, "--map", "a=b"],
        3,
        "validation",
        Some("map"),
        &["not a field"],
    );
    db.rejects(
        &["import", "--table", "partners", "/no/such/file.csv"],
        1,
        "io",
        None,
        &["/no/such/file.csv"],
    );
}
