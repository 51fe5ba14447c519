//! App plans: add, field checks, the generated proposal, edits only in draft,
//! and the way to sent and accepted.

use super::*;
use partnerdesk_core::workflow::plans;

fn new_plan(lead: LeadId, features: &[&str]) -> NewPlan {
    NewPlan {
        client_lead_id: lead,
        business_name: None,
        industry: "Hospitality".into(),
        features: features.iter().map(|f| f.to_string()).collect(),
        timeline_estimate: "12 weeks".into(),
        investment_range: "$40,000 - $60,000".into(),
    }
}

fn add_plan(e: &Env, p: &NewPlan) -> partnerdesk_core::Result<AppPlan> {
    e.tick();
    e.store.write(|tx| plans::add(tx, p))
}

fn plan_status(e: &Env, id: PlanId, to: PlanStatus) -> partnerdesk_core::Result<AppPlan> {
    e.tick();
    e.store.write(|tx| plans::set_status(tx, id, to))
}

fn generate(e: &Env, id: PlanId) -> AppPlan {
    e.tick();
    e.store.write(|tx| plans::generate(tx, id)).unwrap()
}

#[test]
fn plan_add_defaults_the_business_to_the_lead_and_is_audited() {
    let e = common::env();
    let p = e.partner("Planner");
    let l = e.lead(p.id, "Nora", 100_000); // business "Nora Ltd"
    let mark = e.audit_mark();
    let plan = add_plan(&e, &new_plan(l.id, &["Online booking", "Loyalty card"])).unwrap();
    assert_eq!(plan.business_name, "Nora Ltd");
    assert_eq!((plan.partner_id, plan.client_lead_id), (p.id, l.id));
    assert_eq!(plan.status, PlanStatus::Draft);
    assert_eq!(plan.generated_content, None);
    assert_eq!(plan.features, vec!["Online booking", "Loyalty card"]);
    assert_eq!(e.store.read(|c| repo::plans::get(c, plan.id)).unwrap(), plan);
    let rows = audited(&e, mark, &[("plan", "create")]);
    assert_eq!(after::<AppPlan>(&rows[0]), plan);

    // An explicit business wins; a lead without business falls back to the client.
    let named = add_plan(
        &e,
        &NewPlan {
            business_name: Some("Nora's Second Shop".into()),
            ..new_plan(l.id, &["Chat"])
        },
    )
    .unwrap();
    assert_eq!(named.business_name, "Nora's Second Shop");
    let bare = add_lead(&e, &new_lead(p.id, "Otto", "otto@c.example", None, 0))
        .unwrap()
        .lead;
    let fallback = add_plan(&e, &new_plan(bare.id, &["Chat"])).unwrap();
    assert_eq!(fallback.business_name, "Otto");
    no_problems(&e);
}

#[test]
fn plan_features_and_fields_are_validated() {
    let e = common::env();
    let p = e.partner("Validator");
    let l = e.lead(p.id, "Pru", 0);
    let long = "x".repeat(101);
    let many: Vec<String> = (0..51).map(|i| format!("Feature {i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    for (input, field) in [
        (new_plan(l.id, &[]), "features"),
        (new_plan(l.id, &["  ", ""]), "features"),
        (new_plan(l.id, &[long.as_str()]), "features"),
        (new_plan(l.id, &many), "features"),
        (
            NewPlan {
                industry: " ".into(),
                ..new_plan(l.id, &["Chat"])
            },
            "industry",
        ),
        (
            NewPlan {
                timeline_estimate: "".into(),
                ..new_plan(l.id, &["Chat"])
            },
            "timeline",
        ),
        (
            NewPlan {
                investment_range: "".into(),
                ..new_plan(l.id, &["Chat"])
            },
            "investment",
        ),
    ] {
        let err = e.refused(|tx| plans::add(tx, &input));
        assert_eq!((err.kind(), err.field()), ("validation", Some(field)), "{err}");
    }
    let err = e.refused(|tx| plans::add(tx, &new_plan(LeadId(uuid::Uuid::now_v7()), &["Chat"])));
    assert_eq!(err.kind(), "not_found");
    // Blank entries dropped, duplicates (any case) kept once, fifty allowed.
    let plan = add_plan(&e, &new_plan(l.id, &[" Chat ", "", "CHAT", "Maps"])).unwrap();
    assert_eq!(plan.features, vec!["Chat", "Maps"]);
    assert!(add_plan(&e, &new_plan(l.id, &many[..50])).is_ok());
}

#[test]
fn plan_generate_writes_a_markdown_proposal_and_is_audited() {
    let e = common::env();
    let p = e.partner("Gen Partner");
    let l = e.lead(p.id, "Quinta", 0);
    let plan = add_plan(
        &e,
        &NewPlan {
            business_name: Some("Blue Fern Cafe".into()),
            ..new_plan(l.id, &["Online booking", "Loyalty card", "Staff rota"])
        },
    )
    .unwrap();
    let mark = e.audit_mark();
    let g = generate(&e, plan.id);
    let md = g.generated_content.clone().unwrap();
    assert!(md.starts_with("# "), "{md}");
    for needle in [
        "Blue Fern Cafe",
        "Hospitality",
        "Online booking",
        "Loyalty card",
        "Staff rota",
        "12 weeks",
        "$40,000 - $60,000",
        "Quinta",
        "Gen Partner",
    ] {
        assert!(md.contains(needle), "{needle:?} missing from:\n{md}");
    }
    assert_eq!(g.status, PlanStatus::Draft);
    assert_eq!(e.store.read(|c| repo::plans::get(c, plan.id)).unwrap(), g);
    let rows = audited(&e, mark, &[("plan", "generate")]);
    assert_eq!(before::<AppPlan>(&rows[0]), plan);
    assert_eq!(after::<AppPlan>(&rows[0]), g);
    // Offline and repeatable: the same plan at the same time gives the same text.
    let again = e.store.write(|tx| plans::generate(tx, plan.id)).unwrap();
    assert_eq!(again.generated_content.as_deref(), Some(md.as_str()));
    let a = plans::render_proposal(&g, "Quinta", "Gen Partner", "March 1, 2026");
    let b = plans::render_proposal(&g, "Quinta", "Gen Partner", "March 1, 2026");
    assert_eq!(a, b);
}

#[test]
fn plan_update_only_in_draft() {
    let e = common::env();
    let p = e.partner("Editor");
    let l = e.lead(p.id, "Rita", 0);
    let plan = add_plan(&e, &new_plan(l.id, &["Chat"])).unwrap();
    e.tick();
    let mark = e.audit_mark();
    let patch = plans::PlanPatch {
        industry: Some("Retail".into()),
        features: Some(vec!["Catalog".into(), "Payments".into()]),
        ..Default::default()
    };
    let u = e.store.write(|tx| plans::update(tx, plan.id, &patch)).unwrap();
    assert_eq!(u.industry, "Retail");
    assert_eq!(u.features, vec!["Catalog", "Payments"]);
    assert_eq!(u.business_name, plan.business_name);
    assert_eq!(u.updated_at, e.now_text());
    let rows = audited(&e, mark, &[("plan", "update")]);
    assert_eq!(before::<AppPlan>(&rows[0]), plan);
    assert_eq!(after::<AppPlan>(&rows[0]), u);
    let err = e.refused(|tx| {
        plans::update(
            tx,
            plan.id,
            &plans::PlanPatch {
                features: Some(vec![]),
                ..Default::default()
            },
        )
    });
    assert_eq!(err.field(), Some("features"));

    generate(&e, plan.id);
    plan_status(&e, plan.id, PlanStatus::Sent).unwrap();
    let err = e.refused(|tx| plans::update(tx, plan.id, &patch));
    assert_eq!(err.kind(), "conflict", "{err}");
    plan_status(&e, plan.id, PlanStatus::Accepted).unwrap();
    let err = e.refused(|tx| plans::update(tx, plan.id, &patch));
    assert_eq!(err.kind(), "conflict", "{err}");
}

#[test]
fn plan_is_sent_only_once_generated_then_accepted() {
    let e = common::env();
    let p = e.partner("Sender");
    let l = e.lead(p.id, "Sue", 0);
    let plan = add_plan(&e, &new_plan(l.id, &["Chat"])).unwrap();
    let err = e.refused(|tx| plans::set_status(tx, plan.id, PlanStatus::Sent));
    assert_eq!(err.kind(), "conflict", "{err}");
    for to in [PlanStatus::Accepted, PlanStatus::Declined, PlanStatus::Draft] {
        let err = e.refused(|tx| plans::set_status(tx, plan.id, to));
        assert_eq!(err.kind(), "invalid_transition", "draft -> {to}: {err}");
    }
    let g = generate(&e, plan.id);
    let mark = e.audit_mark();
    let sent = plan_status(&e, plan.id, PlanStatus::Sent).unwrap();
    assert_eq!(sent.status, PlanStatus::Sent);
    let rows = audited(&e, mark, &[("plan", "status")]);
    assert_eq!(before::<AppPlan>(&rows[0]), g);
    assert_eq!(after::<AppPlan>(&rows[0]), sent);
    let mark = e.audit_mark();
    let acc = plan_status(&e, plan.id, PlanStatus::Accepted).unwrap();
    assert_eq!(acc.status, PlanStatus::Accepted);
    audited(&e, mark, &[("plan", "status")]);
    for to in [PlanStatus::Draft, PlanStatus::Sent, PlanStatus::Declined] {
        let err = e.refused(|tx| plans::set_status(tx, plan.id, to));
        assert_eq!(err.kind(), "invalid_transition", "accepted -> {to}: {err}");
    }
    // The accepted proposal is what the client saw: generate does not rewrite it.
    let err = e.refused(|tx| plans::generate(tx, plan.id));
    assert_eq!(err.kind(), "conflict", "{err}");
    assert!(err.to_string().contains("only a draft"), "{err}");
    assert_eq!(
        e.store.read(|c| repo::plans::get(c, plan.id)).unwrap().status,
        PlanStatus::Accepted
    );
}
