//! The lead import: partners and duplicate keys cached in memory, rows
//! written through prepared statements, roll-ups added per partner at the end.

use super::prepare::{lead_field, IdSeq, LeadFields, PartnerKey};
use super::sink::{existing, Taken};
use super::LoadMode;
use crate::error::{Error, Result};
use crate::model::{Entity, Lead, LeadId, LeadStatus, PartnerId, PartnerStatus};
use crate::store::{repo, Tx};
use crate::workflow::leads::{self, LeadEdit};
use rusqlite::{params, OptionalExtension};
use std::collections::{HashMap, HashSet};

/// A partner as a lead import sees it.
#[derive(Clone)]
struct PartnerRef {
    id: PartnerId,
    /// The id as stored (bound for every lead without a conversion).
    id_text: String,
    status: PartnerStatus,
    name: String,
}

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The lead import: partners and duplicate keys cached in memory, rows
/// written through prepared statements, roll-ups added per partner at the end.
pub(super) struct LeadSink<'t, 'c> {
    tx: &'t Tx<'c>,
    ids: IdSeq,
    now: String,
    partners: FastMap<String, Option<PartnerRef>>,
    /// Client e-mail -> first lead with it (the database's first, else the file's).
    by_email: FastMap<String, LeadId>,
    /// Lower-cased (ASCII) business name -> first lead with it.
    by_business: FastMap<String, LeadId>,
    /// Whether the database's own leads are in the maps (else looked up per row).
    preloaded: bool,
    mode: LoadMode,
    rebuild: Vec<String>,
    insert_lead: rusqlite::Statement<'t>,
    insert_audit: rusqlite::Statement<'t>,
    /// The largest rowid of the leads before the import (its first history
    /// rows are written for the leads after it, in one statement).
    rowid_before: i64,
    /// Leads written and their value, per partner and month of creation
    /// (for the roll-ups), with the creation time of one of them.
    added: FastMap<(PartnerId, String), (i64, i64, String)>,
    /// Rows that update a lead already in the database are allowed.
    update: bool,
    /// The ids the file gives (each may stand once).
    given_ids: HashSet<uuid::Uuid>,
    first: Option<LeadId>,
    last: Option<LeadId>,
}

impl<'t, 'c> LeadSink<'t, 'c> {
    pub(super) fn new(tx: &'t Tx<'c>, mode: LoadMode, update: bool, bytes: usize) -> Result<Self> {
        let existing: i64 = tx.query_row("SELECT COALESCE(MAX(rowid), 0) FROM client_leads", [], |r| r.get(0))?;
        // Loading the database's keys costs a scan; per-row look-ups cost an
        // index probe each. Scan when the file is large against the table.
        let preloaded = mode.rebuild || (bytes as i64 / 80) >= existing / 4;
        // Sized for the file's rows (about 100 bytes each) and the table's.
        let expect = if preloaded {
            existing as usize + bytes / 100
        } else {
            bytes / 100
        };
        let mut by_email = FastMap::with_capacity_and_hasher(expect, Default::default());
        let mut by_business = FastMap::with_capacity_and_hasher(expect, Default::default());
        if preloaded && existing > 0 {
            let mut stmt = tx.prepare(
                "SELECT id, client_email, business_name FROM client_leads ORDER BY created_at DESC, rowid DESC",
            )?;
            let mut rows = stmt.query([])?;
            // Newest first, so the oldest ends up in the map (as find_duplicate's ORDER BY created_at).
            while let Some(r) = rows.next()? {
                let id: LeadId = r.get(0)?;
                let email: String = r.get(1)?;
                let business: Option<String> = r.get(2)?;
                by_email.insert(email, id);
                if let Some(b) = business
                    .map(|b| b.trim().to_ascii_lowercase())
                    .filter(|b| !b.is_empty())
                {
                    by_business.insert(b, id);
                }
            }
        }
        if mode.large {
            // A search-index trigger per row would cost more than building the
            // index again at the next search.
            crate::store::search::drop(tx)?;
        }
        let rebuild = if mode.rebuild {
            // All of them: keeping those whose keys grow with the import (created,
            // status + updated, history by lead) measured 1.5 s slower on 1M leads.
            crate::store::drop_secondary_indexes(tx, &["client_leads", "lead_status_history"], &[])?
        } else {
            Vec::new()
        };
        Ok(LeadSink {
            tx,
            ids: IdSeq::new(tx.now()),
            now: tx.now_text().to_owned(),
            partners: FastMap::default(),
            by_email,
            by_business,
            preloaded,
            mode,
            rebuild,
            insert_lead: tx.prepare(
                "INSERT INTO client_leads (id, partner_id, client_name, client_email, client_phone, business_name, project_description, estimated_value, status, possible_duplicate_of, closed_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'prospect', ?9, NULL, ?10, ?11)",
            )?,
            insert_audit: tx.prepare(repo::audit::INSERT)?,
            rowid_before: existing,
            added: FastMap::default(),
            update,
            given_ids: HashSet::new(),
            first: None,
            last: None,
        })
    }

    fn partner(&mut self, key: &PartnerKey) -> Result<PartnerRef> {
        if !self.partners.contains_key(&key.norm) {
            let found: Option<PartnerRef> = if key.norm.contains('@') {
                repo::partners::find_by_email(self.tx, &key.norm)?.map(|p| PartnerRef {
                    id: p.id,
                    id_text: p.id.to_string(),
                    status: p.status,
                    name: p.name,
                })
            } else {
                let id = uuid::Uuid::parse_str(&key.norm).map_err(|_| {
                    Error::validation(
                        key.field,
                        format!("{:?} is neither a partner id nor a partner e-mail", key.given),
                    )
                })?;
                self.tx
                    .prepare_cached("SELECT id, status, name FROM partners WHERE id = ?1")?
                    .query_row([id.hyphenated().to_string()], |r| {
                        Ok(PartnerRef {
                            id: r.get(0)?,
                            id_text: r.get(0)?,
                            status: r.get(1)?,
                            name: r.get(2)?,
                        })
                    })
                    .optional()?
            };
            self.partners.insert(key.norm.clone(), found);
        }
        match self.partners.get(&key.norm).cloned().flatten() {
            Some(p) => Ok(p),
            None => Err(Error::validation(key.field, format!("no partner {:?}", key.given))),
        }
    }

    pub(super) fn take(&mut self, f: LeadFields, write: bool) -> Result<Taken> {
        if let Some(id) = f.meta.id {
            if !self.given_ids.insert(id) {
                return Err(Error::validation(
                    "id",
                    format!("{id} stands on an earlier row of the file too"),
                ));
            }
            if let Some(id) = existing(self.tx, "client_leads", "a lead", &f.meta, self.update)? {
                return self.update(LeadId(id), f, write);
            }
        }
        let partner = self.partner(&f.partner)?;
        let origin = f.meta.origin(self.tx.now())?;
        // A row with its own id and creation time is a lead moving with its
        // history from another database (an export): its partner took it
        // then, whatever their status is now. Any other row is a new lead.
        let history = f.meta.is_history();
        if partner.status != PartnerStatus::Active && !history {
            return Err(Error::Conflict(format!(
                "partner {} is {} and takes no new leads",
                partner.name, partner.status
            )));
        }
        let business_key = f.business_name.as_deref().map(|b| b.to_ascii_lowercase());
        let dup = self.find_duplicate(&f.client_email, f.business_name.as_deref(), business_key.as_deref())?;
        let kept = origin.id.is_some();
        let id = LeadId(origin.id.unwrap_or_else(|| self.ids.next()));
        let created_at = origin.created_at.unwrap_or_else(|| self.now.clone());
        if write {
            let mut buf = uuid::Uuid::encode_buffer();
            let id_text: &str = id.0.hyphenated().encode_lower(&mut buf);
            self.insert_lead.execute(params![
                id_text,
                partner.id_text,
                f.client_name,
                f.client_email,
                f.client_phone,
                f.business_name,
                f.description,
                f.estimated_value,
                dup,
                created_at,
                self.now,
            ])?;
            // A large import's own ids are one range, named by its summary
            // row; a lead that keeps the id of its file is audited alone.
            if !self.mode.large || kept {
                let lead = Lead {
                    id,
                    partner_id: partner.id,
                    client_name: f.client_name,
                    client_email: f.client_email.clone(),
                    client_phone: f.client_phone,
                    business_name: f.business_name,
                    project_description: f.description,
                    estimated_value: f.estimated_value,
                    status: LeadStatus::Prospect,
                    possible_duplicate_of: dup,
                    closed_at: None,
                    created_at: created_at.clone(),
                    updated_at: self.now.clone(),
                };
                let after = serde_json::to_string(&lead).map_err(|e| Error::validation("audit", e.to_string()))?;
                // The chain's end is read per row: other writes of this import
                // (a partner, an update) may have added audit rows since.
                let (seq, hash) = repo::audit_chain::Chain::head(self.tx)?.link(
                    &self.now,
                    Entity::Lead.as_str(),
                    id_text,
                    "create",
                    None,
                    Some(&after),
                );
                self.insert_audit.execute(params![
                    seq,
                    self.now,
                    Entity::Lead,
                    id_text,
                    "create",
                    Option::<&str>::None,
                    after,
                    hash
                ])?;
            }
            let month = created_at.get(..7).unwrap_or_default().to_owned();
            let sum = self.added.entry((partner.id, month)).or_insert((0, 0, created_at));
            sum.0 += 1;
            sum.1 += f.estimated_value;
            if !kept {
                self.first.get_or_insert(id);
                self.last = Some(id);
            }
        }
        // Later rows see this one (also on a checking pass).
        self.by_email.entry(f.client_email).or_insert(id);
        if let Some(b) = business_key {
            self.by_business.entry(b).or_insert(id);
        }
        Ok(Taken::New {
            duplicate: dup.is_some(),
        })
    }

    /// A row naming a lead already in the database (an import with
    /// `update`): the fields the file has, through the rules of a hand
    /// edit; computed without writing on a checking pass.
    fn update(&mut self, id: LeadId, f: LeadFields, write: bool) -> Result<Taken> {
        let before = repo::leads::get(self.tx, id)?;
        let partner = self.partner(&f.partner)?;
        if partner.id != before.partner_id {
            return Err(Error::validation(
                f.partner.field,
                format!(
                    "an import does not move a lead to another partner: lead {id} is {}'s",
                    repo::partners::get(self.tx, before.partner_id)?.name
                ),
            ));
        }
        let has = |i| f.meta.has(i);
        let edit = LeadEdit {
            client_name: Some(f.client_name),
            client_email: Some(f.client_email),
            client_phone: has(lead_field::CLIENT_PHONE).then_some(f.client_phone),
            business_name: has(lead_field::BUSINESS_NAME).then_some(f.business_name),
            project_description: has(lead_field::PROJECT_DESCRIPTION).then_some(f.description),
            estimated_value: has(lead_field::ESTIMATED_VALUE).then_some(f.estimated_value),
        };
        let (_, changes) = if write {
            leads::edit(self.tx, id, &edit)?
        } else {
            leads::edited(&before, &edit)?
        };
        Ok(Taken::Updated {
            id: id.to_string(),
            changes,
        })
    }

    /// As [`repo::leads::find_duplicate`] over the database and the rows
    /// before this one: the oldest lead with the same client e-mail, else
    /// the oldest with the same business name (ASCII case-insensitive).
    fn find_duplicate(
        &self,
        email: &str,
        business: Option<&str>,
        business_key: Option<&str>,
    ) -> Result<Option<LeadId>> {
        if !self.preloaded {
            if let Some(id) = repo::leads::find_duplicate(self.tx, email, None)? {
                return Ok(Some(id));
            }
        }
        if let Some(id) = self.by_email.get(email) {
            return Ok(Some(*id));
        }
        let (Some(business), Some(key)) = (business, business_key) else {
            return Ok(None);
        };
        if !self.preloaded {
            if let Some(id) = self
                .tx
                .prepare_cached(
                    "SELECT id FROM client_leads WHERE business_name IS NOT NULL AND business_name = ?1 COLLATE NOCASE ORDER BY created_at LIMIT 1",
                )?
                .query_row([business], |r| r.get(0))
                .optional()?
            {
                return Ok(Some(id));
            }
        }
        Ok(self.by_business.get(key).copied())
    }

    /// Write the leads' first history rows, build the dropped indexes again
    /// and add the new leads to the roll-ups; a large import's first and last lead id.
    pub(super) fn finish(
        &mut self,
        tick: &mut dyn FnMut(u64, u64, &str) -> Result<()>,
    ) -> Result<Option<(LeadId, LeadId)>> {
        // As a hand entry writes it, for every lead of the import at once.
        tick(0, 1, "history")?;
        self.tx.execute(
            "INSERT INTO lead_status_history (lead_id, from_status, to_status, reopen, at)
             SELECT id, NULL, 'prospect', 0, created_at FROM client_leads WHERE rowid > ?1 ORDER BY rowid",
            [self.rowid_before],
        )?;
        let n = self.rebuild.len() as u64;
        for (i, sql) in std::mem::take(&mut self.rebuild).into_iter().enumerate() {
            tick(i as u64, n, "indexes")?;
            self.tx.execute_batch(&sql)?;
        }
        tick(n, n, "indexes")?;
        tick(0, 1, "analytics")?;
        let mut added: Vec<_> = self.added.drain().collect();
        added.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for ((partner, _), (leads, value, created_at)) in added {
            crate::analytics::rollup::on_leads_added(self.tx, partner, &created_at, leads, value)?;
        }
        Ok(match (self.mode.large, self.first, self.last) {
            (true, Some(first), Some(last)) => Some((first, last)),
            _ => None,
        })
    }
}
