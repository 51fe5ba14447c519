//! The checks of one row that need no database, as a hand entry makes them.

use super::source::Row;
use super::ImportTable;
use crate::error::{Error, Result};
use crate::model::{ApplicationStatus, ExperienceLevel, NewApplication, Origin, PartnerStatus, Tier};
use crate::money::{parse_amount_with, DecimalMark};
use crate::workflow::validate;
use chrono::{DateTime, Utc};

/// Ascending UUID v7 ids for the records of one import, all at `now`:
/// a random start, then +1 each, so the primary-key b-tree grows at its end
/// and the leads of one import lie between its first and last id.
pub(super) struct IdSeq {
    hi: u64,
    lo: u64,
}

impl IdSeq {
    pub(super) fn new(now: DateTime<Utc>) -> IdSeq {
        let base = crate::model::uuid_v7_at(now).as_u128();
        IdSeq {
            hi: (base >> 64) as u64,
            // Room for 2^62 ids before the variant bits would be touched.
            lo: (base as u64) & 0xBFFF_FFFF_0000_0000,
        }
    }
    pub(super) fn next(&mut self) -> uuid::Uuid {
        self.lo += 1;
        uuid::Uuid::from_u128((u128::from(self.hi) << 64) | u128::from(self.lo))
    }
}

/// What a row says of its record's identity: the `id` and `created_at` it
/// carries, and which fields the file has (an update changes only those).
pub(super) struct RowMeta {
    pub(super) id: Option<uuid::Uuid>,
    pub(super) created_at: Option<DateTime<Utc>>,
    present: u64,
}

impl RowMeta {
    fn read(row: &Row, id: usize, created_at: usize) -> Result<RowMeta> {
        let id = row
            .get(id)
            .map(|t| {
                uuid::Uuid::parse_str(t.trim())
                    .map_err(|_| Error::validation("id", format!("{t:?} is not an id (a UUID such as 0193…-…)")))
            })
            .transpose()?;
        let created_at = row.get(created_at).map(parse_created_at).transpose()?;
        Ok(RowMeta {
            id,
            created_at,
            present: row.present(),
        })
    }

    /// Whether the file has field `i`.
    pub(super) fn has(&self, i: usize) -> bool {
        self.present & (1 << i) != 0
    }

    /// Whether the row is a record moving with its history from another
    /// database (an export): it carries its own id and creation time.
    pub(super) fn is_history(&self) -> bool {
        self.id.is_some() && self.created_at.is_some()
    }

    /// The identity a new record takes: the row's id and time, when given,
    /// with the time written as the database writes times. A time after
    /// `now` is refused (a record cannot be created in the future).
    pub(super) fn origin(&self, now: DateTime<Utc>) -> Result<Origin> {
        if let Some(t) = self.created_at.filter(|t| *t > now) {
            return Err(Error::validation(
                "created_at",
                format!("{} is in the future", crate::clock::fmt_time(t)),
            ));
        }
        Ok(Origin {
            id: self.id,
            created_at: self.created_at.map(crate::clock::fmt_time),
        })
    }
}

/// A time as an export writes it (RFC 3339), or a date (midnight UTC).
fn parse_created_at(t: &str) -> Result<DateTime<Utc>> {
    let t = t.trim();
    if let Some(d) = crate::clock::parse_time(t) {
        return Ok(d);
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    Err(Error::validation(
        "created_at",
        format!("{t:?} is not a time (write 2026-03-01T09:30:00Z, or a date: 2026-03-01)"),
    ))
}

/// The fields of a partner row, checked.
pub(super) struct PartnerFields {
    pub(super) name: String,
    pub(super) email: String,
    pub(super) phone: Option<String>,
    pub(super) company: Option<String>,
    /// None when the row gives none: active for a new partner.
    pub(super) status: Option<PartnerStatus>,
    /// None when the row gives none: bronze for a new partner.
    pub(super) tier: Option<Tier>,
    pub(super) application_id: Option<uuid::Uuid>,
    /// The partner's group, by id (as an export writes it) or by name.
    pub(super) group: Option<String>,
    /// The tax data, when the file has a `tax_form` column.
    pub(super) tax: Option<TaxFields>,
    pub(super) meta: RowMeta,
}

/// The fields of applications a file fills, by index in [`super::fields`].
pub(super) mod application_field {
    pub const PHONE: usize = 2;
    pub const COMPANY: usize = 3;
    pub const NETWORK_DESCRIPTION: usize = 4;
    pub const EXPECTED_REFERRALS: usize = 5;
    pub const EXPERIENCE_LEVEL: usize = 6;
}

/// The fields of partners a file fills, by index in [`super::fields`].
pub(super) mod partner_field {
    pub const PHONE: usize = 2;
    pub const COMPANY: usize = 3;
    pub const TAX_FORM: usize = 10;
    pub const TAX_FORM_RECEIVED: usize = 11;
    pub const TAX_ID: usize = 12;
}

/// A partner row's tax data: the form, the day it was received, the tax id.
pub(super) type TaxFields = (crate::model::TaxForm, Option<String>, Option<String>);

/// A partner row's tax data (when the file has a `tax_form` column), checked.
fn tax_fields(row: &super::source::Row) -> Result<Option<TaxFields>> {
    use crate::model::TaxForm;
    if row.present() & (1 << partner_field::TAX_FORM) == 0 {
        return Ok(None);
    }
    let form = row
        .get(partner_field::TAX_FORM)
        .map(TaxForm::parse)
        .transpose()
        .map_err(|e| match e {
            Error::Validation { reason, .. } => Error::validation("tax_form", reason),
            other => other,
        })?
        .unwrap_or(TaxForm::None);
    let received = match row
        .get(partner_field::TAX_FORM_RECEIVED)
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(t) => {
            let day = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
                Error::validation("tax_form_received", format!("{t:?} is not a date (write 2026-01-31)"))
            })?;
            if form == TaxForm::None {
                return Err(Error::validation(
                    "tax_form_received",
                    "a received date needs a tax form other than none",
                ));
            }
            Some(day.format("%Y-%m-%d").to_string())
        }
        None => None,
    };
    let tax_id = validate::optional("tax_id", row.get(partner_field::TAX_ID), 64)?;
    Ok(Some((form, received, tax_id)))
}

/// The fields of leads a file fills, by index in [`super::fields`].
pub(super) mod lead_field {
    pub const CLIENT_PHONE: usize = 4;
    pub const BUSINESS_NAME: usize = 5;
    pub const PROJECT_DESCRIPTION: usize = 6;
    pub const ESTIMATED_VALUE: usize = 7;
}

/// How a lead row names its partner: the field used, the text given and its
/// normal form (a lower-case e-mail or id).
pub(super) struct PartnerKey {
    pub(super) field: &'static str,
    pub(super) given: String,
    pub(super) norm: String,
}

/// The fields of a lead row, checked.
pub(super) struct LeadFields {
    pub(super) partner: PartnerKey,
    pub(super) client_name: String,
    pub(super) client_email: String,
    pub(super) client_phone: Option<String>,
    pub(super) business_name: Option<String>,
    pub(super) description: Option<String>,
    pub(super) estimated_value: i64,
    pub(super) meta: RowMeta,
}

/// A row whose fields passed every check that needs no database.
pub(super) enum Prepared {
    /// The applicant's fields, the status the row gives, its identity.
    Application(NewApplication, Option<ApplicationStatus>, RowMeta),
    Partner(PartnerFields),
    Lead(LeadFields),
}

/// Check the fields of one row as a hand entry does (what needs no database).
pub(super) fn prepare(table: ImportTable, row: &Row, mark: DecimalMark) -> Result<Prepared> {
    Ok(match table {
        ImportTable::Applications => {
            let expected_referrals =
                match row.get(application_field::EXPECTED_REFERRALS) {
                    None => None,
                    Some(t) => Some(t.trim().parse::<i64>().map_err(|_| {
                        Error::validation("expected_referrals", format!("{t:?} is not a whole number"))
                    })?),
                };
            let experience_level = row
                .get(application_field::EXPERIENCE_LEVEL)
                .map(ExperienceLevel::parse)
                .transpose()
                .map_err(|e| match e {
                    Error::Validation { reason, .. } => Error::validation("experience_level", reason),
                    other => other,
                })?;
            let input = NewApplication {
                name: row.get(0).unwrap_or_default().to_owned(),
                email: row.get(1).unwrap_or_default().to_owned(),
                phone: row.get(application_field::PHONE).map(str::to_owned),
                company: row.get(application_field::COMPANY).map(str::to_owned),
                network_description: row.get(application_field::NETWORK_DESCRIPTION).map(str::to_owned),
                expected_referrals,
                experience_level,
            };
            let status = row.get(9).map(ApplicationStatus::parse).transpose()?;
            Prepared::Application(input, status, RowMeta::read(row, 7, 8)?)
        }
        ImportTable::Partners => Prepared::Partner(PartnerFields {
            name: validate::required("name", row.get(0).unwrap_or_default(), validate::MAX_NAME)?,
            email: validate::email("email", row.get(1).unwrap_or_default())?,
            phone: validate::phone("phone", row.get(partner_field::PHONE))?,
            company: validate::optional("company", row.get(partner_field::COMPANY), validate::MAX_NAME)?,
            status: row.get(4).map(PartnerStatus::parse).transpose()?,
            tier: row.get(5).map(Tier::parse).transpose()?,
            application_id: row
                .get(8)
                .map(|t| {
                    uuid::Uuid::parse_str(t.trim())
                        .map_err(|_| Error::validation("application_id", format!("{t:?} is not an id")))
                })
                .transpose()?,
            group: row.get(9).map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()),
            tax: tax_fields(row)?,
            meta: RowMeta::read(row, 6, 7)?,
        }),
        ImportTable::Leads => {
            let client_name = validate::required("client_name", row.get(2).unwrap_or_default(), validate::MAX_NAME)?;
            let client_email = validate::email("client_email", row.get(3).unwrap_or_default())?;
            let client_phone = validate::phone("client_phone", row.get(lead_field::CLIENT_PHONE))?;
            let business_name =
                validate::optional("business_name", row.get(lead_field::BUSINESS_NAME), validate::MAX_NAME)?;
            let description = validate::optional(
                "project_description",
                row.get(lead_field::PROJECT_DESCRIPTION),
                validate::MAX_TEXT,
            )?;
            let estimated_value = match row.get(lead_field::ESTIMATED_VALUE) {
                None => 0,
                Some(t) => validate::amount(
                    "estimated_value",
                    parse_amount_with("estimated_value", t, false, mark)?,
                    true,
                )?,
            };
            let (field, given) = match (row.get(0), row.get(1)) {
                (Some(_), Some(_)) => {
                    return Err(Error::validation(
                        "partner_email",
                        "give the partner by partner_id or by partner_email, not both",
                    ))
                }
                (Some(k), None) => ("partner_id", k.trim()),
                (None, Some(k)) => ("partner_email", k.trim()),
                (None, None) => {
                    return Err(Error::validation(
                        "partner_id",
                        "must not be empty (give the partner's id or e-mail)",
                    ))
                }
            };
            let norm = if given.contains('@') {
                validate::email(field, given)?
            } else {
                given.to_ascii_lowercase()
            };
            Prepared::Lead(LeadFields {
                partner: PartnerKey {
                    field,
                    given: given.to_owned(),
                    norm,
                },
                client_name,
                client_email,
                client_phone,
                business_name,
                description,
                estimated_value,
                meta: RowMeta::read(row, 8, 9)?,
            })
        }
    })
}
