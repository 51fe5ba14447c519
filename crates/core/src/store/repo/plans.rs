use crate::error::{Error, Result};
use crate::model::{AppPlan, PlanId, PlanStatus};
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLS: &str = "id, partner_id, client_lead_id, business_name, industry, features, generated_content, timeline_estimate, investment_range, status, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<AppPlan> {
    let features: String = r.get(5)?;
    Ok(AppPlan {
        id: r.get(0)?,
        partner_id: r.get(1)?,
        client_lead_id: r.get(2)?,
        business_name: r.get(3)?,
        industry: r.get(4)?,
        features: serde_json::from_str(&features)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, Box::new(e)))?,
        generated_content: r.get(6)?,
        timeline_estimate: r.get(7)?,
        investment_range: r.get(8)?,
        status: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

fn features_json(p: &AppPlan) -> String {
    serde_json::to_string(&p.features).unwrap_or_else(|_| "[]".into())
}

pub fn insert(conn: &Connection, p: &AppPlan) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO app_plans_partnership ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?
    .execute(params![
        p.id,
        p.partner_id,
        p.client_lead_id,
        p.business_name,
        p.industry,
        features_json(p),
        p.generated_content,
        p.timeline_estimate,
        p.investment_range,
        p.status,
        p.created_at,
        p.updated_at
    ])?;
    Ok(())
}

/// Write every editable field of the plan back.
pub fn update(conn: &Connection, p: &AppPlan) -> Result<()> {
    conn.prepare_cached(
        "UPDATE app_plans_partnership SET business_name = ?2, industry = ?3, features = ?4, generated_content = ?5,
                timeline_estimate = ?6, investment_range = ?7, status = ?8, updated_at = ?9 WHERE id = ?1",
    )?
    .execute(params![
        p.id,
        p.business_name,
        p.industry,
        features_json(p),
        p.generated_content,
        p.timeline_estimate,
        p.investment_range,
        p.status,
        p.updated_at
    ])?;
    Ok(())
}

pub fn get(conn: &Connection, id: PlanId) -> Result<AppPlan> {
    conn.prepare_cached(&format!("SELECT {COLS} FROM app_plans_partnership WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("app plan", id.to_string()))
}

pub fn list(conn: &Connection, status: Option<PlanStatus>, limit: i64, offset: i64) -> Result<(Vec<AppPlan>, i64)> {
    let total: i64 = conn.query_row(
        "SELECT count(*) FROM app_plans_partnership WHERE ?1 IS NULL OR status = ?1",
        params![status],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM app_plans_partnership WHERE ?1 IS NULL OR status = ?1 ORDER BY updated_at DESC, id DESC LIMIT ?2 OFFSET ?3"
    ))?;
    let items = stmt
        .query_map(params![status, limit, offset], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok((items, total))
}
