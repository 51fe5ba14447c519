//! Data safety and exchange from the command line: backup create / list /
//! verify / restore, export, statement, payout file.

use crate::common::{bin, stderr, stdout, Db};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A small RFC 4180 reader (the test's own, independent of the writer):
/// records of fields; quoted fields may hold commas, quotes and line breaks.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
        } else {
            match c {
                '"' => quoted = true,
                ',' => row.push(std::mem::take(&mut field)),
                '\r' => {
                    assert_eq!(chars.next(), Some('\n'), "CR not followed by LF");
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                '\n' => panic!("a bare LF ends a record: RFC 4180 wants CRLF"),
                c => field.push(c),
            }
        }
    }
    assert!(field.is_empty() && row.is_empty(), "the last record has no CRLF");
    rows
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let body = text
        .strip_prefix('\u{feff}')
        .expect("UTF-8 byte-order mark for spreadsheets");
    parse_csv(body)
}

fn dir_of(db: &Db) -> PathBuf {
    db.path.parent().unwrap().to_path_buf()
}

#[test]
fn backup_create_list_verify_restore_and_undo() {
    let db = Db::new();
    let a = db.partner("Ann Able", "ann@able.example");
    let made = db.json(&["backup", "create"]);
    let file = made["path"].as_str().unwrap().to_owned();
    assert!(
        file.contains("/backups/partnerdesk-") && file.ends_with("-manual.db"),
        "{file}"
    );
    // The first command of the day also took the daily backup.
    let list = db.json(&["backup", "list", "--verify"]);
    let kinds: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"manual") && kinds.contains(&"daily"), "{list}");
    assert!(list.as_array().unwrap().iter().all(|b| b["ok"] == true), "{list}");
    let plain = db.ok(&["backup", "list"]);
    assert!(plain.contains("manual") && plain.contains("SIZE"), "{plain}");
    assert!(db.ok(&["backup", "verify", &file]).contains("ok"));

    let b = db.partner("Bob Baker", "bob@baker.example");
    assert_eq!(db.counts()["partners"], 2);
    let out = db.ok(&["backup", "restore", &file]);
    assert!(out.contains("to undo"), "{out}");
    assert_eq!(db.counts()["partners"], 1);
    assert_eq!(db.partner_json(&a)["name"], "Ann Able");
    // Undo: the file set aside holds Bob.
    let aside = out
        .lines()
        .find_map(|l| l.strip_prefix("The previous database was kept as "))
        .and_then(|l| l.split(';').next())
        .unwrap()
        .to_owned();
    db.ok(&["backup", "restore", &aside]);
    assert_eq!(db.counts()["partners"], 2);
    assert_eq!(db.partner_json(&b)["name"], "Bob Baker");
    assert!(db.ok(&["doctor"]).contains("all hold"));
}

#[test]
fn a_bad_backup_fails_verify_and_is_not_restored() {
    let db = Db::new();
    db.partner("Ann Able", "ann@able.example");
    let junk = dir_of(&db).join("junk.db");
    std::fs::write(&junk, b"SQLite format 3\0 but then nonsense, not pages").unwrap();
    let o = db.run(&["backup", "verify", junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is not a good backup"), "{}", stderr(&o));
    assert!(stdout(&o).contains("FAILED"));
    let before = db.snapshot();
    let o = db.run(&["backup", "restore", junk.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["error"]["kind"], "corrupt");
    assert_eq!(db.snapshot(), before);
    let o = db.run(&["backup", "verify", "/no/such/file.db"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/no/such/file.db"));
}

#[test]
fn a_damaged_database_names_the_newest_good_backup_and_the_command_that_restores_it() {
    let db = Db::new();
    db.partner("Ann Able", "ann@able.example");
    let good = db.json(&["backup", "create"])["path"].as_str().unwrap().to_owned();
    let garbage: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8)
        .collect();
    std::fs::write(&db.path, &garbage).unwrap();
    let o = db.run(&["partner", "list", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.starts_with("error: the database cannot be used"), "{err}");
    assert!(err.contains(&format!("the newest good backup is {good}")), "{err}");
    let hint = format!("partnerdesk --db {} backup restore {good}", db.path.display());
    assert!(err.contains(&hint), "{err}");
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["error"]["kind"], "corrupt");
    assert_eq!(
        std::fs::read(&db.path).unwrap(),
        garbage,
        "the damaged file was changed"
    );
    // The suggested command works.
    db.ok(&["backup", "restore", &good]);
    assert_eq!(db.counts()["partners"], 1);
}

#[test]
fn databases_in_one_folder_list_and_are_offered_only_their_own_backups() {
    let db = Db::new();
    db.partner("Ann Able", "ann@able.example");
    let other = dir_of(&db).join("agency.db");
    let on_other = |args: &[&str]| {
        let o = bin().arg("--db").arg(&other).args(args).output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        o
    };
    on_other(&["init"]);
    let theirs = serde_json::from_str::<Value>(&stdout(&on_other(&["backup", "create", "--json"]))).unwrap();
    let theirs = theirs["path"].as_str().unwrap().to_owned();
    // Ours is the newer one: "the newest good backup" must still be theirs for agency.db.
    db.ok(&["backup", "create"]);
    let names = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|b| b["file_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let ours_listed = names(db.json(&["backup", "list"]));
    let theirs_listed = names(serde_json::from_str(&stdout(&on_other(&["backup", "list", "--json"]))).unwrap());
    assert!(
        !ours_listed.is_empty() && ours_listed.iter().all(|n| n.starts_with("partnerdesk-")),
        "{ours_listed:?}"
    );
    assert!(
        !theirs_listed.is_empty() && theirs_listed.iter().all(|n| n.starts_with("agency-")),
        "{theirs_listed:?}"
    );
    assert!(theirs.contains("/backups/agency-"), "{theirs}");

    std::fs::write(&other, vec![0x5au8; 20_000]).unwrap();
    let o = bin()
        .arg("--db")
        .arg(&other)
        .args(["partner", "list"])
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("the newest good backup is {theirs}")), "{err}");
}

#[test]
fn export_writes_every_table_as_spreadsheet_csv_and_as_json() {
    let db = Db::new();
    let p = db.partner("=HYPERLINK(\"x\"), \"Quoted\" Name", "eve@evil.example");
    let lead = db.json(&[
        "lead",
        "add",
        "--partner",
        &p,
        "--client-name",
        "Line One\nLine Two",
        "--client-email",
        "c@client.example",
        "--business",
        "Comma, Inc.",
        "--phone",
        "+1 555 0100",
        "--estimated-value",
        "1234.5",
    ])["lead"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    db.win(&lead, "1234.50");
    let out = dir_of(&db).join("export");
    let report = db.json(&["export", "--format", "csv", "--out", out.to_str().unwrap()]);
    let files = report["files"].as_array().unwrap();
    let names: Vec<&str> = files.iter().map(|f| f["table"].as_str().unwrap()).collect();
    for t in [
        "partner_applications",
        "partners",
        "client_leads",
        "commissions",
        "payouts",
        "app_plans_partnership",
        "audit_log",
        "lead_status_history",
        "settings",
    ] {
        assert!(names.contains(&t), "{t} missing from {names:?}");
    }
    let leads = read_csv(&out.join("client_leads.csv"));
    let h = &leads[0];
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    assert_eq!(leads.len(), 2);
    let row = &leads[1];
    assert_eq!(row[col("id")], lead);
    assert_eq!(row[col("client_name")], "Line One\nLine Two");
    assert_eq!(row[col("business_name")], "Comma, Inc.");
    assert_eq!(row[col("estimated_value")], "1234.50");
    assert_eq!(row[col("client_phone")], "'+1 555 0100", "formula guard on text");
    let partners = read_csv(&out.join("partners.csv"));
    let pc = |n: &str| partners[0].iter().position(|c| c == n).unwrap();
    assert_eq!(partners[1][pc("name")], "'=HYPERLINK(\"x\"), \"Quoted\" Name");
    let coms = read_csv(&out.join("commissions.csv"));
    let cc = |n: &str| coms[0].iter().position(|c| c == n).unwrap();
    assert_eq!(coms[1][cc("commission_amount")], "123.45");
    assert_eq!(coms[1][cc("commission_rate")], "10.00");
    // Every file has as many records as the table has rows.
    for f in files {
        let rows = read_csv(Path::new(f["path"].as_str().unwrap()));
        assert_eq!(rows.len() as u64 - 1, f["rows"].as_u64().unwrap(), "{f}");
    }
    // JSON, one table: amounts in cents.
    let jout = dir_of(&db).join("json");
    db.json(&[
        "export",
        "--format",
        "json",
        "--out",
        jout.to_str().unwrap(),
        "--table",
        "commissions",
    ]);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(jout.join("commissions.json")).unwrap()).unwrap();
    assert_eq!(v[0]["commission_amount"], 12345);
    assert_eq!(v[0]["commission_rate"], 1000);
    assert_eq!(std::fs::read_dir(&jout).unwrap().count(), 1);
    // Bad input: the field is named, nothing is written.
    db.rejects(
        &["export", "--format", "xlsx", "--out", "x"],
        3,
        "validation",
        Some("format"),
        &["csv or json"],
    );
    db.rejects(
        &[
            "export",
            "--format",
            "csv",
            "--out",
            jout.to_str().unwrap(),
            "--table",
            "nope",
        ],
        3,
        "validation",
        Some("table"),
        &["unknown table"],
    );
}

/// Two partners paid in one batch: each one's statement holds only their own.
#[test]
fn a_statement_holds_one_partner_and_nothing_of_another() {
    let db = Db::new();
    let a = db.partner("Ann <b>Able</b>", "ann@able.example");
    let b = db.partner("Bob Baker", "bob@baker.example");
    let la = db.lead(&a, "client.a@x.example", "1000");
    let lb = db.lead(&b, "client.b@y.example", "3000");
    let ca = db.win(&la, "1000")["commission"]["id"].as_str().unwrap().to_owned();
    let cb = db.win(&lb, "3000")["commission"]["id"].as_str().unwrap().to_owned();
    db.ok(&["commission", "approve", &ca, &cb]);
    let pay = db.json(&["payout", "create", "--partner", &a, "--partner", &b]);
    let payout_id = pay["id"].as_str().unwrap().to_owned();
    let lb2 = db.lead(&b, "client.b2@y.example", "500");

    let csv_path = dir_of(&db).join("ann.csv");
    let html_path = dir_of(&db).join("ann.html");
    let s = db.json(&["statement", &a, "--out", csv_path.to_str().unwrap()]);
    assert_eq!(
        (s["leads"].as_u64(), s["commissions"].as_u64(), s["payouts"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    db.ok(&["statement", &a, "--out", html_path.to_str().unwrap()]);
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let html = std::fs::read_to_string(&html_path).unwrap();
    for text in [&csv, &html] {
        assert!(
            text.contains(&la) || text.contains("client.a") || text.contains("Client"),
            "own lead"
        );
        for other in [
            b.as_str(),
            lb.as_str(),
            lb2.as_str(),
            cb.as_str(),
            "Bob",
            "baker",
            "300.00",
            "400.00",
        ] {
            assert!(
                !text.contains(other),
                "another partner's {other:?} in the statement:\n{text}"
            );
        }
    }
    let rows = read_csv(&csv_path);
    let section = |s: &str| rows.iter().filter(|r| r[0] == s).count();
    assert_eq!((section("lead"), section("commission"), section("payout")), (1, 1, 1));
    let payout_row = rows.iter().find(|r| r[0] == "payout").unwrap();
    assert_eq!(payout_row[1], payout_id);
    assert_eq!(payout_row[7], "100.00", "Ann's share, not the batch total (400.00)");
    assert!(
        html.contains("Ann &lt;b&gt;Able&lt;/b&gt;") && !html.contains("<b>Able"),
        "escaped"
    );
    assert!(html.contains("USD 100.00"));
    db.rejects(
        &["statement", &a, "--out", "ann.pdf"],
        3,
        "validation",
        Some("out"),
        &[".csv or .html"],
    );
}

#[test]
fn payout_create_writes_the_mass_payout_file_of_the_batch() {
    let db = Db::new();
    let a = db.partner("Ann Able", "ann@able.example");
    let b = db.partner("Bob Baker", "bob@baker.example");
    let mut coms = Vec::new();
    for (p, v) in [(&a, "1000"), (&a, "234.50"), (&b, "3000")] {
        let l = db.lead(p, &format!("{}{}@c.example", &p[..8], v), v);
        coms.push(db.win(&l, v)["commission"]["id"].as_str().unwrap().to_owned());
    }
    let mut args = vec!["commission", "approve"];
    args.extend(coms.iter().map(String::as_str));
    db.ok(&args);
    let file = dir_of(&db).join("batch.csv");
    // A wrong file name is refused before anything is paid.
    db.rejects(
        &["payout", "create", "--partner", &a, "--out", "batch.txt"],
        3,
        "validation",
        Some("out"),
        &[".csv"],
    );
    let p = db.json(&[
        "payout",
        "create",
        "--partner",
        &a,
        "--partner",
        &b,
        "--out",
        file.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.starts_with('\u{feff}'),
        "no byte-order mark for the payout service"
    );
    let rows = parse_csv(&text);
    assert_eq!(rows.len(), 2, "one line per partner, no header: {text}");
    assert_eq!(rows[0][..3], ["ann@able.example", "123.45", "USD"]);
    assert_eq!(rows[1][..3], ["bob@baker.example", "300.00", "USD"]);
    for r in &rows {
        assert_eq!(r.len(), 6);
        assert!(r[3].starts_with("PD-") && r[3].len() <= 30 && !r[3].contains(' '));
        assert!(r[4].contains(p["id"].as_str().unwrap()));
        assert_eq!(r[5], "PAYPAL");
    }
    assert_eq!(p["total_amount"], 42345);
    // The same file again from the stored batch.
    let again = dir_of(&db).join("again.csv");
    db.ok(&[
        "payout",
        "file",
        &p["id"].as_str().unwrap()[..8],
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&again).unwrap(), text);
}
