//! Workflow automation in core: templates and their merge fields, the
//! e-mails each change queues in its own transaction, the timed rules of
//! `run-due` (once per subject, by the clock, never by sleeping), tasks,
//! the outbox's states and the never-twice rule, and the data travelling
//! (sync feed, migration of an existing database).

use crate::common::{env, Env};
use chrono::Duration;
use partnerdesk_core::model::*;
use partnerdesk_core::store::repo;
use partnerdesk_core::workflow::automation::{outbox, tasks, templates, timed};
use partnerdesk_core::workflow::{accruals, applications, rules};
use partnerdesk_core::Error;

fn mail_env() -> Env {
    let e = env();
    e.set_setting("smtp.from", "Agency <partners@agency.example>").unwrap();
    e
}

fn queued(e: &Env) -> Vec<OutboxMessage> {
    let mut v = e
        .store
        .read(|c| outbox::list(c, Some(OutboxStatus::Queued), None))
        .unwrap();
    v.reverse();
    v
}

fn events(e: &Env) -> Vec<String> {
    queued(e).into_iter().map(|m| m.event).collect()
}

fn run_due(e: &Env) -> accruals::DueRun {
    e.store.write(accruals::run_due).unwrap()
}

/// Without SMTP settings the e-mails are queued all the same: sending says
/// what is missing and keeps them, and each can be saved as an `.eml`.
#[test]
fn without_smtp_settings_the_emails_wait_in_the_outbox() {
    let e = env();
    e.partner("Ann Able");
    assert_eq!(
        events(&e),
        ["application_received", "application_approved", "welcome_day0"]
    );
    let report = partnerdesk_core::mail::send_due(&e.store, true).unwrap();
    assert!(report.sent.is_empty());
    assert!(
        report.error.as_deref().unwrap_or_default().contains("smtp.from"),
        "{report:?}"
    );
    assert_eq!(report.queued, 3);
    let m = &queued(&e)[1];
    assert_eq!(m.last_error.as_deref(), report.error.as_deref());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("approved.eml");
    partnerdesk_core::mail::save_eml(&e.store, m.id, &path).unwrap();
    let eml = std::fs::read_to_string(&path).unwrap();
    assert!(eml.contains("sender-not-set@partnerdesk.invalid"), "{eml}");
    assert!(eml.contains("ann.able@example.com"), "{eml}");
    assert_eq!(queued(&e).len(), 3, "saving sends nothing");
}

#[test]
fn approval_queues_the_approval_and_the_first_welcome_in_the_same_transaction() {
    let e = mail_env();
    let p = e.partner("Ann Able");
    assert_eq!(
        events(&e),
        ["application_received", "application_approved", "welcome_day0"]
    );
    let approval = &queued(&e)[1];
    assert_eq!(approval.recipient, "ann.able@example.com");
    assert_eq!(approval.recipient_name.as_deref(), Some("Ann Able"));
    assert!(approval.subject.contains("Ann Able"));
    assert!(approval.body.contains("bronze partner in the Standard group"));
    assert_eq!(approval.message_id, format!("<{}@agency.example>", approval.id));
    assert_eq!(approval.entity_id.as_deref(), Some(p.id.to_string().as_str()));
    // A refused approval leaves no e-mail either.
    let app = e
        .store
        .write(|tx| {
            applications::add(
                tx,
                &NewApplication {
                    name: "Dup".into(),
                    email: "dup@example.com".into(),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    let before = queued(&e).len();
    let err = e.store.write(|tx| -> partnerdesk_core::Result<()> {
        applications::approve(tx, app.id)?;
        Err(Error::Conflict("rolled back".into()))
    });
    assert!(err.is_err());
    assert_eq!(queued(&e).len(), before);
    assert_eq!(e.invariants(), Vec::<String>::new());
}

#[test]
fn rejection_promotion_commission_payout_and_rate_change_each_queue_their_email() {
    let e = mail_env();
    let app = e
        .store
        .write(|tx| {
            applications::add(
                tx,
                &NewApplication {
                    name: "Rex Reject".into(),
                    email: "rex@example.com".into(),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    e.store
        .write(|tx| applications::reject_because(tx, app.id, Some("We only take agencies.")))
        .unwrap();
    let rej = queued(&e)
        .into_iter()
        .find(|m| m.event == "application_rejected")
        .unwrap();
    assert!(rej.body.contains("We only take agencies."), "{}", rej.body);

    let p = e.partner("Pam Paid");
    let mut last = None;
    for i in 0..3 {
        let l = e.lead(p.id, &format!("Client {i}"), 500_000);
        last = Some(e.win(l.id));
    }
    let evs = events(&e);
    assert_eq!(evs.iter().filter(|x| *x == "commission_earned").count(), 3);
    let promo = queued(&e).into_iter().find(|m| m.event == "tier_promotion").unwrap();
    assert!(promo.body.contains("from bronze to silver"), "{}", promo.body);
    let earned = queued(&e).into_iter().find(|m| m.event == "commission_earned").unwrap();
    assert!(earned.subject.contains("USD"), "{}", earned.subject);

    let c = last.unwrap();
    let payout = e.pay(&c);
    let sent: Vec<_> = queued(&e).into_iter().filter(|m| m.event == "payout_sent").collect();
    assert_eq!(sent.len(), 1, "one per partner per payout");
    assert_eq!(sent[0].attachment, Some(format!("statement:{}", p.id)));
    assert!(sent[0].body.contains(&payout.id.to_string()));

    e.store
        .write(|tx| {
            rules::set_tier(
                tx,
                &rules::TierChange {
                    group: None,
                    tier: Tier::Silver,
                    rate_bp: Some(1400),
                    min_deals: None,
                    min_revenue: None,
                    from: None,
                    scope: RuleScope::New,
                },
            )
        })
        .unwrap();
    let rate: Vec<_> = queued(&e).into_iter().filter(|m| m.event == "rate_change").collect();
    assert_eq!(rate.len(), 1, "silver partners only");
    assert!(
        rate[0].body.contains("14%") && rate[0].body.contains("12.5%"),
        "{}",
        rate[0].body
    );
    assert_eq!(e.invariants(), Vec::<String>::new());
}

#[test]
fn an_unknown_merge_field_is_refused_at_save_and_a_template_switched_off_sends_nothing() {
    let e = mail_env();
    let err = e.refused(|tx| templates::set(tx, "application_approved", "Hi {{name}}", "Your {{rate}}", None));
    assert!(
        matches!(&err, Error::Validation { field, reason } if field == "body" && reason.contains("{{rate}}")),
        "{err}"
    );
    let err = e.refused(|tx| templates::set(tx, "application_approved", "Hi {{name", "x", None));
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "subject"),
        "{err}"
    );
    let err = e.refused(|tx| templates::set(tx, "no_such", "Hi", "x", None));
    assert!(err.to_string().contains("unknown template"), "{err}");
    let err = e.refused(|tx| templates::set(tx, "application_approved", "Hi", "x", Some(GroupId::STANDARD)));
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "group"),
        "{err}"
    );

    e.store
        .write(|tx| templates::set(tx, "application_approved", "Hello {{ name }}", "Tier {{tier}}.", None))
        .unwrap();
    e.store
        .write(|tx| templates::set_enabled(tx, "application_received", false, None))
        .unwrap();
    e.store
        .write(|tx| {
            templates::set(
                tx,
                "welcome_day0",
                "Standard welcome",
                "Hi {{name}} of {{group}}",
                Some(GroupId::STANDARD),
            )
        })
        .unwrap();
    let p = e.partner("Tom Temp");
    let q = queued(&e);
    assert_eq!(events(&e), ["application_approved", "welcome_day0"]);
    assert_eq!(q[0].subject, "Hello Tom Temp");
    assert_eq!(q[0].body, "Tier bronze.");
    assert_eq!(q[1].subject, "Standard welcome");
    let list = e.store.read(templates::list).unwrap();
    assert!(list
        .iter()
        .any(|t| t.name == "welcome_day0" && t.group_id == Some(GroupId::STANDARD)));
    // The preview renders a real record (rates as of the day given).
    let pv = e
        .store
        .read(|c| templates::preview(c, "tier_promotion", &p.id.to_string(), "2026-03-01"))
        .unwrap();
    assert_eq!(pv.to, p.email);
    assert!(pv.body.contains("10%"), "{}", pv.body);
    let err = e
        .store
        .read(|c| templates::preview(c, "payout_sent", &p.id.to_string(), "2026-03-01"))
        .unwrap_err();
    assert!(
        matches!(err, Error::NotFound { .. }),
        "a partner's id is not a payout: {err}"
    );
}

#[test]
fn timed_rules_fire_once_per_subject_by_the_clock() {
    let e = mail_env();
    // Off by default: nothing fires.
    let app = e
        .store
        .write(|tx| {
            applications::add(
                tx,
                &NewApplication {
                    name: "Walt Wait".into(),
                    email: "walt@example.com".into(),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    e.clock.advance(Duration::days(10));
    assert!(run_due(&e).automation.tasks.is_empty());
    // Switched on: counts what comes due from now on.
    e.store
        .write(|tx| timed::set(tx, timed::APPLICATIONS_WAITING, Some(true), Some(3), None))
        .unwrap();
    e.store
        .write(|tx| {
            timed::set(
                tx,
                timed::ONBOARDING,
                Some(true),
                Some(5),
                Some(vec!["Welcome call".into(), "Contract".into()]),
            )
        })
        .unwrap();
    e.store
        .write(|tx| timed::set(tx, timed::LEAD_UNTOUCHED, Some(true), Some(14), None))
        .unwrap();
    assert!(run_due(&e).automation.tasks.is_empty(), "waiting since before the rule");
    let app2 = e
        .store
        .write(|tx| {
            applications::add(
                tx,
                &NewApplication {
                    name: "Nina New".into(),
                    email: "nina@example.com".into(),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    e.clock.advance(Duration::days(2));
    assert!(run_due(&e).automation.tasks.is_empty(), "2 days is not more than 3");
    let rules = e.store.read(|c| timed::list(c, chrono::Utc::now())).unwrap();
    assert!(rules
        .iter()
        .find(|r| r.name == "applications_waiting")
        .unwrap()
        .next_firing_at
        .is_some());
    e.clock.advance(Duration::days(2));
    let t = run_due(&e).automation.tasks;
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].entity, Some(Entity::Application));
    assert_eq!(t[0].entity_id.as_deref(), Some(app2.id.to_string().as_str()));
    assert!(run_due(&e).automation.tasks.is_empty(), "once per subject");
    let _ = app;

    // The onboarding checklist on approval, due in its days.
    let p = e.partner("Olga Onboard");
    let mine = e
        .store
        .read(|c| tasks::list(c, "2030-01-01", false, Some(&p.id.to_string())))
        .unwrap();
    assert_eq!(
        mine.iter().map(|t| t.task.title.as_str()).collect::<Vec<_>>(),
        ["Onboarding: Welcome call", "Onboarding: Contract"]
    );
    // A lead untouched for 14 days gets one reminder.
    let l = e.lead(p.id, "Quiet Client", 100_000);
    e.clock.advance(Duration::days(13));
    let r = run_due(&e);
    assert!(r.automation.tasks.iter().all(|t| t.entity != Some(Entity::Lead)));
    e.clock.advance(Duration::days(2));
    let r = run_due(&e);
    let lt: Vec<_> = r
        .automation
        .tasks
        .iter()
        .filter(|t| t.entity == Some(Entity::Lead))
        .collect();
    assert_eq!(lt.len(), 1);
    assert_eq!(lt[0].entity_id.as_deref(), Some(l.id.to_string().as_str()));
    assert!(run_due(&e).automation.tasks.is_empty());
    // The welcome sequence: day 7 and day 30 (Olga was approved 15 days ago).
    let w: Vec<_> = queued(&e)
        .into_iter()
        .filter(|m| m.event.starts_with("welcome_day"))
        .map(|m| m.event)
        .collect();
    assert!(w.contains(&"welcome_day7".to_string()), "{w:?}");
    assert!(!w.contains(&"welcome_day30".to_string()));
    e.clock.advance(Duration::days(16));
    run_due(&e);
    run_due(&e);
    let w: Vec<_> = queued(&e).into_iter().filter(|m| m.event == "welcome_day30").collect();
    assert_eq!(w.len(), 1, "once");
    assert_eq!(e.invariants(), Vec::<String>::new());
}

#[test]
fn tasks_are_done_and_snoozed_with_their_states() {
    let e = env();
    let t = e
        .store
        .write(|tx| tasks::add(tx, "Call Ann", None, None, "2026-03-01"))
        .unwrap();
    let today = "2026-03-01";
    let list = e.store.read(|c| tasks::today_list(c, today)).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].state, TaskState::Due);
    let err = e.refused(|tx| tasks::snooze(tx, t.id, "2026-03-01"));
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "until"),
        "{err}"
    );
    let s = e.store.write(|tx| tasks::snooze(tx, t.id, "2026-03-05")).unwrap();
    assert_eq!(s.state, TaskState::Snoozed);
    assert!(e.store.read(|c| tasks::today_list(c, today)).unwrap().is_empty());
    assert_eq!(e.store.read(|c| tasks::today_list(c, "2026-03-05")).unwrap().len(), 1);
    let d = e.store.write(|tx| tasks::done(tx, t.id)).unwrap();
    assert_eq!(d.state, TaskState::Done);
    let err = e.refused(|tx| tasks::done(tx, t.id));
    assert!(matches!(err, Error::InvalidTransition { .. }));
    assert_eq!(e.store.read(|c| tasks::list(c, today, true, None)).unwrap().len(), 1);
    assert!(e.store.read(|c| tasks::list(c, today, false, None)).unwrap().is_empty());
    let audit: Vec<String> = e
        .audit_since(0)
        .into_iter()
        .filter(|a| a.entity == "task")
        .map(|a| a.action)
        .collect();
    assert_eq!(audit, ["create", "snooze", "done"]);
}

#[test]
fn the_outbox_states_and_the_never_twice_rule() {
    let e = mail_env();
    e.partner("Sam Send");
    let m = queued(&e)[0].clone();
    let claimed = e.store.write(|tx| outbox::claim(tx, m.id)).unwrap();
    assert_eq!(claimed.status, OutboxStatus::Sending);
    assert_eq!(claimed.attempts, 1);
    // A second sender cannot take it; cancel and retry refuse a message being sent.
    e.refused(|tx| outbox::claim(tx, m.id));
    e.refused(|tx| outbox::cancel(tx, m.id));
    e.refused(|tx| outbox::retry(tx, m.id));
    // Within the lease it stays `sending`; after it, it is failed with the note, not resent.
    e.clock.advance(Duration::minutes(5));
    assert!(e.store.write(outbox::recover_interrupted).unwrap().is_empty());
    e.clock.advance(Duration::minutes(6));
    let rec = e.store.write(outbox::recover_interrupted).unwrap();
    assert_eq!(rec.len(), 1);
    assert_eq!(rec[0].status, OutboxStatus::Failed);
    assert_eq!(rec[0].last_error.as_deref(), Some(outbox::INTERRUPTED));
    let r = e.store.write(|tx| outbox::retry(tx, m.id)).unwrap();
    assert_eq!(
        (r.status, r.message_id.clone()),
        (OutboxStatus::Queued, m.message_id.clone())
    );
    // A temporary failure backs off; the server's refusal fails it.
    e.store.write(|tx| outbox::claim(tx, m.id)).unwrap();
    let d = e.store.write(|tx| outbox::deferred(tx, m.id, "421 busy")).unwrap();
    assert_eq!(d.status, OutboxStatus::Queued);
    assert!(d.next_attempt_at > e.now_text());
    let due_now = e
        .store
        .read(|c| repo::automation::due_messages(c, Some(&e.now_text()), 100))
        .unwrap();
    assert!(due_now.iter().all(|x| x.id != m.id), "waits for its backoff");
    e.store.write(|tx| outbox::claim(tx, m.id)).unwrap();
    let f = e
        .store
        .write(|tx| outbox::failed(tx, m.id, "550 no such user"))
        .unwrap();
    assert_eq!(f.last_error.as_deref(), Some("550 no such user"));
    let c = e.store.write(|tx| outbox::cancel(tx, m.id)).unwrap();
    assert_eq!(c.status, OutboxStatus::Cancelled);
    let s = e.store.read(outbox::summary).unwrap();
    assert_eq!(s.queued, 2);
    assert_eq!(s.last_ok, Some(false));
    assert_eq!(e.invariants(), Vec::<String>::new());
}

#[test]
fn smtp_security_none_is_only_for_loopback_and_the_sender_must_be_an_address() {
    let e = env();
    e.set_setting("smtp.host", "mail.example.com").unwrap();
    let err = e.refused(|tx| partnerdesk_core::workflow::settings::set(tx, "smtp.security", "none"));
    assert!(err.to_string().contains("only for a server on this computer"), "{err}");
    e.set_setting("smtp.host", "127.0.0.1").unwrap();
    e.set_setting("smtp.security", "none").unwrap();
    let err = e.refused(|tx| partnerdesk_core::workflow::settings::set(tx, "smtp.host", "mail.example.com"));
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "smtp.host"),
        "{err}"
    );
    let err = e.refused(|tx| partnerdesk_core::workflow::settings::set(tx, "smtp.from", "not an address"));
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "smtp.from"),
        "{err}"
    );
    let err = e.refused(|tx| partnerdesk_core::workflow::settings::set(tx, "smtp.port", "99999"));
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "smtp.port"),
        "{err}"
    );
}

#[test]
fn an_existing_database_migrates_with_its_audit_chain_and_counter_kept() {
    let (_dir, db) = crate::common::old_database(9);
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "INSERT INTO audit_log (at, entity, entity_id, action, before, after) VALUES
                ('2026-01-01T00:00:00.000Z', 'setting', 'currency', 'set', NULL, '{\"currency\":\"EUR\"}'),
                ('2026-01-02T00:00:00.000Z', 'database', 'demo', 'demo', NULL, '{}');
             UPDATE sqlite_sequence SET seq = 2 WHERE name = 'audit_log';",
        )
        .unwrap();
    }
    let clock = partnerdesk_core::clock::ManualClock::new(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 1, 0, 0, 0).unwrap(),
    );
    let store = partnerdesk_core::store::Store::open(&db, std::sync::Arc::new(clock)).unwrap();
    let t = store
        .write(|tx| tasks::add(tx, "After the upgrade", None, None, "2026-03-01"))
        .unwrap();
    store
        .read(|c| {
            let rows = repo::audit::list(c, None, None, 10, 0)?;
            assert_eq!(rows.len(), 3);
            assert_eq!(rows[0].seq, 3, "the counter went on");
            assert_eq!(rows[0].entity, "task");
            assert_eq!(rows[0].entity_id, t.id.to_string());
            let report = repo::audit_chain::verify(c)?;
            assert!(report.ok && report.rows == 3, "{report:?}");
            Ok(())
        })
        .unwrap();
}

#[test]
fn tasks_and_the_outbox_travel_in_the_change_feed_and_a_replica_sends_nothing() {
    use partnerdesk_core::exchange::sync;
    let a = mail_env();
    a.partner("Fed Feed");
    a.store
        .write(|tx| tasks::add(tx, "Call", Some((Entity::Partner, "x".into())), None, "2026-03-02"))
        .unwrap();
    a.store
        .write(|tx| templates::set_enabled(tx, "payout_sent", false, None))
        .unwrap();
    let feed = tempfile::tempdir().unwrap();
    sync::export(&a.store, feed.path(), &mut |_| true).unwrap();
    let b = env();
    sync::apply(&b.store, feed.path(), &mut |_| true).unwrap();
    let digest = |e: &Env| e.store.read(sync::content_digest).unwrap();
    let (da, db) = (digest(&a), digest(&b));
    for table in ["outbox", "tasks", "email_templates", "automation_firings"] {
        let x = da.iter().find(|d| d.0 == table).unwrap();
        let y = db.iter().find(|d| d.0 == table).unwrap();
        assert!(x.1 > 0, "{table} has rows");
        assert_eq!(x, y, "{table}");
    }
    // A second export carries the changes only.
    let m = queued(&a)[0].clone();
    a.store.write(|tx| outbox::cancel(tx, m.id)).unwrap();
    sync::export(&a.store, feed.path(), &mut |_| true).unwrap();
    sync::apply(&b.store, feed.path(), &mut |_| true).unwrap();
    assert_eq!(
        b.store.read(|c| outbox::get(c, m.id)).unwrap().status,
        OutboxStatus::Cancelled
    );
    let err = partnerdesk_core::mail::send_due(&b.store, true).unwrap_err();
    assert!(err.to_string().contains("replica"), "{err}");
}

#[test]
fn an_erasure_leaves_no_name_or_address_in_the_outbox_or_the_tasks() {
    use partnerdesk_core::workflow::privacy::{self, SubjectKind};
    let e = mail_env();
    e.store
        .write(|tx| timed::set(tx, timed::ONBOARDING, Some(true), None, None))
        .unwrap();
    let p = e.partner("Zelda Zapped");
    let l = e.lead(p.id, "Quincy Client", 100_000);
    e.win(l.id);
    e.store
        .write(|tx| privacy::erase(tx, SubjectKind::Partner, &p.id.to_string(), "request"))
        .unwrap();
    e.store
        .write(|tx| privacy::erase(tx, SubjectKind::Lead, &l.id.to_string(), "request"))
        .unwrap();
    let needles = ["Zelda", "zelda.zapped@example.com", "Quincy"];
    let text = e
        .store
        .read(|c| {
            let mut all = String::new();
            for (table, cols) in [
                ("outbox", "recipient, recipient_name, subject, body"),
                ("tasks", "title"),
            ] {
                let mut st = c.prepare(&format!("SELECT {cols} FROM {table}"))?;
                let n = st.column_count();
                let mut rows = st.query([])?;
                while let Some(r) = rows.next()? {
                    for i in 0..n {
                        all.push_str(&r.get::<_, Option<String>>(i)?.unwrap_or_default());
                        all.push('|');
                    }
                }
            }
            let mut st = c.prepare(
                "SELECT coalesce(before, '') || coalesce(after, '') FROM audit_log WHERE entity IN ('outbox', 'task')",
            )?;
            for t in st.query_map([], |r| r.get::<_, String>(0))? {
                all.push_str(&t?);
            }
            Ok(all)
        })
        .unwrap();
    assert!(text.contains("erased on request"), "{text}");
    for n in needles {
        assert!(!text.contains(n), "{n:?} is still in the outbox or tasks: {text}");
    }
    assert!(
        queued(&e).is_empty(),
        "the erased person's queued e-mails are cancelled"
    );
    assert_eq!(e.invariants(), Vec::<String>::new());
}

#[test]
fn a_subject_export_holds_the_persons_emails_and_tasks() {
    use partnerdesk_core::workflow::privacy::{self, SubjectKind};
    let e = mail_env();
    e.store
        .write(|tx| timed::set(tx, timed::ONBOARDING, Some(true), None, None))
        .unwrap();
    let p = e.partner("Xena Export");
    let x = e
        .store
        .read(|c| privacy::subject_export(c, SubjectKind::Partner, &p.id.to_string(), chrono::Utc::now()))
        .unwrap();
    let outbox = x.records["outbox"].as_array().unwrap();
    assert_eq!(outbox.len(), 3, "received, approved, welcome; once each");
    assert_eq!(x.records["tasks"].as_array().unwrap().len(), 3);
    assert!(x.audit.iter().any(|a| a.entity == "outbox"));
    assert!(x.audit.iter().any(|a| a.entity == "task"));
}

/// The payout-due rule: on a group's payout day with someone to pay, one
/// task (due within the rule's days), once per payout day; none before the
/// rule was switched on, none while no run is due.
#[test]
fn a_payout_run_due_makes_one_task_per_payout_day() {
    use partnerdesk_core::workflow::payouts;
    let e = env(); // 2026-03-01
    let p = e.partner("Pay Day");
    let c = e.win(e.lead(p.id, "Big", 1_000_000).id);
    e.approve(&[c.id]).unwrap();
    e.tick();
    e.store
        .write(|tx| {
            payouts::set_group(
                tx,
                GroupId::STANDARD,
                &GroupPayoutEdit {
                    payout_day: Some(5),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    e.tick();
    e.store
        .write(|tx| timed::set(tx, timed::PAYOUT_DUE, Some(true), Some(2), None))
        .unwrap();
    let rule = |e: &Env| {
        e.store
            .read(|c| timed::list(c, e.store.now()))
            .unwrap()
            .into_iter()
            .find(|r| r.name == timed::PAYOUT_DUE)
            .unwrap()
    };
    assert_eq!(rule(&e).next_firing_at.as_deref(), Some("2026-03-05T00:00:00.000Z"));
    // February's payout day passed before the rule was on: no task for it.
    let payout_tasks = |d: &accruals::DueRun| {
        d.automation
            .tasks
            .iter()
            .filter(|t| t.rule.as_deref() == Some(timed::PAYOUT_DUE))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(payout_tasks(&run_due(&e)).is_empty());
    e.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 5, 8, 0, 0).unwrap());
    let made = payout_tasks(&run_due(&e));
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].due_on, "2026-03-06", "within 2 days");
    assert!(made[0].title.contains("2026-03-05"), "{}", made[0].title);
    assert!(made[0].title.contains("1 partner"), "{}", made[0].title);
    e.tick();
    assert!(payout_tasks(&run_due(&e)).is_empty(), "once per payout day");
    // The run is made: nothing is due on the next run-due.
    e.tick();
    e.store.write(|tx| payouts::run(tx, &[])).unwrap();
    e.clock.advance(Duration::days(1));
    assert!(payout_tasks(&run_due(&e)).is_empty());
    assert_eq!(rule(&e).next_firing_at.as_deref(), Some("2026-04-05T00:00:00.000Z"));
}
