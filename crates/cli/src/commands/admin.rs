//! `partnerdesk init | demo | audit | settings | doctor`

use super::{open, parse_opt, Ctx};
use crate::cli::{AuditCmd, DemoArgs, DoctorArgs, SettingsCmd};
use crate::output::{diff_summary, kv, time, Out, Table};
use anyhow::Context as _;
use partnerdesk_core::demo::{self, DemoOptions};
use partnerdesk_core::model::Entity;
use partnerdesk_core::progress::Progress;
use partnerdesk_core::store::{latest_schema_version, resolve_db_path};
use partnerdesk_core::workflow::{invariants, settings};
use partnerdesk_core::{queries, Error};
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::Path;

pub fn init(db: Option<&Path>, out: Out) -> anyhow::Result<u8> {
    let path = resolve_db_path(db).context("finding the database")?;
    let created = !path.exists();
    let store = open(&path)?;
    #[derive(Serialize)]
    struct Init {
        path: String,
        created: bool,
        schema_version: i64,
    }
    let answer = Init {
        path: store.path().display().to_string(),
        created,
        schema_version: latest_schema_version(),
    };
    out.emit(&answer, || {
        format!(
            "{} {} (schema version {})\n",
            if created { "Created" } else { "Ready:" },
            answer.path,
            answer.schema_version
        )
    })?;
    Ok(0)
}

pub fn demo(ctx: &Ctx, a: DemoArgs) -> anyhow::Result<u8> {
    let opts = DemoOptions {
        partners: a.partners,
        leads: a.leads,
        seed: a.seed,
    };
    let show = std::io::stderr().is_terminal();
    let mut last_stage = String::new();
    let started = std::time::Instant::now();
    let mut stage_started = started;
    let mut progress = |p: &Progress| -> bool {
        if show {
            let mut err = std::io::stderr().lock();
            if p.stage != last_stage {
                if !last_stage.is_empty() {
                    let _ = writeln!(err);
                }
                stage_started = std::time::Instant::now();
            }
            last_stage.clone_from(&p.stage);
            let pct = (p.done * 100).checked_div(p.total).unwrap_or(100);
            let _ = write!(
                err,
                "\r{}: {}/{} ({pct}%)  {:.1} s (total {:.1} s)   ",
                p.stage,
                p.done,
                p.total,
                stage_started.elapsed().as_secs_f64(),
                started.elapsed().as_secs_f64()
            );
            let _ = err.flush();
        }
        true
    };
    let report = demo::generate(&ctx.store, &opts, &mut progress).context("generating the demo data");
    if show && !last_stage.is_empty() {
        eprintln!();
    }
    let report = report?;
    ctx.out.emit(&report, || {
        kv(&[
            ("Applications", report.applications.to_string()),
            ("Partners", report.partners.to_string()),
            ("Leads", report.leads.to_string()),
            ("Commissions", report.commissions.to_string()),
            ("Payouts", report.payouts.to_string()),
            ("App plans", report.plans.to_string()),
        ])
    })?;
    Ok(0)
}

pub fn audit(ctx: &Ctx, cmd: AuditCmd) -> anyhow::Result<u8> {
    let (entity, id, paging) = match cmd {
        AuditCmd::List { entity, id, paging } => (entity, id, paging),
        AuditCmd::Verify => return audit_verify(ctx),
    };
    let entries = ctx.read("listing the audit log", |c| {
        let entity = parse_opt(entity.as_deref(), Entity::parse)?;
        queries::audit(c, entity, id.as_deref(), paging.limit, paging.offset)
    })?;
    ctx.out.emit(&entries, || {
        if entries.is_empty() {
            return "No changes recorded.\n".into();
        }
        let mut t = Table::new(&[">SEQ", "AT", "ENTITY", "ID", "ACTION", "CHANGES"]);
        for e in &entries {
            t.row(vec![
                e.seq.to_string(),
                time(&e.at),
                e.entity.clone(),
                e.entity_id.clone(),
                e.action.clone(),
                diff_summary(e.before.as_ref(), e.after.as_ref(), 3),
            ]);
        }
        t.render()
    })?;
    Ok(0)
}

fn audit_verify(ctx: &Ctx) -> anyhow::Result<u8> {
    let v = ctx.read("verifying the audit log", queries::audit_verify)?;
    ctx.out.emit(&v, || {
        let mut rows = vec![
            (
                "Audit chain",
                if v.ok { "intact".to_owned() } else { "BROKEN".to_owned() },
            ),
            ("Rows checked", v.rows.to_string()),
        ];
        if let (Some(seq), Some(hash)) = (v.head_seq, &v.head_hash) {
            rows.push(("Head", format!("row {seq}, {hash}")));
        }
        if let Some(p) = &v.problem {
            rows.push(("First break", p.message.clone()));
        }
        kv(&rows)
    })?;
    if let Some(p) = &v.problem {
        eprintln!("error: {}", p.message);
        return Ok(1);
    }
    Ok(0)
}

pub fn settings(ctx: &Ctx, cmd: SettingsCmd) -> anyhow::Result<u8> {
    match cmd {
        SettingsCmd::Get { key: None } => {
            let day = super::rules::today(ctx);
            let entries = ctx.read("reading the settings", |c| Ok(settings::load_on(c, &day)?.entries()))?;
            ctx.out.emit(&entries, || {
                let mut t = Table::new(&["KEY", ">VALUE", "MEANING"]);
                for e in &entries {
                    t.row(vec![e.key.clone(), e.value.clone(), e.description.clone()]);
                }
                t.render()
            })?;
        }
        SettingsCmd::Get { key: Some(key) } => {
            let day = super::rules::today(ctx);
            let entry = ctx.read("reading the setting", |c| {
                let entries = settings::load_on(c, &day)?.entries();
                let known: Vec<String> = entries.iter().map(|e| e.key.clone()).collect();
                entries.into_iter().find(|e| e.key == key.trim()).ok_or_else(|| {
                    Error::validation("key", format!("unknown setting {key:?}; known: {}", known.join(", ")))
                })
            })?;
            ctx.out.emit(&entry, || format!("{}\n", entry.value))?;
        }
        SettingsCmd::Set { key, value } => {
            let entries = ctx.write("changing the setting", |tx| {
                Ok(settings::set(tx, &key, &value)?.entries())
            })?;
            let entry = entries
                .into_iter()
                .find(|e| e.key == key.trim())
                .with_context(|| format!("the setting {key:?} is missing after it was set"))?;
            ctx.out.emit(&entry, || {
                format!("{} = {}  ({})\n", entry.key, entry.value, entry.description)
            })?;
        }
    }
    Ok(0)
}

pub fn doctor(ctx: &Ctx, a: DoctorArgs) -> anyhow::Result<u8> {
    ctx.store.quick_check().context("checking the database file")?;
    let bundle = match &a.bundle {
        Some(path) => {
            Some(partnerdesk_core::monitor::bundle(&ctx.store, path).context("writing the diagnostics bundle")?)
        }
        None => None,
    };
    let ((problems, audit), counts) = ctx.read("checking the rules", |c| {
        Ok((invariants::check_with_audit(c)?, queries::counts(c)?))
    })?;
    #[derive(Serialize)]
    struct Report<'a> {
        path: String,
        ok: bool,
        problems: &'a [String],
        counts: &'a queries::Counts,
        audit: &'a queries::AuditVerification,
        #[serde(skip_serializing_if = "Option::is_none")]
        bundle: Option<&'a partnerdesk_core::monitor::BundleReport>,
    }
    let report = Report {
        path: ctx.store.path().display().to_string(),
        ok: problems.is_empty(),
        problems: &problems,
        counts: &counts,
        audit: &audit,
        bundle: bundle.as_ref(),
    };
    ctx.out.emit(&report, || {
        let mut s = kv(&[
            ("Database", report.path.clone()),
            ("File integrity", "ok".into()),
            (
                "Rules",
                if report.ok {
                    "all hold".into()
                } else {
                    format!("{} problem(s)", problems.len())
                },
            ),
            (
                "Audit chain",
                match (&audit.problem, audit.head_seq) {
                    (Some(_), _) => "BROKEN (see the problem below)".into(),
                    (None, Some(seq)) => format!("intact ({} rows, head row {seq})", audit.rows),
                    (None, None) => "intact (empty)".into(),
                },
            ),
            ("Applications", counts.applications.to_string()),
            ("Partners", counts.partners.to_string()),
            ("Leads", counts.leads.to_string()),
            ("Commissions", counts.commissions.to_string()),
            ("Payouts", counts.payouts.to_string()),
            ("App plans", counts.plans.to_string()),
            ("Pipeline moves", counts.history.to_string()),
            ("Audit entries", counts.audit.to_string()),
        ]);
        for p in &problems {
            s.push_str(&format!("problem: {p}\n"));
        }
        if let Some(b) = &bundle {
            s.push_str(&kv(&[(
                "Bundle",
                format!("{} ({} files, {} bytes)", b.path, b.files.len(), b.bytes),
            )]));
        }
        s
    })?;
    if problems.is_empty() {
        Ok(0)
    } else {
        eprintln!(
            "error: {} problem(s) found in {}",
            problems.len(),
            ctx.store.path().display()
        );
        Ok(1)
    }
}
