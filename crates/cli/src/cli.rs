//! The command line, as clap types. Enum values, amounts and ids are taken
//! as text and handed to core's parsers, so a bad value is a validation error
//! that names the field (exit code 3), not a usage error.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "partnerdesk",
    version,
    about = "Partnerdesk: run a partner (referral) program from the terminal",
    long_about = "Partnerdesk: run a partner (referral) program from the terminal.\n\n\
        Amounts are typed and shown as decimals (1234.50) in the database currency; \
        in --json output they are integer cents and rates are basis points (1250 = 12.5%).\n\
        Ids are accepted in full or as a unique prefix of at least 8 characters.\n\n\
        An encrypted database asks for its passphrase on the terminal, or reads \
        $PARTNERDESK_PASSPHRASE.\n\n\
        Exit codes: 0 ok, 1 other failure, 2 usage, 3 invalid input, 4 not found, \
        5 conflict or a move the rules do not allow, 6 the passphrase is missing or wrong.",
    propagate_version = true
)]
pub struct Cli {
    /// The database file (default: $PARTNERDESK_DB, else the file in the user's data folder)
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Print machine-readable JSON on stdout
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or migrate the database and print its path
    Init,
    /// Fill the database with realistic, reproducible demo data
    Demo(DemoArgs),
    /// Partner applications: add, review, approve, reject
    #[command(subcommand)]
    Application(ApplicationCmd),
    /// Partners: list, show, status and tier
    #[command(subcommand)]
    Partner(PartnerCmd),
    /// Client leads and the sales pipeline
    #[command(subcommand)]
    Lead(LeadCmd),
    /// Commissions earned on won deals
    #[command(subcommand)]
    Commission(CommissionCmd),
    /// Pay approved commissions in a batch
    #[command(subcommand)]
    Payout(PayoutCmd),
    /// App plans (proposals) for partners' clients
    #[command(subcommand)]
    Plan(PlanCmd),
    /// The log of every change
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Currency and the tier table
    #[command(subcommand)]
    Settings(SettingsCmd),
    /// Check the database: integrity, the rules that must always hold and the audit chain (exit 1 when broken)
    Doctor(DoctorArgs),
    /// Erase a person's data (a partner, an applicant or a client) everywhere, keeping amounts, dates and statuses
    Erase(crate::commands::privacy::EraseArgs),
    /// Write everything held about one person (a partner, an applicant or a client) to FILE.json
    SubjectExport(crate::commands::privacy::SubjectExportArgs),
    /// Partner groups: each with its tier table (or the default's) and settings
    #[command(subcommand)]
    Group(crate::commands::rules::GroupCmd),
    /// Commission rules: tier tables, dated versions with a scope, the what-if simulator
    #[command(subcommand)]
    Rules(crate::commands::rules::RulesCmd),
    /// Create what has come due: retainer accruals of the months that have passed, the
    /// approval of pending commissions whose hold has passed, and the automation's timed rules
    RunDue,
    /// The year-end tax report: partners paid at least the threshold (setting tax.threshold) in a year, as CSV
    TaxReport {
        /// The calendar year, e.g. 2026
        #[arg(long, value_name = "YYYY")]
        year: String,
        #[arg(long, value_name = "FILE.csv")]
        out: PathBuf,
    },
    /// Tasks: the reminders and checklists the automation makes, each linked to its record
    #[command(subcommand)]
    Task(crate::commands::automation::TaskCmd),
    /// The automation's timed rules: on or off, and their days
    #[command(subcommand)]
    Automation(crate::commands::automation::AutomationCmd),
    /// E-mail templates: list, show, change (merge fields checked), preview with a real record
    #[command(subcommand)]
    Template(crate::commands::automation::TemplateCmd),
    /// The outbox of e-mails and notifications: list, send, retry, cancel, save as .eml
    #[command(subcommand)]
    Outbox(crate::commands::automation::OutboxCmd),
    /// Keep the SMTP password (read from standard input) in the OS keyring, never in the database
    SmtpPassword,
    /// Cohorts, lifetime value, forecasts and daily KPI snapshots
    #[command(subcommand)]
    Analytics(crate::commands::analytics::AnalyticsCmd),
    /// Draw a chart (cohorts, ltv, forecast, pipeline, snapshots) to FILE.svg or FILE.png
    Chart(crate::commands::analytics::ChartArgs),
    /// Backups: create, list, verify, restore (also taken automatically each day and before migrations)
    #[command(subcommand)]
    Backup(crate::commands::backup::BackupCmd),
    /// Export every table (or one) to CSV or JSON files
    Export(crate::commands::export::ExportArgs),
    /// Write one partner's statement (leads, commissions, payouts) to FILE.csv or FILE.html
    Statement(crate::commands::export::StatementArgs),
    /// Import applications, partners or leads from FILE.csv or FILE.json (all or nothing; --dry-run to check)
    Import(crate::commands::import::ImportArgs),
    /// Sync out: a change feed another Partnerdesk applies, or a push to PostgreSQL
    #[command(subcommand)]
    Sync(crate::commands::sync::SyncCmd),
    /// Encrypt the database (and its backups) with a passphrase: typed twice, or $PARTNERDESK_PASSPHRASE
    Encrypt,
    /// Decrypt the database (and its backups) back to a plain file
    Decrypt,
    /// Encrypt the database with a new passphrase: typed twice, or $PARTNERDESK_NEW_PASSPHRASE
    ChangePassphrase,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of partners to create
    #[arg(long, value_name = "N")]
    pub partners: usize,
    /// Number of leads to create
    #[arg(long, value_name = "M")]
    pub leads: usize,
    /// Seed of the generator (the same seed gives the same data)
    #[arg(long, value_name = "S", default_value_t = 42)]
    pub seed: u64,
}

/// Paging of a list.
#[derive(Debug, Args, Default)]
pub struct Paging {
    /// At most this many rows
    #[arg(long, value_name = "N")]
    pub limit: Option<i64>,
    /// Skip this many rows
    #[arg(long, value_name = "N")]
    pub offset: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub enum ApplicationCmd {
    /// Record a new application (status pending)
    Add(ApplicationAddArgs),
    /// List applications, newest first
    List {
        /// pending, under_review, approved or rejected
        #[arg(long, value_name = "STATUS")]
        status: Option<String>,
        #[command(flatten)]
        paging: Paging,
    },
    /// Show one application
    Show { id: String },
    /// Start reviewing an application
    Review { id: String },
    /// Approve an application: creates the partner (bronze, active)
    Approve { id: String },
    /// Reject an application (the rejection e-mail gives the reason)
    Reject {
        id: String,
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ApplicationAddArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub company: Option<String>,
    /// A description of the applicant's network
    #[arg(long)]
    pub network: Option<String>,
    /// How many referrals the applicant expects to bring
    #[arg(long, value_name = "K", allow_hyphen_values = true)]
    pub expected_referrals: Option<String>,
    /// beginner, intermediate or expert
    #[arg(long, value_name = "LEVEL")]
    pub experience: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum PartnerCmd {
    /// List partners
    List(PartnerListArgs),
    /// Show a partner with totals, recent leads, commissions and history
    Show { id: String },
    /// Set the status: active, paused or terminated
    SetStatus { id: String, status: String },
    /// Set the tier by hand (the only way to demote): bronze, silver, gold or platinum
    SetTier { id: String, tier: String },
    /// Move a partner to a group (deals won from now on follow its rules)
    SetGroup { id: String, group: String },
    /// Give a partner their own rate or a flat amount per won deal (it comes before any tier rate)
    SetOverride {
        id: String,
        /// A rate in percent, e.g. 20
        #[arg(
            long,
            value_name = "PCT",
            allow_hyphen_values = true,
            required_unless_present = "flat",
            conflicts_with = "flat"
        )]
        rate: Option<String>,
        /// A flat amount per won deal, e.g. 500.00
        #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
        flat: Option<String>,
        /// The last day it applies (YYYY-MM-DD)
        #[arg(long, value_name = "YYYY-MM-DD")]
        until: Option<String>,
        /// The first day it applies (default today)
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        /// new: deals won from that day on (default); pending: also re-rate the partner's pending commissions from that day
        #[arg(long, value_name = "new|pending")]
        scope: Option<String>,
    },
    /// End a partner's override from today
    ClearOverride { id: String },
    /// The payable balance (approved, net of clawbacks and adjustments), pending, paid and carried amounts
    Balance { id: String },
    /// Record the tax form on file, the day it was received and the tax id
    SetTax {
        id: String,
        /// w9, w8ben, other or none
        #[arg(long, value_name = "FORM")]
        form: String,
        /// The day the form was received (YYYY-MM-DD; empty to clear it; kept when not given)
        #[arg(long, value_name = "YYYY-MM-DD")]
        received: Option<String>,
        /// The partner's tax id (empty to clear it; kept when not given)
        #[arg(long, value_name = "X")]
        tax_id: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct PartnerListArgs {
    /// bronze, silver, gold or platinum
    #[arg(long)]
    pub tier: Option<String>,
    /// active, paused or terminated
    #[arg(long)]
    pub status: Option<String>,
    /// Text found in the name, e-mail or company
    #[arg(long, value_name = "Q")]
    pub search: Option<String>,
    /// Only the partners of this group
    #[arg(long, value_name = "G")]
    pub group: Option<String>,
    /// name, email, company, tier, status, deals, earnings, created or group
    #[arg(long, value_name = "FIELD")]
    pub sort: Option<String>,
    /// Sort in descending order
    #[arg(long)]
    pub desc: bool,
    #[command(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Subcommand)]
pub enum LeadCmd {
    /// Add a client lead referred by a partner (status prospect)
    Add(LeadAddArgs),
    /// List leads, newest first
    List(LeadListArgs),
    /// Show a lead with its pipeline history and commissions
    Show { id: String },
    /// Move a lead along the pipeline (closed_won creates the commission)
    Move {
        id: String,
        /// prospect, qualified, proposal_sent, negotiating, closed_won or closed_lost
        status: String,
        /// Project value of a won deal (default: the estimated value)
        #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
        value: Option<String>,
        /// A retainer: the monthly value of a won deal (with --months)
        #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true, requires = "months")]
        monthly: Option<String>,
        /// The retainer's term in months (a commission accrues per month, up to the group's limit)
        #[arg(long, value_name = "K", allow_hyphen_values = true, requires = "monthly")]
        months: Option<String>,
    },
    /// End a won deal's retainer now: no month accrues after today
    EndRetainer { id: String },
    /// The attribution conflicts waiting for a decision (with --all, the decided ones too)
    Conflicts {
        #[arg(long)]
        all: bool,
        #[arg(long, value_name = "N", default_value_t = 100)]
        limit: i64,
    },
    /// Decide an attribution conflict: keep the client with the first partner or give it to the new one
    Resolve {
        /// The lead held in the conflict (the newer one)
        lead: String,
        /// first (the new lead is closed as lost) or new (default: the setting attribution.default)
        #[arg(long, value_name = "first|new")]
        keep: Option<String>,
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
}

#[derive(Debug, Args)]
pub struct LeadAddArgs {
    /// The referring partner
    #[arg(long, value_name = "ID")]
    pub partner: String,
    #[arg(long, value_name = "N")]
    pub client_name: String,
    #[arg(long, value_name = "E")]
    pub client_email: String,
    #[arg(long, value_name = "B")]
    pub business: Option<String>,
    #[arg(long, value_name = "P")]
    pub phone: Option<String>,
    #[arg(long, value_name = "D")]
    pub description: Option<String>,
    #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
    pub estimated_value: Option<String>,
}

#[derive(Debug, Args)]
pub struct LeadListArgs {
    /// Only the leads of this partner
    #[arg(long, value_name = "ID")]
    pub partner: Option<String>,
    #[arg(long)]
    pub status: Option<String>,
    /// Text found in the client name, e-mail or business name
    #[arg(long, value_name = "Q")]
    pub search: Option<String>,
    #[command(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Subcommand)]
pub enum CommissionCmd {
    /// List commissions, newest first
    List {
        /// pending, approved, paid or cancelled
        #[arg(long)]
        status: Option<String>,
        #[arg(long, value_name = "ID")]
        partner: Option<String>,
        #[command(flatten)]
        paging: Paging,
    },
    /// Approve pending commissions (all or none)
    Approve {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
    /// Cancel a pending or approved commission
    Cancel { id: String },
    /// A one-off bonus (positive) or adjustment (negative) for a partner, without a lead
    Bonus {
        partner: String,
        #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
        amount: String,
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PayoutCmd {
    /// Who a payout run would pay, who it would skip and why, and the totals; writes nothing
    Preview {
        /// Only these partners (default: every partner with approved commissions)
        #[arg(long = "partner", value_name = "ID", num_args = 1..)]
        partners: Vec<String>,
    },
    /// Pay every eligible partner (balance at or above the group's minimum); skip the others with the reason
    Run {
        /// Only these partners (default: every partner with approved commissions)
        #[arg(long = "partner", value_name = "ID", num_args = 1..)]
        partners: Vec<String>,
        /// Also write the payout file here, in the same action
        #[arg(long, value_name = "FILE.csv")]
        out: Option<PathBuf>,
        /// paypal (default) or wise
        #[arg(long, value_name = "paypal|wise", requires = "out")]
        format: Option<String>,
    },
    /// The same as `payout run --partner ...` (fails when nobody is paid)
    Create {
        #[arg(long = "partner", value_name = "ID", required = true, num_args = 1..)]
        partners: Vec<String>,
        /// Also write the batch's payout file here
        #[arg(long, value_name = "FILE.csv")]
        out: Option<PathBuf>,
        /// paypal (default) or wise
        #[arg(long, value_name = "paypal|wise", requires = "out")]
        format: Option<String>,
    },
    /// Write the payout file of an earlier batch
    File {
        /// The payout (id or unique prefix)
        id: String,
        #[arg(long, value_name = "FILE.csv")]
        out: PathBuf,
        /// paypal (default) or wise
        #[arg(long, value_name = "paypal|wise")]
        format: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PlanCmd {
    /// Draft an app plan for a lead
    Add(PlanAddArgs),
    /// List app plans, most recently changed first
    List {
        /// draft, sent, accepted or declined
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        paging: Paging,
    },
    /// Show a plan and its generated proposal
    Show { id: String },
    /// Write the proposal (Markdown) from the template
    Generate { id: String },
    /// Set the status: draft, sent, accepted or declined
    SetStatus { id: String, status: String },
}

#[derive(Debug, Args)]
pub struct PlanAddArgs {
    #[arg(long, value_name = "ID")]
    pub lead: String,
    #[arg(long, value_name = "I")]
    pub industry: String,
    /// Comma-separated list of features
    #[arg(long, value_name = "A,B,C")]
    pub features: String,
    /// The timeline estimate, e.g. "3 months"
    #[arg(long, value_name = "T")]
    pub timeline: String,
    /// The investment range, e.g. "$20k-$40k"
    #[arg(long, value_name = "RANGE")]
    pub investment: String,
    /// Business name (default: the lead's)
    #[arg(long, value_name = "B")]
    pub business: Option<String>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Also write a diagnostics bundle (versions, settings, database statistics,
    /// the checks, recent logs; no personal data) to FILE.zip
    #[arg(long, value_name = "FILE.zip")]
    pub bundle: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// List changes, newest first
    List {
        /// application, partner, lead, commission, payout, plan, setting or database
        #[arg(long, value_name = "E")]
        entity: Option<String>,
        /// The changed record's id (or a prefix of it; a setting's key)
        #[arg(long, value_name = "ID")]
        id: Option<String>,
        #[command(flatten)]
        paging: Paging,
    },
    /// Check the audit log's hash chain: name the first row changed, deleted or
    /// inserted outside Partnerdesk (exit 1 when it does not hold)
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum SettingsCmd {
    /// Show every setting (or one)
    Get { key: Option<String> },
    /// Change a setting, e.g. `settings set tier.silver.rate 13`
    Set {
        key: String,
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
