//! `partnerdesk group ...`, `partnerdesk rules ...` and `partnerdesk run-due`.

use super::{parse_opt, Ctx};
use crate::output::{kv, money, rate, section, Table};
use clap::Subcommand;
use partnerdesk_core::clock::fmt_time;
use partnerdesk_core::model::{RuleKind, RuleScope, RuleTrace, RuleVersion, Tier, TierRule};
use partnerdesk_core::money::{parse_amount, parse_rate_percent};
use partnerdesk_core::workflow::rules::{self, GroupEdit, GroupInfo, GroupSettings, RulesView, TierChange};
use partnerdesk_core::workflow::simulate::{self, Simulation};
use partnerdesk_core::Error;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum GroupCmd {
    /// Add a group (it inherits the default tier table until it gets its own)
    Add { name: String },
    /// List the groups with their partners and the tier table in force
    List,
    /// Show a group: its settings, tier table in force and versions
    Show { name: String },
    /// Change a group's settings: the retainer limit and the milestone bonus
    Set {
        name: String,
        /// Months a retainer deal accrues at most (default 12)
        #[arg(long, value_name = "N")]
        recurring_limit: Option<String>,
        /// A flat bonus on a partner's Nth won deal: N (with --milestone-amount)
        #[arg(long, value_name = "N", requires = "milestone_amount")]
        milestone_deals: Option<String>,
        #[arg(
            long,
            value_name = "AMOUNT",
            requires = "milestone_deals",
            allow_hyphen_values = true
        )]
        milestone_amount: Option<String>,
        /// Remove the milestone bonus
        #[arg(long, conflicts_with_all = ["milestone_deals", "milestone_amount"])]
        no_milestone: bool,
        /// The first day the change applies (default: today); a new dated version of the group
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        #[command(flatten)]
        payout: super::payouts::GroupPayoutArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCmd {
    /// Show a tier table in force (the default's, or a group's) and its versions
    Show {
        #[arg(long, value_name = "G")]
        group: Option<String>,
    },
    /// Change one tier of a tier table: a new version from a date, with a scope
    SetTier {
        /// bronze, silver, gold or platinum
        tier: String,
        /// The rate in percent, e.g. 13
        #[arg(long, value_name = "PCT", allow_hyphen_values = true)]
        rate: String,
        /// Won deals that reach the tier
        #[arg(long, value_name = "N", allow_hyphen_values = true)]
        deals: Option<String>,
        /// Won project value that reaches the tier
        #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
        revenue: Option<String>,
        /// The group's table (default: the default table)
        #[arg(long, value_name = "G")]
        group: Option<String>,
        /// The first day it applies (default: today)
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        /// new: deals won from the date on; pending: also re-rate the pending commissions from the date
        #[arg(long, value_name = "new|pending", default_value = "new")]
        scope: String,
    },
    /// A group goes back to the default tier table: a new version from a date, with a scope
    UseDefault {
        #[arg(long, value_name = "G")]
        group: String,
        /// The first day it applies (default: today)
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        /// new: deals won from the date on; pending: also re-rate the pending commissions from the date
        #[arg(long, value_name = "new|pending", default_value = "new")]
        scope: String,
    },
    /// Replay the won deals under a draft rule set (JSON) and compare the cost with today's rules
    Simulate {
        /// The draft file (see the README for its format)
        #[arg(long, value_name = "FILE.json")]
        draft: PathBuf,
        /// The first month counted (YYYY-MM)
        #[arg(long, value_name = "YYYY-MM")]
        from: Option<String>,
        /// The last month counted (YYYY-MM)
        #[arg(long, value_name = "YYYY-MM")]
        to: Option<String>,
    },
}

pub(crate) fn today(ctx: &Ctx) -> String {
    fmt_time(ctx.store.now())[..10].to_owned()
}

/// "group tier v2 silver": the rule behind a commission.
pub fn rule_text(r: &RuleTrace) -> String {
    r.describe()
}

fn whole(field: &str, text: &str) -> partnerdesk_core::Result<i64> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| Error::validation(field, format!("must be a whole number (got {text:?})")))
}

fn tier_table(tiers: &[TierRule]) -> String {
    let mut t = Table::new(&["TIER", ">RATE", ">DEALS", ">REVENUE"]);
    for r in tiers {
        let bronze = r.tier == Tier::Bronze;
        t.row(vec![
            r.tier.to_string(),
            rate(r.rate_bp),
            if bronze { String::new() } else { r.min_deals.to_string() },
            if bronze { String::new() } else { money(r.min_revenue) },
        ]);
    }
    t.render()
}

fn versions(vs: &[RuleVersion]) -> String {
    let mut t = Table::new(&[">VERSION", "OF", "FROM", "SCOPE", "CHANGE", "MADE"]);
    for v in vs {
        let of = match (&v.group_id, &v.partner_id) {
            (Some(_), _) => "group".to_owned(),
            (_, Some(p)) => format!("partner {p}"),
            _ => "default".to_owned(),
        };
        let mut change = match (&v.tiers, v.override_rate, v.override_flat) {
            (Some(ts), _, _) if ts.is_empty() => "the default table".to_owned(),
            (Some(ts), _, _) => ts
                .iter()
                .map(|r| format!("{} {}", r.tier, rate(r.rate_bp)))
                .collect::<Vec<_>>()
                .join(", "),
            (_, Some(r), _) => format!("rate {}", rate(r)),
            (_, _, Some(f)) => format!("flat {}", money(f)),
            _ => "cleared".to_owned(),
        };
        if let Some(l) = v.recurring_limit {
            change.push_str(&format!("; retainer limit {l} months"));
            if let (Some(n), Some(a)) = (v.milestone_deals, v.milestone_amount) {
                change.push_str(&format!("; milestone {} at deal {n}", money(a)));
            }
        }
        t.row(vec![
            v.version.to_string(),
            of,
            v.effective_from.clone(),
            v.scope.to_string(),
            change,
            v.created_at[..10].to_owned(),
        ]);
    }
    t.render()
}

fn show_view(v: &RulesView) -> String {
    let whose = match &v.group {
        Some(g) => format!("group {}", g.name),
        None => "the default".to_owned(),
    };
    let from = match v.in_force.kind {
        RuleKind::GroupTier => "its own",
        _ => "the default table",
    };
    let mut s = format!(
        "Tier table of {whose} in force today: version {} ({from}, from {}).\n",
        v.in_force.version, v.in_force.effective_from
    );
    s.push_str(&tier_table(&v.in_force.tiers));
    if let Some(g) = &v.settings {
        s.push_str(&section("Settings in force today", &group_settings(g)));
    }
    s.push_str(&section("Versions", &versions(&v.versions)));
    s
}

fn group_settings(g: &GroupSettings) -> String {
    kv(&[
        (
            "Version",
            g.version
                .map_or_else(|| "none (the defaults)".to_owned(), |v| format!("v{v}")),
        ),
        ("Retainer limit", format!("{} months", g.recurring_limit)),
        (
            "Milestone bonus",
            match (g.milestone_deals, g.milestone_amount) {
                (Some(n), Some(a)) => format!("{} on the won deal number {n}", money(a)),
                _ => "none".to_owned(),
            },
        ),
    ])
}

pub fn group(ctx: &Ctx, cmd: GroupCmd) -> anyhow::Result<u8> {
    match cmd {
        GroupCmd::Add { name } => {
            let g = ctx.write("adding the group", |tx| rules::add_group(tx, &name))?;
            ctx.out.emit(&g, || {
                format!("Group {} added ({}); it uses the default tier table.\n", g.name, g.id)
            })?;
        }
        GroupCmd::List => {
            let day = today(ctx);
            let list = ctx.read("listing the groups", |c| rules::groups(c, &day))?;
            ctx.out.emit(&list, || {
                let mut t = Table::new(&["NAME", ">PARTNERS", "TIER TABLE", ">RETAINER LIMIT", "MILESTONE"]);
                for GroupInfo {
                    group: g,
                    partners,
                    in_force,
                    settings,
                } in &list
                {
                    t.row(vec![
                        g.name.clone(),
                        partners.to_string(),
                        match in_force.kind {
                            RuleKind::GroupTier => format!("own, v{}", in_force.version),
                            _ => format!("default, v{}", in_force.version),
                        },
                        settings.recurring_limit.to_string(),
                        match (settings.milestone_deals, settings.milestone_amount) {
                            (Some(n), Some(a)) => format!("{} at deal {n}", money(a)),
                            _ => String::new(),
                        },
                    ]);
                }
                t.render()
            })?;
        }
        GroupCmd::Show { name } => {
            let day = today(ctx);
            let (v, pay) = ctx.read("showing the group", |c| {
                let g = rules::group_named(c, &name)?;
                Ok((
                    rules::show(c, Some(g.id), &day)?,
                    partnerdesk_core::workflow::payouts::group_settings(c, g.id)?,
                ))
            })?;
            let shown = super::payouts::RulesWithPayout { view: v, payout: pay };
            ctx.out.emit(&shown, || {
                format!(
                    "{}{}",
                    show_view(&shown.view),
                    super::payouts::group_payout_settings(&shown.payout)
                )
            })?;
        }
        GroupCmd::Set {
            name,
            recurring_limit,
            milestone_deals,
            milestone_amount,
            no_milestone,
            from,
            payout,
        } => {
            let day = today(ctx);
            let (v, g, pay) = ctx.write("changing the group", |tx| {
                let g = rules::group_named(tx, &name)?;
                let milestone = match (milestone_deals.as_deref(), milestone_amount.as_deref()) {
                    (Some(n), Some(a)) => {
                        Some((whole("milestone_deals", n)?, parse_amount("milestone_amount", a, true)?))
                    }
                    _ => None,
                };
                let e = GroupEdit {
                    recurring_limit: parse_opt(recurring_limit.as_deref(), |t| whole("recurring_limit", t))?,
                    milestone,
                    no_milestone,
                    from,
                };
                let g = rules::edit_group(tx, g.id, &e)?;
                let pay = super::payouts::apply_group_payout(tx, g.id, &payout)?;
                Ok((rules::show(tx, Some(g.id), &day)?, g, pay))
            })?;
            // The group's row (its newest version's settings) and its payout
            // settings; the text shows the rules in force today.
            let shown = super::payouts::GroupWithPayout { group: g, payout: pay };
            ctx.out.emit(&shown, || {
                format!(
                    "{}{}",
                    show_view(&v),
                    super::payouts::group_payout_settings(&shown.payout)
                )
            })?;
        }
    }
    Ok(0)
}

pub fn run(ctx: &Ctx, cmd: RulesCmd) -> anyhow::Result<u8> {
    match cmd {
        RulesCmd::Show { group } => {
            let day = today(ctx);
            let v = ctx.read("showing the rules", |c| {
                let g = parse_opt(group.as_deref(), |n| rules::group_named(c, n))?;
                rules::show(c, g.map(|g| g.id), &day)
            })?;
            ctx.out.emit(&v, || show_view(&v))?;
        }
        RulesCmd::SetTier {
            tier,
            rate: pct,
            deals,
            revenue,
            group,
            from,
            scope,
        } => {
            let done = ctx.write("changing the tier table", |tx| {
                let c = TierChange {
                    group: parse_opt(group.as_deref(), |n| rules::group_named(tx, n))?.map(|g| g.id),
                    tier: Tier::parse(&tier)?,
                    rate_bp: Some(parse_rate_percent("rate", &pct)?),
                    min_deals: parse_opt(deals.as_deref(), |t| whole("deals", t))?,
                    min_revenue: parse_opt(revenue.as_deref(), |t| parse_amount("revenue", t, true))?,
                    from,
                    scope: RuleScope::parse(&scope)?,
                };
                rules::set_tier(tx, &c)
            })?;
            ctx.out.emit(&done, || {
                let v = &done.version;
                let mut s = format!(
                    "Rule version {} of the {} table, from {} ({}):\n",
                    v.version,
                    if v.group_id.is_some() { "group's" } else { "default" },
                    v.effective_from,
                    match v.scope {
                        RuleScope::New => "deals won from then on",
                        RuleScope::Pending => "also the pending commissions from then on",
                    }
                );
                s.push_str(&tier_table(v.tiers.as_deref().unwrap_or_default()));
                if !done.rerated.is_empty() {
                    let total: i64 = done.rerated.iter().map(|c| c.commission_amount).sum();
                    s.push_str(&format!(
                        "{} pending commissions re-rated (now {} in all).\n",
                        done.rerated.len(),
                        money(total)
                    ));
                }
                s
            })?;
        }
        RulesCmd::UseDefault { group, from, scope } => {
            let done = ctx.write("changing the group's tier table", |tx| {
                let g = rules::group_named(tx, &group)?;
                rules::use_default_table(tx, g.id, from.as_deref(), RuleScope::parse(&scope)?)
            })?;
            ctx.out.emit(&done, || {
                let v = &done.version;
                let mut s = format!(
                    "Rule version {}: the group uses the default tier table from {}.\n",
                    v.version, v.effective_from
                );
                if !done.rerated.is_empty() {
                    s.push_str(&format!("{} pending commissions re-rated.\n", done.rerated.len()));
                }
                s
            })?;
        }
        RulesCmd::Simulate { draft, from, to } => {
            let text =
                std::fs::read_to_string(&draft).map_err(|e| Error::io(format!("reading {}", draft.display()), e))?;
            let day = today(ctx);
            let s = ctx.read("simulating the draft", |c| {
                let d = simulate::parse_draft(&text)?;
                simulate::simulate(c, &d, from.as_deref(), to.as_deref(), &day)
            })?;
            ctx.out.emit(&s, || simulation_text(&s))?;
        }
    }
    Ok(0)
}

fn simulation_text(s: &Simulation) -> String {
    let period = match (&s.from, &s.to) {
        (None, None) => "the whole history".to_owned(),
        (f, t) => format!(
            "{} to {}",
            f.as_deref().unwrap_or("the start"),
            t.as_deref().unwrap_or("today")
        ),
    };
    let mut out = format!(
        "{} won deals of {period}: {} under today's rules, {} under the draft ({}{}).\n",
        s.deals,
        money(s.current),
        money(s.draft),
        if s.draft >= s.current { "+" } else { "" },
        money(s.draft - s.current)
    );
    out.push_str(&format!("{} partners would sit in another tier.\n", s.tier_changes));
    let mut t = Table::new(&["MONTH", ">CURRENT", ">DRAFT", ">DIFFERENCE"]);
    for m in &s.months {
        t.row(vec![
            m.month.clone(),
            money(m.current),
            money(m.draft),
            money(m.draft - m.current),
        ]);
    }
    out.push_str(&section("Per month", &t.render()));
    let mut t = Table::new(&["PARTNER", "NAME", ">CURRENT", ">DRAFT", "TIER NOW", "TIER DRAFT"]);
    for p in s.partners.iter().take(20) {
        t.row(vec![
            p.partner_id.to_string(),
            p.name.clone(),
            money(p.current),
            money(p.draft),
            p.tier_now.to_string(),
            p.tier_draft.to_string(),
        ]);
    }
    let more = s.partners.len().saturating_sub(20);
    let mut body = t.render();
    if more > 0 {
        body.push_str(&format!("... and {more} more (--json lists all).\n"));
    }
    out.push_str(&section("Per partner, the largest difference first", &body));
    out
}

pub fn run_due(ctx: &Ctx) -> anyhow::Result<u8> {
    let done = ctx.write("creating what has come due", rules::run_due)?;
    ctx.out.emit(&done, || {
        let mut notes = String::new();
        if !done.erasures.is_empty() {
            notes.push_str(&format!(
                "{} rejected application(s) erased by the retention setting.\n",
                done.erasures.len()
            ));
        }
        if let Some(e) = &done.retention_error {
            notes.push_str(&format!("warning: retention did not run: {e}\n"));
        }
        if done.released.count > 0 {
            notes.push_str(&format!(
                "{} pending commission(s) approved, their hold passed: {} in all.\n",
                done.released.count,
                money(done.released.amount)
            ));
        }
        for t in &done.automation.tasks {
            notes.push_str(&format!("Task {} created: {} (due {}).\n", t.id, t.title, t.due_on));
        }
        if done.automation.welcome > 0 {
            notes.push_str(&format!(
                "{} e-mail(s) of the welcome sequence came due.\n",
                done.automation.welcome
            ));
        }
        if done.accruals.is_empty() {
            let nothing = if notes.is_empty() {
                "Nothing has come due.\n"
            } else {
                "No retainer accrual has come due.\n"
            };
            return format!("{notes}{nothing}");
        }
        let total: i64 = done.accruals.iter().map(|c| c.commission_amount).sum();
        let mut s = format!(
            "{} retainer accruals created, {} in all:\n",
            done.accruals.len(),
            money(total)
        );
        let mut t = Table::new(&["ID", "PARTNER", "LEAD", "MONTH", ">AMOUNT"]);
        for c in &done.accruals {
            t.row(vec![
                c.id.to_string(),
                c.partner_id.to_string(),
                c.client_lead_id.map(|l| l.to_string()).unwrap_or_default(),
                c.accrual_month.clone().unwrap_or_default(),
                money(c.commission_amount),
            ]);
        }
        s.push_str(&t.render());
        format!("{notes}{s}")
    })?;
    Ok(0)
}
