//! Every write path does its side effects: after each kind of write the
//! audit log has exactly the expected new rows (with the record before and
//! as stored after), the incremental roll-ups equal a rebuild from the raw
//! tables, and every invariant holds. And the rules write only through
//! `workflow::write`.

use crate::common::{env, Env};
use partnerdesk_core::analytics::rollup;
use partnerdesk_core::exchange::import::{self, ImportFormat, ImportOptions, ImportTable};
use partnerdesk_core::model::*;
use partnerdesk_core::store::repo;
use partnerdesk_core::workflow::{applications, leads, partners, plans, write};
use partnerdesk_core::Error;
use serde::Serialize;
use serde_json::Value;

fn json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap()
}

/// The audit rows written after `mark` are exactly `expected` (entity, id,
/// action), the roll-ups equal a rebuild and no invariant is broken.
/// Returns the rows.
/// The e-mails a write queues (entity `outbox`, the automation tests'
/// subject) are left out.
fn wrote(e: &Env, mark: i64, expected: &[(Entity, &str, &str)]) -> Vec<AuditEntry> {
    let rows: Vec<AuditEntry> = e
        .audit_since(mark)
        .into_iter()
        .filter(|r| r.entity != "outbox" && r.entity != "automation")
        .collect();
    let got: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| (r.entity.clone(), r.entity_id.clone(), r.action.clone()))
        .collect();
    let want: Vec<(String, String, String)> = expected
        .iter()
        .map(|(en, id, a)| (en.as_str().to_owned(), (*id).to_owned(), (*a).to_owned()))
        .collect();
    assert_eq!(got, want, "audit rows");
    assert_rollups_rebuild(e);
    assert_eq!(e.invariants(), Vec::<String>::new());
    rows
}

/// The incremental roll-ups equal a recompute (run in a transaction that is
/// rolled back, so the next check starts from the incremental ones again).
fn assert_rollups_rebuild(e: &Env) {
    let incremental = e.store.read(rollup::dump).unwrap();
    let mut rebuilt = Vec::new();
    let rolled_back = e.store.write(|tx| {
        rollup::rebuild(tx)?;
        rebuilt = rollup::dump(tx)?;
        Err::<(), _>(Error::Conflict("rolled back".into()))
    });
    assert!(rolled_back.is_err());
    assert_eq!(incremental, rebuilt, "incremental roll-ups differ from a rebuild");
}

/// The row's images: `before` (None for a creation) and `after`.
fn images<B: Serialize, A: Serialize>(row: &AuditEntry, before: Option<&B>, after: &A) {
    assert_eq!(
        row.before,
        before.map(json),
        "before image of {} {}",
        row.entity,
        row.action
    );
    assert_eq!(
        row.after,
        Some(json(after)),
        "after image of {} {}",
        row.entity,
        row.action
    );
}

fn new_app(name: &str) -> NewApplication {
    NewApplication {
        name: name.into(),
        email: format!("{}@example.com", name.to_lowercase()),
        ..Default::default()
    }
}

fn import_csv(e: &Env, table: ImportTable, csv: &str) {
    e.tick();
    let r = import::import_bytes(
        &e.store,
        &ImportOptions::new(table, ImportFormat::Csv),
        csv.as_bytes(),
        &mut |_| true,
    )
    .unwrap();
    assert!(r.bad_rows.is_empty(), "{:?}", r.bad_rows);
}

#[test]
fn application_writes() {
    let e = env();
    let m = e.audit_mark();
    let app = e.store.write(|tx| applications::add(tx, &new_app("Ann"))).unwrap();
    let rows = wrote(&e, m, &[(Entity::Application, &app.id.to_string(), "create")]);
    images(&rows[0], None::<&()>, &e.get_application(app.id));
    assert_eq!(e.get_application(app.id), app);

    e.tick();
    let m = e.audit_mark();
    let input = NewApplication {
        company: Some("Ann & Co".into()),
        expected_referrals: Some(4),
        ..new_app("Ann")
    };
    let (edited, changes) = e.store.write(|tx| applications::edit(tx, app.id, &input)).unwrap();
    assert_eq!(changes.len(), 2);
    let rows = wrote(&e, m, &[(Entity::Application, &app.id.to_string(), "update")]);
    images(&rows[0], Some(&app), &edited);
    assert_eq!(e.get_application(app.id), edited);

    e.tick();
    let m = e.audit_mark();
    let reviewed = e.store.write(|tx| applications::review(tx, app.id)).unwrap();
    let rows = wrote(&e, m, &[(Entity::Application, &app.id.to_string(), "review")]);
    images(&rows[0], Some(&edited), &reviewed);

    e.tick();
    let m = e.audit_mark();
    let (approved, partner) = e.store.write(|tx| applications::approve(tx, app.id)).unwrap();
    let rows = wrote(
        &e,
        m,
        &[
            (Entity::Application, &app.id.to_string(), "approve"),
            (Entity::Partner, &partner.id.to_string(), "create"),
        ],
    );
    images(&rows[0], Some(&reviewed), &approved);
    images(&rows[1], None::<&()>, &e.get_partner(partner.id));

    e.tick();
    let other = e.store.write(|tx| applications::add(tx, &new_app("Bob"))).unwrap();
    e.tick();
    let m = e.audit_mark();
    let rejected = e.store.write(|tx| applications::reject(tx, other.id)).unwrap();
    let rows = wrote(&e, m, &[(Entity::Application, &other.id.to_string(), "reject")]);
    images(&rows[0], Some(&other), &rejected);
    assert_eq!(rejected.status, ApplicationStatus::Rejected);
}

#[test]
fn imported_partners_and_decided_applications_take_the_same_path() {
    let e = env();
    let m = e.audit_mark();
    import_csv(
        &e,
        ImportTable::Partners,
        "name,email,tier\nIda Import,ida@agency.example,gold\n",
    );
    let ida = e
        .store
        .read(|c| repo::partners::find_by_email(c, "ida@agency.example"))
        .unwrap()
        .unwrap();
    let rows = wrote(
        &e,
        m,
        &[
            (Entity::Partner, &ida.id.to_string(), "create"),
            (Entity::Database, "import", "import"),
        ],
    );
    images(&rows[0], None::<&()>, &ida);
    assert_eq!(ida.tier, Tier::Gold);

    // A row with its own id and creation time keeps its decision: created
    // pending, then moved, each with its audit row.
    let id = "0193a1b2-0000-7000-8000-0000000000a1";
    let m = e.audit_mark();
    import_csv(
        &e,
        ImportTable::Applications,
        &format!("id,name,email,status,created_at\n{id},Rae,rae@x.example,rejected,2025-06-01\n"),
    );
    let rows = wrote(
        &e,
        m,
        &[
            (Entity::Application, id, "create"),
            (Entity::Application, id, "import_status"),
            (Entity::Database, "import", "import"),
        ],
    );
    let stored = e.get_application(ApplicationId(uuid::Uuid::parse_str(id).unwrap()));
    assert_eq!(stored.status, ApplicationStatus::Rejected);
    let created = Application {
        status: ApplicationStatus::Pending,
        ..stored.clone()
    };
    images(&rows[0], None::<&()>, &created);
    images(&rows[1], Some(&created), &stored);
}

#[test]
fn partner_writes() {
    let e = env();
    let p = e.partner("Pam");
    e.tick();
    let m = e.audit_mark();
    let edit = partners::PartnerEdit {
        company: Some(Some("Pam Partners".into())),
        ..Default::default()
    };
    let (after, _) = e.store.write(|tx| partners::edit(tx, p.id, &edit)).unwrap();
    let rows = wrote(&e, m, &[(Entity::Partner, &p.id.to_string(), "update")]);
    images(&rows[0], Some(&p), &after);

    // Contact, status and tier in one edit: one audit row each.
    e.tick();
    let m = e.audit_mark();
    let edit = partners::PartnerEdit {
        name: Some("Pam P.".into()),
        status: Some(PartnerStatus::Paused),
        tier: Some(Tier::Platinum),
        ..Default::default()
    };
    e.store.write(|tx| partners::edit(tx, p.id, &edit)).unwrap();
    let rows = wrote(
        &e,
        m,
        &[
            (Entity::Partner, &p.id.to_string(), "update"),
            (Entity::Partner, &p.id.to_string(), "status"),
            (Entity::Partner, &p.id.to_string(), "tier"),
        ],
    );
    assert_eq!(rows[0].before, Some(json(&after)));
    assert_eq!(rows[0].after, rows[1].before);
    assert_eq!(rows[1].after, rows[2].before);
    assert_eq!(rows[2].after, Some(json(&e.get_partner(p.id))));

    e.tick();
    let m = e.audit_mark();
    let before = e.get_partner(p.id);
    let after = e.set_partner_status(p.id, PartnerStatus::Active).unwrap();
    let rows = wrote(&e, m, &[(Entity::Partner, &p.id.to_string(), "status")]);
    images(&rows[0], Some(&before), &after);

    e.tick();
    let m = e.audit_mark();
    let before = e.get_partner(p.id);
    let after = e.store.write(|tx| partners::set_tier(tx, p.id, Tier::Silver)).unwrap();
    let rows = wrote(&e, m, &[(Entity::Partner, &p.id.to_string(), "tier")]);
    assert_eq!(after.tier, Tier::Silver);
    images(&rows[0], Some(&before), &after);
}

#[test]
fn partner_changed_writes_every_field_with_one_audit_row() {
    let e = env();
    let p = e.partner("Max");
    let l = e.lead(p.id, "Cleo", 900_000);
    e.win(l.id);
    e.tick();
    let m = e.audit_mark();
    let before = e.get_partner(p.id);
    let wanted = Partner {
        name: "Max M.".into(),
        status: PartnerStatus::Terminated,
        tier: Tier::Gold,
        ..before.clone()
    };
    let stored = e
        .store
        .write(|tx| write::partner_changed(tx, &before, &wanted, "update"))
        .unwrap();
    let rows = wrote(&e, m, &[(Entity::Partner, &p.id.to_string(), "update")]);
    images(&rows[0], Some(&before), &stored);
    assert_eq!(
        (stored.name.as_str(), stored.status, stored.tier, stored.total_deals),
        ("Max M.", PartnerStatus::Terminated, Tier::Gold, 1)
    );
    assert_eq!(stored.updated_at, e.now_text());
}

#[test]
fn lead_writes() {
    let e = env();
    let p = e.partner("Lia");
    e.tick();
    let m = e.audit_mark();
    let added = e
        .store
        .write(|tx| {
            leads::add(
                tx,
                &NewLead {
                    partner_id: p.id,
                    client_name: "Carl".into(),
                    client_email: "carl@client.example".into(),
                    estimated_value: 250_000,
                    ..Default::default()
                },
            )
        })
        .unwrap();
    let l = added.lead;
    let rows = wrote(&e, m, &[(Entity::Lead, &l.id.to_string(), "create")]);
    images(&rows[0], None::<&()>, &e.get_lead(l.id));
    let h = e.history(l.id);
    assert_eq!(h.len(), 1);
    assert_eq!(
        (h[0].from_status, h[0].to_status, h[0].at.as_str(), h[0].reopen),
        (None, LeadStatus::Prospect, l.created_at.as_str(), false)
    );

    // A new value moves the open stage's value; a name alone does not.
    for edit in [
        leads::LeadEdit {
            estimated_value: Some(400_000),
            ..Default::default()
        },
        leads::LeadEdit {
            client_name: Some("Carl C.".into()),
            ..Default::default()
        },
    ] {
        e.tick();
        let m = e.audit_mark();
        let before = e.get_lead(l.id);
        let (after, changes) = e.store.write(|tx| leads::edit(tx, l.id, &edit)).unwrap();
        assert_eq!(changes.len(), 1);
        let rows = wrote(&e, m, &[(Entity::Lead, &l.id.to_string(), "update")]);
        images(&rows[0], Some(&before), &after);
    }

    for (to, action) in [
        (LeadStatus::Qualified, "move"),
        (LeadStatus::ClosedLost, "move"),
        (LeadStatus::Negotiating, "reopen"),
    ] {
        let m = e.audit_mark();
        let before = e.get_lead(l.id);
        let out = e.move_to(l.id, to, None).unwrap();
        let rows = wrote(&e, m, &[(Entity::Lead, &l.id.to_string(), action)]);
        images(&rows[0], Some(&before), &out.lead);
        assert_eq!(out.lead.closed_at.is_some(), to.is_closed());
        let last = e.history(l.id).pop().unwrap();
        assert_eq!(
            (last.from_status, last.to_status, last.reopen),
            (Some(before.status), to, action == "reopen")
        );
    }
}

#[test]
fn a_win_writes_the_lead_the_commission_and_the_totals_or_promotion() {
    let e = env();
    let p = e.partner("Wes");
    let first = e.lead(p.id, "Una", 300_000);
    let m = e.audit_mark();
    let out = e.move_to(first.id, LeadStatus::ClosedWon, None).unwrap();
    let c = out.commission.clone().unwrap();
    let rows = wrote(
        &e,
        m,
        &[
            (Entity::Lead, &first.id.to_string(), "move"),
            (Entity::Commission, &c.id.to_string(), "create"),
            (Entity::Partner, &p.id.to_string(), "totals"),
        ],
    );
    images(&rows[1], None::<&()>, &c);
    assert_eq!(e.get_commission(c.id), c);
    assert_eq!((c.commission_amount, c.commission_rate), (30_000, 1000));
    images(&rows[2], Some(&p), &e.get_partner(p.id));
    assert_eq!(out.promoted_to, None);

    let m = e.audit_mark();
    e.set_setting("tier.silver.min_deals", "2").unwrap();
    wrote(&e, m, &[(Entity::Setting, "tier.silver.min_deals", "set")]);

    let second = e.lead(p.id, "Vic", 500_000);
    let before = e.get_partner(p.id);
    let m = e.audit_mark();
    let out = e.move_to(second.id, LeadStatus::ClosedWon, Some(600_000)).unwrap();
    let c = out.commission.clone().unwrap();
    let rows = wrote(
        &e,
        m,
        &[
            (Entity::Lead, &second.id.to_string(), "move"),
            (Entity::Commission, &c.id.to_string(), "create"),
            (Entity::Partner, &p.id.to_string(), "promote"),
        ],
    );
    assert_eq!(out.promoted_to, Some(Tier::Silver));
    let after = e.get_partner(p.id);
    images(&rows[2], Some(&before), &after);
    assert_eq!(
        (after.tier, after.total_deals, after.total_earnings),
        (Tier::Silver, 2, 90_000)
    );

    // A reopened lost deal won: a reopen, then the win's rows.
    let third = e.lead(p.id, "Wyn", 100_000);
    e.move_to(third.id, LeadStatus::ClosedLost, None).unwrap();
    let m = e.audit_mark();
    let out = e.move_to(third.id, LeadStatus::ClosedWon, None).unwrap();
    let c = out.commission.unwrap();
    assert_eq!(c.commission_rate, 1250);
    wrote(
        &e,
        m,
        &[
            (Entity::Lead, &third.id.to_string(), "reopen"),
            (Entity::Commission, &c.id.to_string(), "create"),
            (Entity::Partner, &p.id.to_string(), "totals"),
        ],
    );
}

#[test]
fn commission_writes() {
    let e = env();
    let p = e.partner("Cy");
    let paid_lead = e.lead(p.id, "Dee", 800_000);
    let c = e.win(paid_lead.id);

    let m = e.audit_mark();
    let approved = e.approve(&[c.id]).unwrap().remove(0);
    let rows = wrote(&e, m, &[(Entity::Commission, &c.id.to_string(), "approve")]);
    images(&rows[0], Some(&c), &approved);

    let m = e.audit_mark();
    let payout = e.payout(&[p.id]).unwrap();
    let rows = wrote(
        &e,
        m,
        &[
            (Entity::Commission, &c.id.to_string(), "pay"),
            (Entity::Payout, &payout.id.to_string(), "create"),
        ],
    );
    let paid = e.get_commission(c.id);
    assert_eq!((paid.status, paid.payout_id), (CommissionStatus::Paid, Some(payout.id)));
    images(&rows[0], Some(&approved), &paid);
    // The payout's image, with its run: who was paid, under which self-billing number.
    let mut image = json(&payout);
    image["run"] = serde_json::json!({
        "run_id": payout.id,
        "total": 80_000,
        "currency": "USD",
        "paid": [{
            "partner_id": p.id,
            "balance": 80_000,
            "commission_count": 1,
            "minimum": 5_000,
            "brought_forward": 0,
            "reason": null,
            "document_number": "SB-2026-000001",
        }],
        "skipped": [],
    });
    assert_eq!((rows[1].before.as_ref(), rows[1].after.as_ref()), (None, Some(&image)));

    // Reopening a paid deal claws it back.
    let m = e.audit_mark();
    let before = e.get_partner(p.id);
    let out = e.move_to(paid_lead.id, LeadStatus::Negotiating, None).unwrap();
    let claw = out.clawback.unwrap();
    let rows = wrote(
        &e,
        m,
        &[
            (Entity::Commission, &claw.id.to_string(), "clawback"),
            (Entity::Lead, &paid_lead.id.to_string(), "reopen"),
            (Entity::Partner, &p.id.to_string(), "totals"),
        ],
    );
    images(&rows[0], None::<&()>, &claw);
    assert_eq!(
        (
            claw.kind,
            claw.commission_amount,
            claw.project_value,
            claw.commission_rate
        ),
        (
            CommissionKind::Clawback,
            -c.commission_amount,
            c.project_value,
            c.commission_rate
        )
    );
    images(&rows[2], Some(&before), &e.get_partner(p.id));

    // Reopening an unpaid win cancels its commission.
    let open_lead = e.lead(p.id, "Eli", 200_000);
    let c = e.win(open_lead.id);
    let m = e.audit_mark();
    let out = e.move_to(open_lead.id, LeadStatus::ClosedLost, None).unwrap();
    let cancelled = out.cancelled.unwrap();
    let rows = wrote(
        &e,
        m,
        &[
            (Entity::Commission, &c.id.to_string(), "cancel"),
            (Entity::Lead, &open_lead.id.to_string(), "reopen"),
            (Entity::Partner, &p.id.to_string(), "totals"),
        ],
    );
    images(&rows[0], Some(&c), &cancelled);

    // Cancelling by hand.
    let lead = e.lead(p.id, "Fay", 150_000);
    let c = e.win(lead.id);
    let approved = e.approve(&[c.id]).unwrap().remove(0);
    let m = e.audit_mark();
    let before = e.get_partner(p.id);
    let cancelled = e.cancel(c.id).unwrap();
    let rows = wrote(
        &e,
        m,
        &[
            (Entity::Commission, &c.id.to_string(), "cancel"),
            (Entity::Partner, &p.id.to_string(), "totals"),
        ],
    );
    images(&rows[0], Some(&approved), &cancelled);
    images(&rows[1], Some(&before), &e.get_partner(p.id));
}

#[test]
fn plan_writes() {
    let e = env();
    let p = e.partner("Gus");
    let l = e.lead(p.id, "Hal", 100_000);
    e.tick();
    let m = e.audit_mark();
    let plan = e
        .store
        .write(|tx| {
            plans::add(
                tx,
                &NewPlan {
                    client_lead_id: l.id,
                    business_name: None,
                    industry: "Retail".into(),
                    features: vec!["Catalogue".into(), "Checkout".into()],
                    timeline_estimate: "8 weeks".into(),
                    investment_range: "$10k-$20k".into(),
                },
            )
        })
        .unwrap();
    let rows = wrote(&e, m, &[(Entity::Plan, &plan.id.to_string(), "create")]);
    images(&rows[0], None::<&()>, &plan);

    let id = plan.id;
    let patch = plans::PlanPatch {
        industry: Some("Food".into()),
        ..Default::default()
    };
    let updated = plan_step(&e, &plan, "update", |tx| plans::update(tx, id, &patch));
    assert_eq!(updated.industry, "Food");
    let generated = plan_step(&e, &updated, "generate", |tx| plans::generate(tx, id));
    assert!(generated.generated_content.is_some());
    let sent = plan_step(&e, &generated, "status", |tx| {
        plans::set_status(tx, id, PlanStatus::Sent)
    });
    assert_eq!(sent.status, PlanStatus::Sent);
}

/// One write of a plan: one audit row `action` from `before` to the plan as
/// stored, updated now.
fn plan_step(
    e: &Env,
    before: &AppPlan,
    action: &str,
    f: impl FnOnce(&partnerdesk_core::store::Tx) -> partnerdesk_core::Result<AppPlan>,
) -> AppPlan {
    e.tick();
    let m = e.audit_mark();
    let after = e.store.write(f).unwrap();
    let rows = wrote(e, m, &[(Entity::Plan, &before.id.to_string(), action)]);
    images(&rows[0], Some(before), &after);
    let stored = e.store.read(|c| repo::plans::get(c, before.id)).unwrap();
    assert_eq!(stored, after);
    assert_eq!(stored.updated_at, e.now_text());
    after
}

#[test]
fn setting_writes() {
    let e = env();
    let before = e.store.read(partnerdesk_core::workflow::settings::load).unwrap();
    let m = e.audit_mark();
    let after = e.set_setting("currency", "eur").unwrap();
    let rows = wrote(&e, m, &[(Entity::Setting, "currency", "set")]);
    images(&rows[0], Some(&before), &after);
    assert_eq!(after.currency, "EUR");
}

/// The rules write only through `workflow::write`: no other workflow module
/// calls a repo write, the audit log or a roll-up hook itself.
#[test]
fn the_rules_write_only_through_the_write_module() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/workflow");
    let side_effects = ["audit::record", "rollup::on_", "insert_move", "set_totals"];
    let repo_writes = [
        "::insert(",
        "::insert_payout(",
        "::set_status(",
        "::set_tier(",
        "::update(",
        "::update_contact(",
        "::update_details(",
        "::mark_paid(",
        "::put(",
        "::insert_group(",
        "::update_group(",
        "::insert_version(",
        "::set_partner_group(",
        "::upsert_retainer(",
        "::end_retainer(",
        "::rerate(",
        "::set_group_payout(",
        "::set_tax(",
        "::insert_entry(",
        "::insert_conflict(",
        "::resolve_conflict(",
    ];
    let mut found = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "rs") || path.ends_with("write.rs") {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let hit = side_effects.iter().any(|s| line.contains(s))
                || (line.contains("repo::") && repo_writes.iter().any(|s| line.contains(s)));
            if hit {
                found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(files >= 8, "the workflow modules were not found in {}", dir.display());
    assert!(
        found.is_empty(),
        "writes outside workflow::write:\n{}",
        found.join("\n")
    );
}
