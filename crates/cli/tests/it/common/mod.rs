//! Helpers for the CLI tests: every test gets its own database in a temp
//! folder and runs the real binary on it, as a user would.

use assert_cmd::cargo::cargo_bin_cmd;
use assert_cmd::Command;
use partnerdesk_core::clock::SystemClock;
use partnerdesk_core::model::{CommissionFilter, LeadFilter, PartnerFilter};
use partnerdesk_core::queries;
use partnerdesk_core::store::Store;
use partnerdesk_core::workflow::settings;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use tempfile::TempDir;

/// The binary, with no database chosen by the environment.
pub fn bin() -> Command {
    let mut c = cargo_bin_cmd!("partnerdesk");
    c.env_remove("PARTNERDESK_DB");
    c
}

pub struct Db {
    _dir: TempDir,
    pub path: PathBuf,
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

impl Db {
    /// A fresh, initialised database.
    pub fn new() -> Db {
        let db = Db::uninitialised();
        db.ok(&["init"]);
        db
    }

    /// A temp folder where the database does not exist yet.
    pub fn uninitialised() -> Db {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("partnerdesk.db");
        Db { _dir: dir, path }
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = bin();
        c.arg("--db").arg(&self.path).args(args);
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run partnerdesk")
    }

    /// Run, expect success, return stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "partnerdesk {args:?} failed ({:?}):\n{}{}",
            o.status.code(),
            stdout(&o),
            stderr(&o)
        );
        stdout(&o)
    }

    /// Run with `--json`, expect success, parse stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        let out = self.ok(&a);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("partnerdesk {args:?}: not JSON ({e}):\n{out}"))
    }

    /// Run a command that must be refused: check the exit code, that stderr
    /// says `error:` and contains every `needle`, that `--json` gives the
    /// error's kind and field on stdout, and that the database did not
    /// change at all (rows, values and the audit log). Returns stderr.
    pub fn rejects(&self, args: &[&str], code: i32, kind: &str, field: Option<&str>, needles: &[&str]) -> String {
        let before = self.snapshot();
        let mut a = args.to_vec();
        a.push("--json");
        let o = self.run(&a);
        let (out, err) = (stdout(&o), stderr(&o));
        assert_eq!(
            o.status.code(),
            Some(code),
            "partnerdesk {args:?}: expected exit code {code}\nstdout: {out}\nstderr: {err}"
        );
        assert!(err.starts_with("error: "), "partnerdesk {args:?}: stderr: {err}");
        for n in needles {
            assert!(
                err.contains(n),
                "partnerdesk {args:?}: stderr does not mention {n:?}: {err}"
            );
        }
        let v: Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("partnerdesk {args:?}: stdout not JSON ({e}): {out}"));
        assert_eq!(v["error"]["kind"], kind, "partnerdesk {args:?}: {v}");
        assert_eq!(v["error"]["field"], json!(field), "partnerdesk {args:?}: {v}");
        assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        let after = self.snapshot();
        assert!(
            before == after,
            "partnerdesk {args:?} changed the database:\nbefore: {before}\nafter: {after}"
        );
        err
    }

    /// Everything a command could change, read through core: row counts
    /// (the audit log included) and every row of every table a user touches.
    pub fn snapshot(&self) -> Value {
        snapshot(&self.path)
    }

    /// Counts of the main tables, through core.
    pub fn counts(&self) -> Value {
        self.snapshot()["counts"].clone()
    }

    /// Apply and approve: a new active bronze partner. Returns its id.
    pub fn partner(&self, name: &str, email: &str) -> String {
        let app = self.json(&["application", "add", "--name", name, "--email", email]);
        let app_id = app["id"].as_str().expect("application id").to_owned();
        let v = self.json(&["application", "approve", &app_id]);
        v["partner"]["id"].as_str().expect("partner id").to_owned()
    }

    /// A new lead of `partner`. Returns its id.
    pub fn lead(&self, partner: &str, client_email: &str, estimated: &str) -> String {
        let v = self.json(&[
            "lead",
            "add",
            "--partner",
            partner,
            "--client-name",
            "Client",
            "--client-email",
            client_email,
            "--estimated-value",
            estimated,
        ]);
        v["lead"]["id"].as_str().expect("lead id").to_owned()
    }

    /// Close a lead as won at `value`; returns the move's JSON.
    pub fn win(&self, lead: &str, value: &str) -> Value {
        self.json(&["lead", "move", lead, "closed_won", "--value", value])
    }

    pub fn partner_json(&self, id: &str) -> Value {
        self.json(&["partner", "show", id])["partner"].clone()
    }

    pub fn audit_len(&self) -> usize {
        self.json(&["audit", "list", "--limit", "10000"])
            .as_array()
            .expect("audit list is an array")
            .len()
    }
}

pub fn snapshot(path: &Path) -> Value {
    let store = Store::open(path, Arc::new(SystemClock)).expect("open the test database");
    let all = Some(10_000);
    store
        .read(|c| {
            Ok(json!({
                "counts": queries::counts(c)?,
                "applications": queries::applications(c, None, all, None)?,
                "partners": queries::partners(c, &PartnerFilter { limit: all, ..Default::default() })?,
                "leads": queries::leads(c, &LeadFilter { limit: all, ..Default::default() })?,
                "commissions": queries::commissions(c, &CommissionFilter { limit: all, ..Default::default() })?,
                "plans": queries::plans(c, None, all, None)?,
                "settings": settings::load(c)?,
            }))
        })
        .expect("read the test database")
}

/// The value of a "Label   value" line of a plain `show` output.
pub fn field<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(label)
                .filter(|rest| rest.starts_with("  "))
                .map(str::trim)
        })
        .unwrap_or_else(|| panic!("no {label:?} line in:\n{text}"))
}

/// A database of its own on the test PostgreSQL server (PARTNERDESK_TEST_PG_URL,
/// required when CI=true), dropped at the end; None to skip.
pub struct PgDb {
    admin: String,
    name: String,
    pub url: String,
}

impl PgDb {
    pub fn new(tag: &str) -> Option<PgDb> {
        let admin = match std::env::var("PARTNERDESK_TEST_PG_URL") {
            Ok(u) if !u.is_empty() => u,
            _ => {
                assert!(
                    std::env::var("CI").map_or(true, |v| v != "true"),
                    "PARTNERDESK_TEST_PG_URL is not set: in CI the PostgreSQL tests must run"
                );
                eprintln!("skipped: PARTNERDESK_TEST_PG_URL is not set (run through scripts/with-postgres.sh)");
                return None;
            }
        };
        let name = format!("pd_cli_{tag}_{}", std::process::id());
        let mut c = partnerdesk_core::exchange::pg::connect(&admin).unwrap();
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
        Some(PgDb { admin, name, url })
    }

    pub fn client(&self) -> postgres::Client {
        partnerdesk_core::exchange::pg::connect(&self.url).unwrap()
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Ok(mut c) = partnerdesk_core::exchange::pg::connect(&self.admin) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// The original system's five tables, as its Supabase project defines them.
pub const SUPABASE_ORIGINAL: &str = include_str!("../../../../core/tests/fixtures/supabase_original.sql");
