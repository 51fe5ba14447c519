//! Where checked rows go: applications through the hand-entry rule itself,
//! partners one by one through the write path of a hand entry
//! ([`crate::workflow::write`]), leads through [`super::leads::LeadSink`].

use super::leads::LeadSink;
use super::prepare::{application_field, partner_field, IdSeq, PartnerFields, Prepared, RowMeta};
use super::{ImportTable, LoadMode};
use crate::error::{Error, Result};
use crate::model::{
    Application, ApplicationId, ApplicationStatus, FieldChange, LeadId, NewApplication, Partner, PartnerId,
    PartnerStatus, Tier,
};
use crate::store::{repo, Tx};
use crate::workflow::{applications, partners, write};
use rusqlite::OptionalExtension;

/// What became of a row.
pub(super) enum Taken {
    /// A new record; `duplicate` when it is a likely duplicate lead.
    New { duplicate: bool },
    /// An update of the record `id`, with the fields it changes.
    Updated { id: String, changes: Vec<FieldChange> },
}

/// Where checked rows go.
pub(super) enum Sink<'t, 'c> {
    Applications { tx: &'t Tx<'c>, update: bool },
    Partners { tx: &'t Tx<'c>, ids: IdSeq, update: bool },
    Leads(Box<LeadSink<'t, 'c>>),
}

/// The record a row's `id` names when it is already in `table`: an update
/// when the import allows updates, else an error of the row. None for a
/// new record (no id, or an id not in the database: it is kept).
pub(super) fn existing(tx: &Tx, table: &str, what: &str, meta: &RowMeta, update: bool) -> Result<Option<uuid::Uuid>> {
    let Some(id) = meta.id else { return Ok(None) };
    let found = tx
        .prepare_cached(&format!("SELECT 1 FROM {table} WHERE id = ?1"))?
        .query_row([id.hyphenated().to_string()], |_| Ok(()))
        .optional()?
        .is_some();
    match (found, update) {
        (false, _) => Ok(None),
        (true, true) => Ok(Some(id)),
        (true, false) => Err(Error::validation(
            "id",
            format!(
                "{id} is already {what} in this database: import with --update to change it \
                 (or without the id column to add a new record)"
            ),
        )),
    }
}

impl<'t, 'c> Sink<'t, 'c> {
    pub(super) fn new(tx: &'t Tx<'c>, table: ImportTable, mode: LoadMode, update: bool, bytes: usize) -> Result<Self> {
        Ok(match table {
            ImportTable::Applications => Sink::Applications { tx, update },
            ImportTable::Partners => Sink::Partners {
                tx,
                ids: IdSeq::new(tx.now()),
                update,
            },
            ImportTable::Leads => Sink::Leads(Box::new(LeadSink::new(tx, mode, update, bytes)?)),
        })
    }

    /// Check one row against the database and, when `write`, write it.
    pub(super) fn take(&mut self, row: Prepared, write: bool) -> Result<Taken> {
        match (self, row) {
            (Sink::Applications { tx, update }, Prepared::Application(input, status, meta)) => {
                // The hand-entry rules themselves; "network" is their name for the field.
                let named = |e: Error| match e {
                    Error::Validation { field, reason } if field == "network" => {
                        Error::validation("network_description", reason)
                    }
                    other => other,
                };
                match existing(tx, "partner_applications", "an application", &meta, *update)? {
                    Some(id) => {
                        let id = ApplicationId(id);
                        let before = repo::applications::get(tx, id)?;
                        if status.is_some_and(|s| s != before.status) {
                            return Err(Error::validation(
                                "status",
                                format!(
                                    "an update does not move an application ({} now): review, approve or reject it",
                                    before.status
                                ),
                            ));
                        }
                        let input = keep_absent(&before, input, &meta);
                        let (_, changes) = applications::edit(tx, id, &input).map_err(named)?;
                        Ok(Taken::Updated {
                            id: id.to_string(),
                            changes,
                        })
                    }
                    None => {
                        let status = status.unwrap_or(ApplicationStatus::Pending);
                        if status != ApplicationStatus::Pending && !meta.is_history() {
                            return Err(Error::validation(
                                "status",
                                "a new application starts pending (a row keeps its status only with its own \
                                 id and created_at, as an export writes them)",
                            ));
                        }
                        let app = applications::add_as(tx, &input, &meta.origin(tx.now())?).map_err(named)?;
                        if status != ApplicationStatus::Pending {
                            // The decision was taken in the database the row comes from.
                            let decided = Application { status, ..app.clone() };
                            write::application_changed(tx, &app, &decided, "import_status")?;
                        }
                        Ok(Taken::New { duplicate: false })
                    }
                }
            }
            (Sink::Partners { tx, ids, update }, Prepared::Partner(f)) => {
                match existing(tx, "partners", "a partner", &f.meta, *update)? {
                    Some(id) => {
                        let id = PartnerId(id);
                        let edit = partners::PartnerEdit {
                            name: Some(f.name),
                            email: Some(f.email),
                            phone: f.meta.has(partner_field::PHONE).then_some(f.phone),
                            company: f.meta.has(partner_field::COMPANY).then_some(f.company),
                            status: f.status,
                            tier: f.tier,
                        };
                        let group = f.group.as_deref().map(|g| group_of(tx, g)).transpose()?;
                        let (after, mut changes) = partners::edit(tx, id, &edit)?;
                        if let Some(g) = group.filter(|g| *g != after.group_id) {
                            crate::workflow::rules::set_partner_group(tx, id, g)?;
                            changes.push(crate::model::FieldChange {
                                field: "group_id".into(),
                                old: Some(after.group_id.to_string()),
                                new: Some(g.to_string()),
                            });
                        }
                        if let Some((form, received, tax_id)) = &f.tax {
                            let before = repo::payouts::tax(tx, id)?;
                            let t = crate::workflow::payouts::set_tax(
                                tx,
                                id,
                                *form,
                                Some(received.as_deref().unwrap_or("")),
                                Some(tax_id.as_deref().unwrap_or("")),
                            )?;
                            let mut note = |field: &str, old: Option<String>, new: Option<String>| {
                                if old != new {
                                    changes.push(crate::model::FieldChange {
                                        field: field.into(),
                                        old,
                                        new,
                                    });
                                }
                            };
                            note(
                                "tax_form",
                                Some(before.tax_form.to_string()),
                                Some(t.tax_form.to_string()),
                            );
                            note("tax_form_received", before.tax_form_received, t.tax_form_received);
                            note("tax_id", before.tax_id, t.tax_id);
                        }
                        Ok(Taken::Updated {
                            id: id.to_string(),
                            changes,
                        })
                    }
                    None => {
                        // Written even on a checking pass (`write` false): a later row
                        // with the same e-mail must see it; all is rolled back then.
                        add_partner(tx, ids, f)?;
                        Ok(Taken::New { duplicate: false })
                    }
                }
            }
            (Sink::Leads(s), Prepared::Lead(f)) => s.take(f, write),
            _ => Err(Error::validation("table", "a row prepared for another table")),
        }
    }

    /// After the last row: the first and last id of a large import's leads.
    pub(super) fn finish(
        &mut self,
        tick: &mut dyn FnMut(u64, u64, &str) -> Result<()>,
    ) -> Result<Option<(LeadId, LeadId)>> {
        match self {
            Sink::Leads(s) => s.finish(tick),
            _ => Ok(None),
        }
    }
}

/// An application's fields as an update row gives them: the optional fields
/// the file does not have keep their value.
fn keep_absent(before: &Application, mut input: NewApplication, meta: &RowMeta) -> NewApplication {
    if !meta.has(application_field::PHONE) {
        input.phone.clone_from(&before.phone);
    }
    if !meta.has(application_field::COMPANY) {
        input.company.clone_from(&before.company);
    }
    if !meta.has(application_field::NETWORK_DESCRIPTION) {
        input.network_description.clone_from(&before.network_description);
    }
    if !meta.has(application_field::EXPECTED_REFERRALS) {
        input.expected_referrals = before.expected_referrals;
    }
    if !meta.has(application_field::EXPERIENCE_LEVEL) {
        input.experience_level = before.experience_level;
    }
    input
}

/// A new partner from a row: its own id and time when it carries them, the
/// application it names (which must be in the database and no other
/// partner's), active and bronze unless the row says otherwise.
fn add_partner(tx: &Tx, ids: &mut IdSeq, f: PartnerFields) -> Result<()> {
    if let Some(p) = repo::partners::find_by_email(tx, &f.email)? {
        return Err(Error::validation(
            "email",
            format!("{} is already the e-mail of partner {} ({})", f.email, p.name, p.id),
        ));
    }
    let application_id = match f.application_id {
        None => None,
        Some(a) => {
            let id = ApplicationId(a);
            repo::applications::get(tx, id).map_err(|_| {
                Error::validation(
                    "application_id",
                    format!(
                        "{a} names no application in this database: import the applications first, \
                         or leave the column out"
                    ),
                )
            })?;
            let taken: Option<String> = tx
                .prepare_cached("SELECT name FROM partners WHERE application_id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?;
            if let Some(name) = taken {
                return Err(Error::validation(
                    "application_id",
                    format!("the application {a} is already the application of partner {name}"),
                ));
            }
            Some(id)
        }
    };
    let group_id = match f.group.as_deref() {
        Some(g) => group_of(tx, g)?,
        None => crate::model::GroupId::STANDARD,
    };
    let origin = f.meta.origin(tx.now())?;
    let now = tx.now_text().to_owned();
    let partner = Partner {
        id: PartnerId(origin.id.unwrap_or_else(|| ids.next())),
        application_id,
        name: f.name,
        email: f.email,
        phone: f.phone,
        company: f.company,
        status: f.status.unwrap_or(PartnerStatus::Active),
        tier: f.tier.unwrap_or(Tier::Bronze),
        total_deals: 0,
        total_earnings: 0,
        created_at: origin.created_at.unwrap_or_else(|| now.clone()),
        updated_at: now,
        group_id,
    };
    write::partner_created(tx, &partner)?;
    if let Some((form, received, tax_id)) = &f.tax {
        let (received, tax_id) = (received.as_deref().unwrap_or(""), tax_id.as_deref().unwrap_or(""));
        crate::workflow::payouts::set_tax(tx, partner.id, *form, Some(received), Some(tax_id))?;
    }
    Ok(())
}

/// The group a row names, by id (as an export writes it) or by name.
fn group_of(tx: &Tx, text: &str) -> Result<crate::model::GroupId> {
    if let Ok(u) = uuid::Uuid::parse_str(text) {
        let id = crate::model::GroupId(u);
        if repo::rules::group(tx, id).is_ok() {
            return Ok(id);
        }
    }
    crate::workflow::rules::group_named(tx, text).map(|g| g.id).map_err(|_| {
        Error::validation(
            "group_id",
            format!(
                "{text:?} names no group in this database: add the group (partnerdesk group add NAME) and give its name or id here"
            ),
        )
    })
}
