//! Paying partners: the hold period (pending commissions approved by
//! `run-due` once their group's hold has passed and their deal stands), the
//! payable balance (approved commissions net of approved clawbacks and
//! adjustments; a negative one is carried forward), the payout minimum, and
//! the payout run, which pays every eligible partner and skips the others
//! with the reason, never failing as a whole. Each partner paid gets a
//! self-billing document number from one unbroken sequence per database
//! (`SB-YYYY-NNNNNN`, taken in the run's transaction, so a run that does not
//! commit takes no number).

use super::write;
use crate::error::{Error, Result};
use crate::model::{
    CommissionId, GroupId, GroupPayout, GroupPayoutEdit, PartnerBalance, PartnerId, PartnerTax, Payout,
    PayoutCandidate, PayoutId, PayoutLine, PayoutPlan, ReleaseDate, SkipReason, TaxForm,
};
use crate::store::repo::payouts::Entry;
use crate::store::{repo, Conn, Tx};
use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

// ---- Group settings and tax data ----

/// A group's payout settings.
pub fn group_settings(conn: &Conn, group: GroupId) -> Result<GroupPayout> {
    repo::payouts::group_payout(conn, group)
}

/// Change a group's hold, payout minimum or payout day, audited.
pub fn set_group(tx: &Tx, group: GroupId, e: &GroupPayoutEdit) -> Result<GroupPayout> {
    let before = repo::payouts::group_payout(tx, group)?;
    let mut after = before;
    if let Some(h) = e.hold_days {
        if !(0..=365).contains(&h) {
            return Err(Error::validation(
                "hold_days",
                "must be a whole number of days from 0 to 365",
            ));
        }
        after.hold_days = h;
    }
    if let Some(m) = e.payout_minimum {
        if m < 0 {
            return Err(Error::validation("payout_minimum", "must not be negative"));
        }
        after.payout_minimum = m;
    }
    if e.no_payout_day {
        after.payout_day = None;
    }
    if let Some(d) = e.payout_day {
        if !(1..=28).contains(&d) {
            return Err(Error::validation(
                "payout_day",
                "must be a day of the month from 1 to 28 (every month has it)",
            ));
        }
        after.payout_day = Some(d);
    }
    if after != before {
        write::group_payout_changed(tx, &before, &after)?;
    }
    Ok(after)
}

/// Set a partner's tax form, the day it was received and the tax id,
/// audited. `received` and `tax_id`: None keeps what is on file (a form of
/// none clears the day), an empty text clears it.
pub fn set_tax(
    tx: &Tx,
    partner: PartnerId,
    form: TaxForm,
    received: Option<&str>,
    tax_id: Option<&str>,
) -> Result<PartnerTax> {
    let before = repo::payouts::tax(tx, partner)?;
    let received = match received.map(str::trim) {
        Some("") => None,
        Some(d) => {
            let day = NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| Error::validation("received", format!("must be a date YYYY-MM-DD (got {d:?})")))?;
            if form == TaxForm::None {
                return Err(Error::validation(
                    "received",
                    "a received date needs a form other than none",
                ));
            }
            Some(day.format("%Y-%m-%d").to_string())
        }
        None if form == TaxForm::None => None,
        None => before.tax_form_received.clone(),
    };
    let tax_id = match tax_id {
        Some(t) => super::validate::optional("tax_id", Some(t), 64)?,
        None => before.tax_id.clone(),
    };
    let after = PartnerTax {
        partner_id: partner,
        tax_form: form,
        tax_form_received: received,
        tax_id,
    };
    if after != before {
        write::partner_tax_set(tx, &before, &after)?;
    }
    Ok(after)
}

// ---- Holds ----

/// What the hold step of `run-due` approved.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Released {
    pub count: i64,
    /// Cents.
    pub amount: i64,
}

/// Approve every pending commission whose hold has passed and whose deal
/// stands, and every pending clawback (at once: it only lowers what is owed)
/// of a group with a hold (`repo::payouts::releasable`), each audited as
/// `release`. Run by
/// `run-due` in its transaction: a commission is released once (it is no
/// longer pending afterwards).
pub fn release_due(tx: &Tx) -> Result<Released> {
    let mut out = Released::default();
    for id in repo::payouts::releasable(tx, tx.now_text())? {
        let c = repo::commissions::get(tx, id)?;
        write::commission_released(tx, &c)?;
        out.count += 1;
        out.amount += c.commission_amount;
    }
    Ok(out)
}

/// When each of these pending commissions leaves its hold (their group's hold now).
pub fn release_dates(conn: &Conn, ids: &[CommissionId]) -> Result<Vec<ReleaseDate>> {
    Ok(repo::payouts::holds(conn, ids)?
        .into_iter()
        .map(|(id, created, hold, clawback)| ReleaseDate {
            commission_id: id,
            // A clawback is approved by the next run-due (it only lowers what is owed).
            release_at: (hold > 0)
                .then(|| crate::clock::parse_time(&created))
                .flatten()
                .map(|t| crate::clock::fmt_time(if clawback { t } else { t + Duration::days(hold) })),
        })
        .collect())
}

// ---- Balance ----

/// A partner's payable balance, pending and paid amounts, what their last
/// run carried forward, their group's minimum and hold, and their tax data.
pub fn balance(conn: &Conn, partner: PartnerId) -> Result<PartnerBalance> {
    let p = repo::partners::get(conn, partner)?;
    let g = repo::payouts::group_payout(conn, p.group_id)?;
    let (balance, approved_count) = repo::payouts::sum_of(conn, partner, "approved")?;
    let (pending, pending_count) = repo::payouts::sum_of(conn, partner, "pending")?;
    let (paid, _) = repo::payouts::sum_of(conn, partner, "paid")?;
    let last = repo::payouts::last_entry(conn, partner)?;
    Ok(PartnerBalance {
        partner_id: partner,
        balance,
        approved_count,
        pending,
        pending_count,
        paid,
        carried_forward: last.as_ref().map_or(0, |e| e.carried_forward),
        last_run_at: last.map(|e| e.created_at),
        minimum: g.payout_minimum,
        hold_days: g.hold_days,
        tax: repo::payouts::tax(conn, partner)?,
    })
}

// ---- Payout runs ----

/// Who a run over `partners` (every partner with approved commissions when
/// empty) would pay and skip, and why; writes nothing.
pub fn preview(conn: &Conn, partners: &[PartnerId]) -> Result<PayoutPlan> {
    let currency = super::settings::load(conn)?.currency;
    let mut plan = PayoutPlan {
        currency,
        ..PayoutPlan::default()
    };
    let chosen: Vec<repo::payouts::Candidate> = if partners.is_empty() {
        repo::payouts::candidates(conn)?
    } else {
        let mut seen = std::collections::HashSet::new();
        let mut v = Vec::new();
        for &p in partners {
            if seen.insert(p) {
                v.push(repo::payouts::candidate(conn, p)?);
            }
        }
        v
    };
    for (pid, name, email, _group, balance, count, minimum, brought_forward) in chosen {
        let reason = skip_reason(balance, count, minimum);
        let c = PayoutCandidate {
            partner_id: pid,
            partner_name: name,
            partner_email: email,
            balance,
            commission_count: count,
            minimum,
            brought_forward,
            reason,
            document_number: None,
        };
        if reason.is_none() {
            plan.total += balance;
            plan.paid.push(c);
        } else {
            plan.skipped.push(c);
        }
    }
    let by_name = |a: &PayoutCandidate, b: &PayoutCandidate| {
        (a.partner_name.to_lowercase(), a.partner_id).cmp(&(b.partner_name.to_lowercase(), b.partner_id))
    };
    plan.paid.sort_by(by_name);
    plan.skipped.sort_by(by_name);
    Ok(plan)
}

/// Why a partner with this balance (of `count` approved commissions) is not
/// paid under this minimum; None: paid.
pub fn skip_reason(balance: i64, count: i64, minimum: i64) -> Option<SkipReason> {
    if count == 0 {
        Some(SkipReason::NothingDue)
    } else if balance < 0 {
        Some(SkipReason::NegativeBalance)
    } else if balance < minimum.max(1) {
        Some(SkipReason::BelowMinimum)
    } else {
        None
    }
}

/// The self-billing document number of sequence number `seq` in `year`.
pub fn document_number(year: i32, seq: i64) -> String {
    format!("SB-{year:04}-{seq:06}")
}

/// Run a payout over `partners` (every partner with approved commissions
/// when empty): pay each eligible partner's approved commissions in one
/// payout, give each a self-billing number, record the skipped ones with
/// their reason (their balance is carried forward), audited; one
/// transaction. A partner skipped because nothing is approved is reported
/// but not recorded. Never fails because of one partner.
pub fn run(tx: &Tx, partners: &[PartnerId]) -> Result<PayoutPlan> {
    Ok(run_with_payout(tx, partners)?.0)
}

/// [`run`], answering the payout made too (when anyone was paid).
pub fn run_with_payout(tx: &Tx, partners: &[PartnerId]) -> Result<(PayoutPlan, Option<Payout>)> {
    let mut plan = preview(tx, partners)?;
    let now = tx.now();
    let stamp = tx.now_text().to_owned();
    let run_id = PayoutId::new_at(now);
    let first_seq = repo::payouts::next_document_seq(tx)?;
    let mut entries = Vec::new();
    let mut lines = Vec::new();
    let mut paid = Vec::new();
    for (seq, c) in (first_seq..).zip(plan.paid.iter_mut()) {
        let approved = repo::commissions::approved_of_partner(tx, c.partner_id)?;
        debug_assert_eq!(approved.iter().map(|x| x.commission_amount).sum::<i64>(), c.balance);
        let number = document_number(now.year(), seq);
        entries.push(Entry {
            id: crate::model::uuid_v7_at(now).hyphenated().to_string(),
            run_id: run_id.to_string(),
            payout_id: Some(run_id),
            partner_id: c.partner_id,
            outcome: "paid".into(),
            reason: None,
            balance: c.balance,
            brought_forward: c.brought_forward,
            carried_forward: 0,
            document_seq: Some(seq),
            document_number: Some(number.clone()),
            created_at: stamp.clone(),
        });
        c.document_number = Some(number);
        lines.push(PayoutLine {
            partner_id: c.partner_id,
            partner_name: c.partner_name.clone(),
            partner_email: c.partner_email.clone(),
            amount: c.balance,
            commission_count: approved.len() as i64,
        });
        paid.extend(approved);
    }
    for c in &plan.skipped {
        if c.reason == Some(SkipReason::NothingDue) {
            continue;
        }
        entries.push(Entry {
            id: crate::model::uuid_v7_at(now).hyphenated().to_string(),
            run_id: run_id.to_string(),
            payout_id: None,
            partner_id: c.partner_id,
            outcome: "skipped".into(),
            reason: c.reason,
            balance: c.balance,
            brought_forward: c.brought_forward,
            carried_forward: c.balance,
            document_seq: None,
            document_number: None,
            created_at: stamp.clone(),
        });
    }
    if entries.is_empty() {
        return Ok((plan, None));
    }
    plan.run_id = Some(run_id.to_string());
    let payout = (!paid.is_empty()).then(|| Payout {
        id: run_id,
        total_amount: plan.total,
        commission_count: paid.len() as i64,
        currency: plan.currency.clone(),
        created_at: stamp.clone(),
        lines,
    });
    plan.payout_id = payout.as_ref().map(|p| p.id);
    write::payout_run_made(
        tx,
        payout.as_ref().map(|p| (p, paid.as_slice())),
        &entries,
        &run_id.to_string(),
        &plan,
    )?;
    // One "payout sent" e-mail per paid partner, in the run's transaction.
    if let Some(p) = &payout {
        super::automation::events::payout_sent(tx, p)?;
    }
    Ok((plan, payout))
}

/// The payout as the older `payout create` answers it: the payout the run
/// made, or a conflict naming why nobody was paid.
pub fn payout_of_run(plan: &PayoutPlan, payout: Option<Payout>) -> Result<Payout> {
    match payout {
        Some(p) => Ok(p),
        None => {
            let why: Vec<String> = plan
                .skipped
                .iter()
                .map(|c| format!("{}: {}", c.partner_name, describe(c)))
                .collect();
            Err(Error::Conflict(if why.is_empty() {
                "the chosen partners have no approved commissions to pay".into()
            } else {
                format!("nobody was paid ({})", why.join("; "))
            }))
        }
    }
}

/// A skipped partner's reason as people read it.
pub fn describe(c: &PayoutCandidate) -> String {
    use crate::money::format_amount;
    match c.reason {
        None => "paid".into(),
        Some(SkipReason::NothingDue) => "no approved commissions".into(),
        Some(SkipReason::NegativeBalance) => format!(
            "negative balance {} (carried forward to the next run)",
            format_amount(c.balance)
        ),
        Some(SkipReason::BelowMinimum) => format!(
            "balance {} is below the payout minimum {} (carried forward)",
            format_amount(c.balance),
            format_amount(c.minimum)
        ),
    }
}

// ---- Schedule ----

/// A payout run that is due by the groups' payout days: the day it fell due,
/// the partners it would pay and the total.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DuePayout {
    /// YYYY-MM-DD.
    pub due_on: String,
    pub partners: i64,
    /// Cents.
    pub total: i64,
}

/// The run due now: when a group's payout day has come this month (or last
/// month's, when this month's has not) and no run was made since, and it
/// would pay someone of such a group.
pub fn due(conn: &Conn, now: chrono::DateTime<chrono::Utc>) -> Result<Option<DuePayout>> {
    let today = now.date_naive();
    let last_run = repo::payouts::last_run_at(conn)?;
    let mut due_groups = std::collections::HashMap::new();
    for g in repo::payouts::group_payouts(conn)? {
        let Some(day) = g.payout_day else { continue };
        let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), day as u32);
        let Some(this_month) = this_month else { continue };
        let due_on = if this_month <= today {
            this_month
        } else {
            let prev = today.with_day(1).and_then(|d| d.pred_opt()).unwrap_or(today);
            match NaiveDate::from_ymd_opt(prev.year(), prev.month(), day as u32) {
                Some(d) => d,
                None => continue,
            }
        };
        let due_text = due_on.format("%Y-%m-%d").to_string();
        if last_run.as_deref().is_some_and(|r| r >= due_text.as_str()) {
            continue;
        }
        due_groups.insert(g.group_id, due_text);
    }
    if due_groups.is_empty() {
        return Ok(None);
    }
    let mut partners = 0;
    let mut total = 0;
    let mut first: Option<String> = None;
    for (_, _, _, group, balance, count, minimum, _) in repo::payouts::candidates(conn)? {
        let Some(d) = due_groups.get(&group) else { continue };
        if skip_reason(balance, count, minimum).is_none() {
            partners += 1;
            total += balance;
            if first.as_ref().is_none_or(|f| d < f) {
                first = Some(d.clone());
            }
        }
    }
    Ok(first.map(|due_on| DuePayout {
        due_on,
        partners,
        total,
    }))
}
