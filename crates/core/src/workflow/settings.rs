//! Settings: the currency, backup rotation and the default tier table
//! (thresholds and rates; stored as rule versions, see `workflow::rules`:
//! the settings show the default table as last set).

use crate::error::{Error, Result};
use crate::model::Tier;
use crate::money::{format_amount, format_rate, parse_amount, parse_rate_percent};
use crate::store::{repo, Tx};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

pub use crate::model::TierRule;

/// Rotation: how many days and weeks of daily/manual backups to keep.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Retention {
    pub keep_daily: i64,
    pub keep_weekly: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            keep_daily: 7,
            keep_weekly: 4,
        }
    }
}

/// Privacy rules (`workflow::privacy`).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Privacy {
    /// Erase rejected applications this many months after their rejection
    /// (0: never, the default).
    pub erase_rejected_after_months: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Settings {
    pub currency: String,
    /// Bronze, silver, gold, platinum, in that order.
    pub tiers: [TierRule; 4],
    /// How many daily and weekly backups rotation keeps.
    pub backup: Retention,
    /// Minutes without input after which the app locks an encrypted
    /// database (0: never).
    pub lock_minutes: i64,
    pub privacy: Privacy,
    /// SMTP and webhook (`smtp.*`, `webhook.url`; never the password).
    #[serde(default)]
    pub mail: super::automation::MailSettings,
    /// Tax report threshold and attribution rules (`workflow::payouts`, `workflow::conflicts`).
    pub payouts: PayoutSettings,
}

/// The settings of payouts and attribution.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PayoutSettings {
    /// Cents: the tax report lists the partners paid at least this much in a year.
    pub tax_threshold: i64,
    /// Days a lead protects its client from other partners' leads.
    pub attribution_window_days: i64,
    /// Which lead a conflict suggests keeping: `first` (first touch) or `new` (last touch).
    pub attribution_default: crate::model::Keep,
}

impl Default for PayoutSettings {
    fn default() -> Self {
        PayoutSettings {
            tax_threshold: 60_000,
            attribution_window_days: 90,
            attribution_default: crate::model::Keep::First,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            currency: "USD".into(),
            tiers: [
                TierRule {
                    tier: Tier::Bronze,
                    rate_bp: 1000,
                    min_deals: 0,
                    min_revenue: 0,
                },
                TierRule {
                    tier: Tier::Silver,
                    rate_bp: 1250,
                    min_deals: 3,
                    min_revenue: 1_000_000,
                },
                TierRule {
                    tier: Tier::Gold,
                    rate_bp: 1500,
                    min_deals: 10,
                    min_revenue: 5_000_000,
                },
                TierRule {
                    tier: Tier::Platinum,
                    rate_bp: 2000,
                    min_deals: 25,
                    min_revenue: 15_000_000,
                },
            ],
            backup: Retention::default(),
            lock_minutes: 0,
            privacy: Privacy::default(),
            mail: Default::default(),
            payouts: PayoutSettings::default(),
        }
    }
}

impl Settings {
    pub fn rule(&self, tier: Tier) -> &TierRule {
        &self.tiers[tier_index(tier)]
    }

    pub fn rate(&self, tier: Tier) -> i64 {
        self.rule(tier).rate_bp
    }

    /// The highest tier whose deal or revenue threshold is met.
    pub fn tier_for(&self, deals: i64, revenue: i64) -> Tier {
        super::rules::tier_for(&self.tiers, deals, revenue)
    }

    /// Every setting as (key, value as a user types it, what it means).
    pub fn entries(&self) -> Vec<SettingEntry> {
        let mut v = vec![SettingEntry {
            key: "currency".into(),
            value: self.currency.clone(),
            description: "ISO 4217 code of the one currency of this database".into(),
        }];
        for r in &self.tiers {
            let t = r.tier.as_str();
            v.push(SettingEntry {
                key: format!("tier.{t}.rate"),
                value: format_rate(r.rate_bp).trim_end_matches('%').to_owned(),
                description: format!("commission rate of {t} partners, percent"),
            });
            if r.tier != Tier::Bronze {
                v.push(SettingEntry {
                    key: format!("tier.{t}.min_deals"),
                    value: r.min_deals.to_string(),
                    description: format!("won deals that reach {t}"),
                });
                v.push(SettingEntry {
                    key: format!("tier.{t}.min_revenue"),
                    value: format_amount(r.min_revenue),
                    description: format!("won project value that reaches {t}"),
                });
            }
        }
        v.push(SettingEntry {
            key: "backup.keep_daily".into(),
            value: self.backup.keep_daily.to_string(),
            description: "days of daily backups kept (the newest backup of each)".into(),
        });
        v.push(SettingEntry {
            key: "backup.keep_weekly".into(),
            value: self.backup.keep_weekly.to_string(),
            description: "weeks of weekly backups kept (the newest backup of each)".into(),
        });
        v.push(SettingEntry {
            key: "security.lock_minutes".into(),
            value: self.lock_minutes.to_string(),
            description: "minutes without input before the app locks an encrypted database (0: never)".into(),
        });
        v.push(SettingEntry {
            key: super::privacy::RETENTION_KEY.into(),
            value: self.privacy.erase_rejected_after_months.to_string(),
            description: "erase rejected applicants this many months after the rejection (0: never)".into(),
        });
        for (key, value, description) in self.mail.entries() {
            v.push(SettingEntry {
                key,
                value,
                description,
            });
        }
        v.push(SettingEntry {
            key: "tax.threshold".into(),
            value: format_amount(self.payouts.tax_threshold),
            description: "the tax report lists partners paid at least this much in the year".into(),
        });
        v.push(SettingEntry {
            key: "attribution.window_days".into(),
            value: self.payouts.attribution_window_days.to_string(),
            description: "days a lead protects its client from another partner's lead (0: no conflicts)".into(),
        });
        v.push(SettingEntry {
            key: "attribution.default".into(),
            value: match self.payouts.attribution_default {
                crate::model::Keep::First => "first".into(),
                crate::model::Keep::New => "last".into(),
            },
            description: "who a conflict suggests keeping the client: first (first touch) or last (last touch)".into(),
        });
        v
    }

    /// Thresholds rise with the tier. The error names the key being set
    /// (`changed`) when it is one of the pair out of order.
    fn check(&self, changed: &str) -> Result<()> {
        for w in self.tiers[1..].windows(2) {
            let (lo, hi) = (&w[0], &w[1]);
            let out_of_order = |what: &str, lo_v: String, hi_v: String| {
                let lo_key = format!("tier.{}.{what}", lo.tier);
                if changed == lo_key {
                    Error::validation(lo_key, format!("must be at most {}'s ({hi_v})", hi.tier))
                } else {
                    Error::validation(
                        format!("tier.{}.{what}", hi.tier),
                        format!("must be at least {}'s ({lo_v})", lo.tier),
                    )
                }
            };
            if hi.min_deals < lo.min_deals {
                return Err(out_of_order(
                    "min_deals",
                    lo.min_deals.to_string(),
                    hi.min_deals.to_string(),
                ));
            }
            if hi.min_revenue < lo.min_revenue {
                return Err(out_of_order(
                    "min_revenue",
                    format_amount(lo.min_revenue),
                    format_amount(hi.min_revenue),
                ));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SettingEntry {
    pub key: String,
    pub value: String,
    pub description: String,
}

use super::rules::tier_index;

/// Stored form: integer text; the tier table is the newest default rule
/// version (a version dated later included; for what holds on a day, [`load_on`]).
pub fn load(conn: &Connection) -> Result<Settings> {
    load_with(conn, repo::rules::latest_default(conn)?)
}

/// The settings with the default tier table in force on `day` (YYYY-MM-DD):
/// what the settings screen and `settings get` show, and what a tier key's
/// change starts from (a version dated later is not today's table).
pub fn load_on(conn: &Connection, day: &str) -> Result<Settings> {
    load_with(
        conn,
        repo::rules::in_force(conn, crate::model::RuleSubject::Default, None, None, day)?,
    )
}

fn load_with(conn: &Connection, default: Option<crate::model::RuleVersion>) -> Result<Settings> {
    let raw = repo::settings::all(conn)?;
    let mut s = Settings::default();
    if let Some(c) = raw.get("currency") {
        s.currency = c.clone();
    }
    if let Some(v) = default {
        s.tiers = super::rules::table_of(v.tiers.as_deref().unwrap_or_default())?;
    }
    let int = |k: &str, d: i64| raw.get(k).and_then(|v| v.parse::<i64>().ok()).unwrap_or(d);
    s.backup.keep_daily = int("backup.keep_daily", s.backup.keep_daily);
    s.backup.keep_weekly = int("backup.keep_weekly", s.backup.keep_weekly);
    s.lock_minutes = int("security.lock_minutes", s.lock_minutes);
    s.privacy.erase_rejected_after_months = int(super::privacy::RETENTION_KEY, s.privacy.erase_rejected_after_months);
    s.mail = super::automation::MailSettings::load(conn)?;
    s.payouts.tax_threshold = int("tax.threshold", s.payouts.tax_threshold);
    s.payouts.attribution_window_days = int("attribution.window_days", s.payouts.attribution_window_days);
    if raw.get("attribution.default").map(String::as_str) == Some("last") {
        s.payouts.attribution_default = crate::model::Keep::New;
    }
    Ok(s)
}

/// Set one setting from the text a user typed. Validates the type and the
/// whole table (thresholds rise with the tier), audits, returns the new settings.
pub fn set(tx: &Tx, key: &str, value: &str) -> Result<Settings> {
    let before = load_on(tx, super::rules::day_of(tx.now_text()))?;
    let mut after = before.clone();
    let key = key.trim();
    let stored: String;
    if key == "currency" {
        let c = value.trim().to_ascii_uppercase();
        if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_alphabetic()) {
            return Err(Error::validation(
                "currency",
                format!("must be a three-letter currency code like USD (got {value:?})"),
            ));
        }
        after.currency = c.clone();
        stored = c;
    } else if key.starts_with("backup.") || key == "security.lock_minutes" {
        let (slot, range) = match key {
            "backup.keep_daily" => (&mut after.backup.keep_daily, 1..=366),
            "backup.keep_weekly" => (&mut after.backup.keep_weekly, 0..=520),
            "security.lock_minutes" => (&mut after.lock_minutes, 0..=1440),
            _ => return Err(unknown_key(key)),
        };
        *slot = value
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                Error::validation(
                    key,
                    format!(
                        "must be a whole number from {} to {} (got {value:?})",
                        range.start(),
                        range.end()
                    ),
                )
            })?;
        stored = slot.to_string();
    } else if super::automation::MAIL_KEYS.contains(&key) {
        stored = after.mail.apply(key, value)?;
    } else if key == super::privacy::RETENTION_KEY {
        let n = value
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=600).contains(n))
            .ok_or_else(|| {
                Error::validation(
                    key,
                    format!("must be a whole number of months from 0 (never) to 600 (got {value:?})"),
                )
            })?;
        after.privacy.erase_rejected_after_months = n;
        stored = n.to_string();
    } else if key == "tax.threshold" {
        after.payouts.tax_threshold = parse_amount(key, value, false)?;
        stored = after.payouts.tax_threshold.to_string();
    } else if key == "attribution.window_days" {
        let n = value
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=3650).contains(n))
            .ok_or_else(|| {
                Error::validation(
                    key,
                    format!("must be a whole number of days from 0 (no conflicts) to 3650 (got {value:?})"),
                )
            })?;
        after.payouts.attribution_window_days = n;
        stored = n.to_string();
    } else if key == "attribution.default" {
        after.payouts.attribution_default = match value.trim().to_ascii_lowercase().as_str() {
            "first" => crate::model::Keep::First,
            "last" => crate::model::Keep::New,
            _ => {
                return Err(Error::validation(
                    key,
                    format!("must be first (first touch) or last (last touch) (got {value:?})"),
                ))
            }
        };
        stored = value.trim().to_ascii_lowercase();
    } else {
        let parts: Vec<&str> = key.split('.').collect();
        let (tier, what) = match parts.as_slice() {
            ["tier", t, w] => (Tier::parse(t).map_err(|_| unknown_key(key))?, *w),
            _ => return Err(unknown_key(key)),
        };
        let r = &mut after.tiers[tier_index(tier)];
        match (what, tier) {
            ("rate", _) => {
                r.rate_bp = parse_rate_percent(key, value)?;
                stored = r.rate_bp.to_string();
            }
            ("min_deals", t) if t != Tier::Bronze => {
                r.min_deals = value
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (0..=1_000_000).contains(n))
                    .ok_or_else(|| {
                        Error::validation(key, format!("must be a whole number of deals (got {value:?})"))
                    })?;
                stored = r.min_deals.to_string();
            }
            ("min_revenue", t) if t != Tier::Bronze => {
                r.min_revenue = parse_amount(key, value, false)?;
                stored = r.min_revenue.to_string();
            }
            _ => return Err(unknown_key(key)),
        }
    }
    after.check(key)?;
    if key.starts_with("tier.") {
        // A new version of the default table, from today, for deals won from
        // now on (none when the value is the same).
        let v = if after.tiers != before.tiers {
            Some(super::rules::default_version(tx, &after.tiers)?)
        } else {
            None
        };
        super::write::setting_tiers_set(tx, key, v.as_ref(), &before, &after)?;
    } else {
        super::write::setting_set(tx, key, &stored, &before, &after)?;
    }
    Ok(after)
}

fn unknown_key(key: &str) -> Error {
    let known: Vec<String> = Settings::default().entries().into_iter().map(|e| e.key).collect();
    Error::validation("key", format!("unknown setting {key:?}; known: {}", known.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_for_uses_either_threshold() {
        let s = Settings::default();
        assert_eq!(s.tier_for(0, 0), Tier::Bronze);
        assert_eq!(s.tier_for(2, 999_999), Tier::Bronze);
        assert_eq!(s.tier_for(3, 0), Tier::Silver);
        assert_eq!(s.tier_for(0, 1_000_000), Tier::Silver);
        assert_eq!(s.tier_for(10, 0), Tier::Gold);
        assert_eq!(s.tier_for(1, 5_000_000), Tier::Gold);
        assert_eq!(s.tier_for(25, 0), Tier::Platinum);
        assert_eq!(s.tier_for(0, 15_000_000), Tier::Platinum);
    }
}
