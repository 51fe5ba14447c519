//! The spreadsheet round trip as a user makes it: `export --format csv`, then
//! `import` of the files into a new database gives the same records (phones
//! the export guarded against formulas, ids and links included); a cell
//! edited in a spreadsheet-like reader comes back with `--update`.

use crate::common::Db;
use std::path::Path;
use std::process::Command;

/// The cells of a CSV file as Python's csv module reads them (with the BOM
/// a spreadsheet export starts with), keyed by the header.
fn read_csv(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let script = r#"
import csv, json, sys
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    print(json.dumps(list(csv.DictReader(f))))
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A database whose records hold what a round trip must keep: a phone that
/// starts with `+` (exported as `'+…`), accents, leads with cents.
fn source() -> Db {
    let db = Db::new();
    db.ok(&["demo", "--partners", "15", "--leads", "120", "--seed", "5"]);
    let app = db.json(&[
        "application",
        "add",
        "--name",
        "Zoë Ångström",
        "--email",
        "zoe@example.com",
        "--phone",
        "+1 555 619 2482",
    ]);
    let app = app["id"].as_str().unwrap().to_owned();
    let p = db.json(&["application", "approve", &app]);
    let p = p["partner"]["id"].as_str().unwrap().to_owned();
    db.ok(&[
        "lead",
        "add",
        "--partner",
        &p,
        "--client-name",
        "Café Crème",
        "--client-email",
        "cafe@client.example",
        "--phone",
        "+44 20 7946 0018",
        "--estimated-value",
        "1,234.56",
    ]);
    db
}

const FIELDS: &[(&str, &str, &[&str])] = &[
    (
        "applications",
        "partner_applications",
        &["id", "name", "email", "phone", "company", "status", "created_at"],
    ),
    (
        "partners",
        "partners",
        &[
            "id",
            "application_id",
            "name",
            "email",
            "phone",
            "status",
            "tier",
            "created_at",
        ],
    ),
    (
        "leads",
        "client_leads",
        &[
            "id",
            "partner_id",
            "client_name",
            "client_email",
            "client_phone",
            "estimated_value",
            "created_at",
        ],
    ),
];

#[test]
fn an_export_imports_into_a_new_database_with_its_ids_links_and_phones() {
    let src = source();
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().to_str().unwrap();
    src.ok(&["export", "--format", "csv", "--out", out_dir]);

    let copy = Db::new();
    for (table, file, _) in FIELDS {
        let path = out.path().join(format!("{file}.csv"));
        let report = copy.json(&["import", "--table", table, path.to_str().unwrap()]);
        assert_eq!(report["bad_rows"], serde_json::json!([]), "{table}");
        assert!(report["imported"].as_u64().unwrap() > 0, "{table}");
    }
    let again = tempfile::tempdir().unwrap();
    copy.ok(&["export", "--format", "csv", "--out", again.path().to_str().unwrap()]);
    for (table, file, fields) in FIELDS {
        let want = read_csv(&out.path().join(format!("{file}.csv")));
        let got = read_csv(&again.path().join(format!("{file}.csv")));
        assert_eq!(want.len(), got.len(), "{table}");
        for (w, g) in want.iter().zip(&got) {
            for f in *fields {
                assert_eq!(w[*f], g[*f], "{table}.{f}");
            }
        }
    }
    // The guarded phone was read back without its quote.
    let partners = read_csv(&again.path().join("partners.csv"));
    let zoe = partners.iter().find(|p| p["email"] == "zoe@example.com").unwrap();
    assert_eq!(zoe["phone"], "'+1 555 619 2482", "exported guarded, as before");
    let shown = copy.json(&["partner", "show", &zoe["id"]]);
    assert_eq!(shown["partner"]["phone"], "+1 555 619 2482", "{shown}");
}

#[test]
fn a_cell_edited_in_a_spreadsheet_comes_back_with_update() {
    let db = source();
    let out = tempfile::tempdir().unwrap();
    db.ok(&["export", "--format", "csv", "--out", out.path().to_str().unwrap()]);
    let path = out.path().join("partners.csv");
    // Edit one cell the way a spreadsheet saves the file: Python's csv
    // module, the BOM kept, every other cell written back as it was read.
    let script = r#"
import csv, sys
path = sys.argv[1]
with open(path, newline="", encoding="utf-8-sig") as f:
    rows = list(csv.reader(f))
col = rows[0].index("name")
rows[1][col] = "Édith Renamed"
with open(path, "w", newline="", encoding="utf-8-sig") as f:
    csv.writer(f).writerows(rows)
print(rows[1][rows[0].index("id")])
"#;
    let out_py = Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .expect("python3");
    assert!(out_py.status.success(), "{}", String::from_utf8_lossy(&out_py.stderr));
    let id = String::from_utf8(out_py.stdout).unwrap().trim().to_owned();
    let before = db.json(&["partner", "show", &id]);
    let old_name = before["partner"]["name"].as_str().unwrap().to_owned();
    let file = path.to_str().unwrap();

    // Without --update the rows name partners that exist: refused, named.
    let o = db.run(&["import", "--table", "partners", file, "--json"]);
    assert_eq!(o.status.code(), Some(3));
    let refused: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(refused["bad_rows"][0]["field"], "id");

    // The dry run lists the one change, old and new; nothing is written.
    let dry = db.json(&["import", "--table", "partners", file, "--update", "--dry-run"]);
    assert_eq!(dry["bad_rows"], serde_json::json!([]));
    assert_eq!(
        dry["updates"],
        serde_json::json!([{
            "line": 2,
            "id": id,
            "changes": [{"field": "name", "old": old_name, "new": "Édith Renamed"}],
        }])
    );
    assert_eq!(db.json(&["partner", "show", &id])["partner"]["name"], old_name.as_str());
    let text = db.ok(&["import", "--table", "partners", file, "--update", "--dry-run"]);
    assert!(text.contains("Édith Renamed") && text.contains(&old_name), "{text}");

    db.json(&["import", "--table", "partners", file, "--update"]);
    assert_eq!(db.json(&["partner", "show", &id])["partner"]["name"], "Édith Renamed");
    let audit = db.json(&["audit", "list", "--id", &id]);
    assert!(
        audit.as_array().unwrap().iter().any(|a| a["action"] == "update"),
        "{audit}"
    );
}

#[test]
fn decimal_commas_need_the_flag() {
    let db = Db::new();
    let p = db.partner("Ann Lee", "ann@example.com");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leads.csv");
    std::fs::write(
        &path,
        format!("partner_id,client_name,client_email,estimated_value\n{p},A,a@x.example,\"1.234,50\"\n{p},B,b@x.example,\"1,5\"\n"),
    )
    .unwrap();
    let file = path.to_str().unwrap();
    let o = db.run(&["import", "--table", "leads", file]);
    assert_eq!(o.status.code(), Some(3));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("ambiguous: write 1234.50") && text.contains("ambiguous: write 1.5"),
        "{text}"
    );
    let r = db.json(&["import", "--table", "leads", file, "--decimal-comma"]);
    assert_eq!(r["imported"], 2);
    let leads = db.json(&["lead", "list"]);
    let mut values: Vec<i64> = leads["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["estimated_value"].as_i64().unwrap())
        .collect();
    values.sort();
    assert_eq!(values, vec![150, 123_450]);
}
