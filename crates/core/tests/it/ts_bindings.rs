//! The TypeScript types in ui/src/lib/bindings/ are generated from the Rust
//! types of every command's arguments and results, and ui/src/lib/enums.ts
//! holds the values of the enums the screens list (in declaration order).
//! These tests regenerate them and fail when the committed files differ.
//! Refresh them with:
//! `UPDATE_BINDINGS=1 cargo test -p partnerdesk-core --features ts --test it -- ts_bindings::`.
//! (The workspace test run has the `ts` feature on, through partnerdesk-app;
//! without it this module is not compiled, see main.rs.)

use partnerdesk_core::analytics::{ScreenData, ScreenRequest, Snapshot};
use partnerdesk_core::charts::ScreenChart;
use partnerdesk_core::charts::Theme;
use partnerdesk_core::dashboard::{Dashboard, DataInfo, PartnerName, PartnerToPay};
use partnerdesk_core::model::*;
use partnerdesk_core::queries::{AuditBreak, AuditBreakKind, AuditVerification, Counts, LeadDetail, PartnerDetail};
use partnerdesk_core::workflow::leads::{LeadAdded, MoveOutcome};
use partnerdesk_core::workflow::plans::PlanPatch;
use partnerdesk_core::workflow::rules::{
    DueRun, GroupEdit, GroupInfo, OverrideInput, PartnerRules, RetainerTerms, RuleChanged, RulesView, TableInForce,
    TierChange,
};
use partnerdesk_core::workflow::settings::{SettingEntry, Settings};
use partnerdesk_core::workflow::simulate::{Draft, Simulation};
use partnerdesk_core::{ErrorInfo, ErrorKind};
// Automation.
use partnerdesk_core::mail::{SecretPlace, SendProblem, SendReport};
use partnerdesk_core::workflow::automation::outbox::OutboxSummary;
use partnerdesk_core::workflow::automation::templates::Preview;
use partnerdesk_core::workflow::automation::timed::TimedRun;
use partnerdesk_core::workflow::automation::{MailSettings, SmtpSecurity};
// The Data screen.
use partnerdesk_core::backup::{BackupInfo, Recovery, RestoreReport, Verification};
use partnerdesk_core::exchange::export::ExportReport;
use partnerdesk_core::exchange::import::{DecimalMark, ImportPreview, ImportReport, ImportTable};
use partnerdesk_core::exchange::payout_file::{PayoutFormat, PayoutSummary};
use partnerdesk_core::exchange::pg::{
    Comparison, Conflict, PullBadRow, PullReport, PushReport, TableComparison, TableRows,
};
use partnerdesk_core::exchange::self_billing::{SelfBilling, SelfBillingFile};
use partnerdesk_core::exchange::statement::StatementFile;
use partnerdesk_core::exchange::sync::{ApplyReport, ExportReport as SyncExportReport, SyncStatus};
use partnerdesk_core::exchange::tax_report::{TaxReport, TaxReportRow};
use partnerdesk_core::monitor::{BundleReport, Diagnostics};
use partnerdesk_core::progress::Progress;
use partnerdesk_core::store::cipher::{CipherReport, SecurityState};
use partnerdesk_core::workflow::payouts::{DuePayout, Released};
use partnerdesk_core::workflow::settings::PayoutSettings;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ts_rs::{Config, TS};

fn export(dir: &Path) {
    // serde writes i64 as a JSON number: say so (ts-rs defaults to bigint).
    let cfg = Config::new().with_large_int("number").with_out_dir(dir);
    macro_rules! all {
        ($($t:ty),+ $(,)?) => { $( <$t as TS>::export_all(&cfg).expect(stringify!($t)); )+ };
    }
    all!(
        ErrorInfo,
        ErrorKind,
        Dashboard,
        DataInfo,
        Counts,
        PartnerName,
        PartnerToPay,
        Page<Application>,
        Application,
        ApplicationStatus,
        NewApplication,
        Partner,
        PartnerFilter,
        PartnerDetail,
        PartnerStatus,
        Tier,
        Lead,
        LeadFilter,
        LeadStatus,
        LeadDetail,
        NewLead,
        LeadAdded,
        MoveOutcome,
        Commission,
        CommissionFilter,
        Payout,
        AppPlan,
        NewPlan,
        PlanPatch,
        PlanStatus,
        Settings,
        SettingEntry,
        AuditEntry,
        AuditVerification,
        Diagnostics,
        BundleReport,
        AuditBreak,
        AuditBreakKind,
        Entity,
        // The Data screen.
        Progress,
        BackupInfo,
        Verification,
        RestoreReport,
        Recovery,
        ExportReport,
        ImportTable,
        ImportPreview,
        ImportReport,
        DecimalMark,
        StatementFile,
        PayoutSummary,
        SyncExportReport,
        ApplyReport,
        PushReport,
        TableRows,
        PullReport,
        PullBadRow,
        Conflict,
        TableComparison,
        Comparison,
        CipherReport,
        SecurityState,
        SyncStatus,
        ScreenRequest,
        ScreenData,
        ScreenChart,
        Snapshot,
        Theme,
        // Commission rules.
        Group,
        GroupId,
        GroupInfo,
        GroupEdit,
        RulesView,
        TableInForce,
        RuleVersion,
        RuleScope,
        RuleSubject,
        RuleKind,
        RuleTrace,
        TierChange,
        RuleChanged,
        OverrideInput,
        PartnerRules,
        RetainerTerms,
        Retainer,
        DueRun,
        Draft,
        Simulation,
        // Automation.
        Task,
        TaskItem,
        TaskState,
        TaskStatus,
        TaskId,
        OutboxMessage,
        OutboxId,
        OutboxStatus,
        Channel,
        Template,
        AutomationRule,
        TimedRun,
        Preview,
        OutboxSummary,
        SendReport,
        SendProblem,
        SecretPlace,
        MailSettings,
        SmtpSecurity,
        GroupPayout,
        GroupPayoutEdit,
        TaxForm,
        PartnerTax,
        SkipReason,
        PayoutCandidate,
        PayoutPlan,
        PartnerBalance,
        ReleaseDate,
        StatementLine,
        Keep,
        LeadConflict,
        ConflictView,
        PayoutSettings,
        Released,
        DuePayout,
        PayoutFormat,
        SelfBilling,
        SelfBillingFile,
        TaxReportRow,
        TaxReport,
    );
}

/// Every .ts file under `dir`, by path relative to it (ts-rs puts some in subfolders).
fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else if path.extension().is_some_and(|x| x == "ts") {
                let rel = path.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn generated_typescript_bindings_are_up_to_date() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings");
    let tmp = tempfile::tempdir().unwrap();
    export(tmp.path());
    let fresh = read_dir(tmp.path());
    assert!(
        fresh.len() > 30,
        "expected the bindings of every command type, got {}",
        fresh.len()
    );
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(&committed).unwrap();
        for old in read_dir(&committed).keys() {
            std::fs::remove_file(committed.join(old)).unwrap();
        }
        for (name, text) in &fresh {
            let path = committed.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        return;
    }
    let have = read_dir(&committed);
    let stale: Vec<&String> = fresh
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(v))
        .map(|(k, _)| k)
        .chain(have.keys().filter(|k| !fresh.contains_key(*k)))
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/lib/bindings is stale ({stale:?}); run UPDATE_BINDINGS=1 cargo test -p partnerdesk-core --features ts --test it -- ts_bindings::"
    );
}

/// The const arrays of ui/src/lib/enums.ts: every value of each enum, in order.
fn enums_ts() -> String {
    let cfg = Config::new().with_large_int("number");
    let mut imports = String::new();
    let mut consts = String::new();
    macro_rules! lists {
        ($($name:literal: $t:ty),+ $(,)?) => {$(
            let ident = <$t as TS>::ident(&cfg);
            let path = <$t as TS>::output_path().expect(stringify!($t));
            let path = path.to_string_lossy().trim_end_matches(".ts").replace('\\', "/");
            imports += &format!("import type {{ {ident} }} from \"./bindings/{path}\";\n");
            let values: Vec<String> = <$t>::ALL.iter().map(|v| serde_json::to_string(v).unwrap()).collect();
            consts += &format!("export const {}: readonly {ident}[] = [{}];\n", $name, values.join(", "));
        )+};
    }
    lists!(
        "APPLICATION_STATUSES": ApplicationStatus,
        "COMMISSION_STATUSES": CommissionStatus,
        "ENTITIES": Entity,
        "ERROR_KINDS": ErrorKind,
        "EXPERIENCE_LEVELS": ExperienceLevel,
        "LEAD_STATUSES": LeadStatus,
        "OUTBOX_STATUSES": OutboxStatus,
        "PARTNER_STATUSES": PartnerStatus,
        "PLAN_STATUSES": PlanStatus,
        "TIERS": Tier,
        "TAX_FORMS": TaxForm,
        "KEEPS": Keep,
        "SKIP_REASONS": SkipReason,
    );
    format!(
        "// Generated from the Rust enums by crates/core/tests/it/ts_bindings.rs: do not edit by hand.\n\
         // Every value of each enum, in the order of its declaration in Rust.\n\
         {imports}\n{consts}"
    )
}

#[test]
fn generated_enum_lists_are_up_to_date() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/enums.ts");
    let fresh = enums_ts();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&committed, &fresh).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        have == fresh,
        "ui/src/lib/enums.ts is stale; run UPDATE_BINDINGS=1 cargo test -p partnerdesk-core --features ts --test it -- ts_bindings::"
    );
}
