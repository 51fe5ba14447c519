use chrono::{TimeZone, Utc};
use partnerdesk_core::clock::ManualClock;
use partnerdesk_core::model::*;
use partnerdesk_core::store::Store;
use partnerdesk_core::workflow::{applications, leads};
use std::sync::Arc;

pub struct Env {
    pub store: Store,
    pub clock: ManualClock,
    _dir: tempfile::TempDir,
}

pub fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap());
    let store = Store::open(dir.path().join("t.db"), Arc::new(clock.clone())).unwrap();
    Env {
        store,
        clock,
        _dir: dir,
    }
}

impl Env {
    pub fn tick(&self) {
        self.clock.advance(chrono::Duration::seconds(61));
    }

    pub fn partner(&self, name: &str) -> Partner {
        self.tick();
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        self.store
            .write(|tx| {
                let a = applications::add(
                    tx,
                    &NewApplication {
                        name: name.into(),
                        email,
                        ..Default::default()
                    },
                )?;
                applications::approve(tx, a.id).map(|(_, p)| p)
            })
            .unwrap()
    }

    pub fn lead(&self, partner: PartnerId, client: &str, value: i64) -> Lead {
        self.tick();
        self.store
            .write(|tx| {
                leads::add(
                    tx,
                    &NewLead {
                        partner_id: partner,
                        client_name: client.into(),
                        client_email: format!("{}@client.example", client.to_lowercase().replace(' ', ".")),
                        business_name: Some(format!("{client} Ltd")),
                        estimated_value: value,
                        ..Default::default()
                    },
                )
            })
            .unwrap()
            .lead
    }

    pub fn move_to(
        &self,
        id: LeadId,
        to: LeadStatus,
        value: Option<i64>,
    ) -> partnerdesk_core::Result<leads::MoveOutcome> {
        self.tick();
        self.store.write(|tx| leads::move_to(tx, id, to, value))
    }

    pub fn invariants(&self) -> Vec<String> {
        self.store.read(partnerdesk_core::workflow::invariants::check).unwrap()
    }

    pub fn counts(&self) -> partnerdesk_core::queries::Counts {
        self.store.read(partnerdesk_core::queries::counts).unwrap()
    }
}

// ---- Helpers added for the rule and property tests (rules.rs, props.rs). ----

use partnerdesk_core::model::AuditEntry;
use partnerdesk_core::store::repo;
use partnerdesk_core::workflow::{commissions, partners};

impl Env {
    /// The highest audit sequence number so far (0 when the log is empty).
    pub fn audit_mark(&self) -> i64 {
        self.store
            .read(|c| Ok(c.query_row("SELECT COALESCE(MAX(seq), 0) FROM audit_log", [], |r| r.get(0))?))
            .unwrap()
    }

    /// Audit rows written after `mark`, oldest first.
    pub fn audit_since(&self, mark: i64) -> Vec<AuditEntry> {
        self.store
            .read(|c| {
                let mut s = c.prepare(
                    "SELECT seq, at, entity, entity_id, action, before, after FROM audit_log WHERE seq > ?1 ORDER BY seq",
                )?;
                let rows = s
                    .query_map([mark], |r| {
                        let before: Option<String> = r.get(5)?;
                        let after: Option<String> = r.get(6)?;
                        Ok(AuditEntry {
                            seq: r.get(0)?,
                            at: r.get(1)?,
                            entity: r.get(2)?,
                            entity_id: r.get(3)?,
                            action: r.get(4)?,
                            before: before.map(|s| serde_json::from_str(&s).unwrap()),
                            after: after.map(|s| serde_json::from_str(&s).unwrap()),
                        })
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(rows)
            })
            .unwrap()
    }

    /// Every row of every table (schema history included), as text: equal
    /// dumps mean nothing at all was written.
    pub fn dump(&self) -> Vec<String> {
        self.store
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
                    let rows: Vec<String> = s
                        .query_map([], |r| {
                            let mut line = format!("{t}:");
                            for i in 0..n {
                                let v: rusqlite::types::Value = r.get(i)?;
                                line.push_str(&format!(" {v:?}"));
                            }
                            Ok(line)
                        })?
                        .collect::<rusqlite::Result<_>>()?;
                    out.extend(rows);
                }
                Ok(out)
            })
            .unwrap()
    }

    pub fn get_partner(&self, id: PartnerId) -> Partner {
        self.store.read(|c| repo::partners::get(c, id)).unwrap()
    }

    pub fn get_lead(&self, id: LeadId) -> Lead {
        self.store.read(|c| repo::leads::get(c, id)).unwrap()
    }

    pub fn get_application(&self, id: ApplicationId) -> Application {
        self.store.read(|c| repo::applications::get(c, id)).unwrap()
    }

    pub fn get_commission(&self, id: CommissionId) -> Commission {
        self.store.read(|c| repo::commissions::get(c, id)).unwrap()
    }

    pub fn lead_commissions(&self, id: LeadId) -> Vec<Commission> {
        self.store.read(|c| repo::commissions::for_lead(c, id)).unwrap()
    }

    pub fn history(&self, id: LeadId) -> Vec<LeadMove> {
        self.store.read(|c| repo::leads::history(c, id)).unwrap()
    }

    /// Close a lead as won at its estimated value; returns its commission.
    pub fn win(&self, id: LeadId) -> Commission {
        self.move_to(id, LeadStatus::ClosedWon, None)
            .unwrap()
            .commission
            .expect("a win creates a commission")
    }

    pub fn approve(&self, ids: &[CommissionId]) -> partnerdesk_core::Result<Vec<Commission>> {
        self.tick();
        self.store.write(|tx| commissions::approve(tx, ids))
    }

    pub fn cancel(&self, id: CommissionId) -> partnerdesk_core::Result<Commission> {
        self.tick();
        self.store.write(|tx| commissions::cancel(tx, id))
    }

    pub fn payout(&self, ids: &[PartnerId]) -> partnerdesk_core::Result<Payout> {
        self.tick();
        self.store.write(|tx| commissions::payout(tx, ids))
    }

    /// The Standard group's hold (days; 0: approval by hand) and payout minimum (cents).
    pub fn payout_rules(&self, hold_days: i64, minimum: i64) {
        self.tick();
        self.store
            .write(|tx| {
                partnerdesk_core::workflow::payouts::set_group(
                    tx,
                    GroupId::STANDARD,
                    &GroupPayoutEdit {
                        hold_days: Some(hold_days),
                        payout_minimum: Some(minimum),
                        ..Default::default()
                    },
                )
            })
            .unwrap();
    }

    pub fn set_partner_status(&self, id: PartnerId, s: PartnerStatus) -> partnerdesk_core::Result<Partner> {
        self.tick();
        self.store.write(|tx| partners::set_status(tx, id, s))
    }

    pub fn set_setting(
        &self,
        key: &str,
        value: &str,
    ) -> partnerdesk_core::Result<partnerdesk_core::workflow::settings::Settings> {
        self.tick();
        self.store
            .write(|tx| partnerdesk_core::workflow::settings::set(tx, key, value))
    }

    /// Approve and pay one commission (its partner's other approved ones are paid too).
    pub fn pay(&self, c: &Commission) -> Payout {
        self.approve(&[c.id]).unwrap();
        self.payout(&[c.partner_id]).unwrap()
    }

    /// Run a write that must fail, and check that it wrote nothing at all.
    pub fn refused<T: std::fmt::Debug>(
        &self,
        f: impl FnOnce(&partnerdesk_core::store::Tx) -> partnerdesk_core::Result<T>,
    ) -> partnerdesk_core::Error {
        self.tick();
        let before = self.dump();
        let err = self.store.write(f).expect_err("the action should be refused");
        assert_eq!(self.dump(), before, "a refused action changed the database ({err})");
        err
    }

    /// The current time of the clock as stored in the database.
    pub fn now_text(&self) -> String {
        partnerdesk_core::clock::fmt_time(partnerdesk_core::clock::Clock::now(&self.clock))
    }
}

impl Env {
    /// A separate read-only connection to the database file, for
    /// [`data_version`]: its value changes exactly when another connection
    /// commits, so an unchanged value proves an action committed nothing.
    pub fn watcher(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(self.store.path(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
    }
}

pub fn data_version(watcher: &rusqlite::Connection) -> i64 {
    watcher.query_row("PRAGMA data_version", [], |r| r.get(0)).unwrap()
}

mod embedded {
    refinery::embed_migrations!("../../migrations");
}

/// A database file made by the migrations up to schema `version`, as an
/// older Partnerdesk left it (the test then adds its rows and opens it with
/// this build), and the folder that holds it.
pub fn old_database(version: i32) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    let mut conn = rusqlite::Connection::open(&db).unwrap();
    embedded::migrations::runner()
        .set_target(refinery::Target::Version(version))
        .set_grouped(true)
        .run(&mut conn)
        .unwrap();
    (dir, db)
}

/// How many migrations this build embeds.
pub fn embedded_migrations() -> usize {
    embedded::migrations::runner().get_migrations().len()
}
