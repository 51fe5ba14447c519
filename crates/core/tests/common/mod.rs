#![allow(dead_code)]
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
