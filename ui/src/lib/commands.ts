// Generated from src-tauri/src/commands/list.rs by src-tauri/tests/it/commands.rs: do not edit by hand.
// Refresh: UPDATE_CLIENT=1 cargo test -p partnerdesk-app --test it -- commands::
import type { AppPlan } from "./bindings/AppPlan";
import type { Application } from "./bindings/Application";
import type { ApplicationId } from "./bindings/ApplicationId";
import type { ApplicationStatus } from "./bindings/ApplicationStatus";
import type { ApplyReport } from "./bindings/ApplyReport";
import type { AuditEntry } from "./bindings/AuditEntry";
import type { AuditVerification } from "./bindings/AuditVerification";
import type { AutomationRule } from "./bindings/AutomationRule";
import type { BackupInfo } from "./bindings/BackupInfo";
import type { BundleReport } from "./bindings/BundleReport";
import type { Channel } from "@tauri-apps/api/core";
import type { CipherReport } from "./bindings/CipherReport";
import type { Commission } from "./bindings/Commission";
import type { CommissionFilter } from "./bindings/CommissionFilter";
import type { CommissionId } from "./bindings/CommissionId";
import type { Comparison } from "./bindings/Comparison";
import type { Conflict } from "./bindings/Conflict";
import type { ConflictView } from "./bindings/ConflictView";
import type { Dashboard } from "./bindings/Dashboard";
import type { DataInfo } from "./bindings/DataInfo";
import type { DecimalMark } from "./bindings/DecimalMark";
import type { Diagnostics } from "./bindings/Diagnostics";
import type { Draft } from "./bindings/Draft";
import type { DueRun } from "./bindings/DueRun";
import type { Entity } from "./bindings/Entity";
import type { ExportReport } from "./bindings/ExportReport";
import type { Format } from "./bindings/Format";
import type { Group } from "./bindings/Group";
import type { GroupEdit } from "./bindings/GroupEdit";
import type { GroupId } from "./bindings/GroupId";
import type { GroupInfo } from "./bindings/GroupInfo";
import type { GroupPayout } from "./bindings/GroupPayout";
import type { GroupPayoutEdit } from "./bindings/GroupPayoutEdit";
import type { ImportPreview } from "./bindings/ImportPreview";
import type { ImportReport } from "./bindings/ImportReport";
import type { ImportTable } from "./bindings/ImportTable";
import type { Keep } from "./bindings/Keep";
import type { Lead } from "./bindings/Lead";
import type { LeadAdded } from "./bindings/LeadAdded";
import type { LeadDetail } from "./bindings/LeadDetail";
import type { LeadFilter } from "./bindings/LeadFilter";
import type { LeadId } from "./bindings/LeadId";
import type { LeadStatus } from "./bindings/LeadStatus";
import type { MoveOutcome } from "./bindings/MoveOutcome";
import type { NewApplication } from "./bindings/NewApplication";
import type { NewLead } from "./bindings/NewLead";
import type { NewPlan } from "./bindings/NewPlan";
import type { OutboxId } from "./bindings/OutboxId";
import type { OutboxMessage } from "./bindings/OutboxMessage";
import type { OutboxStatus } from "./bindings/OutboxStatus";
import type { OutboxSummary } from "./bindings/OutboxSummary";
import type { OverrideInput } from "./bindings/OverrideInput";
import type { Page } from "./bindings/Page";
import type { Partner } from "./bindings/Partner";
import type { PartnerBalance } from "./bindings/PartnerBalance";
import type { PartnerDetail } from "./bindings/PartnerDetail";
import type { PartnerFilter } from "./bindings/PartnerFilter";
import type { PartnerId } from "./bindings/PartnerId";
import type { PartnerName } from "./bindings/PartnerName";
import type { PartnerRules } from "./bindings/PartnerRules";
import type { PartnerStatus } from "./bindings/PartnerStatus";
import type { PartnerTax } from "./bindings/PartnerTax";
import type { PartnerToPay } from "./bindings/PartnerToPay";
import type { Payout } from "./bindings/Payout";
import type { PayoutFormat } from "./bindings/PayoutFormat";
import type { PayoutId } from "./bindings/PayoutId";
import type { PayoutPlan } from "./bindings/PayoutPlan";
import type { PayoutSummary } from "./bindings/PayoutSummary";
import type { PlanId } from "./bindings/PlanId";
import type { PlanPatch } from "./bindings/PlanPatch";
import type { PlanStatus } from "./bindings/PlanStatus";
import type { Preview } from "./bindings/Preview";
import type { Progress } from "./bindings/Progress";
import type { PullReport } from "./bindings/PullReport";
import type { PushReport } from "./bindings/PushReport";
import type { Recovery } from "./bindings/Recovery";
import type { ReleaseDate } from "./bindings/ReleaseDate";
import type { RestoreReport } from "./bindings/RestoreReport";
import type { RetainerTerms } from "./bindings/RetainerTerms";
import type { RuleChanged } from "./bindings/RuleChanged";
import type { RuleScope } from "./bindings/RuleScope";
import type { RulesView } from "./bindings/RulesView";
import type { ScreenChart } from "./bindings/ScreenChart";
import type { ScreenData } from "./bindings/ScreenData";
import type { ScreenRequest } from "./bindings/ScreenRequest";
import type { SecretPlace } from "./bindings/SecretPlace";
import type { SecurityState } from "./bindings/SecurityState";
import type { SelfBillingFile } from "./bindings/SelfBillingFile";
import type { SendReport } from "./bindings/SendReport";
import type { SettingEntry } from "./bindings/SettingEntry";
import type { Settings } from "./bindings/Settings";
import type { Simulation } from "./bindings/Simulation";
import type { Snapshot } from "./bindings/Snapshot";
import type { StatementFile } from "./bindings/StatementFile";
import type { SyncExportReport } from "./bindings/SyncExportReport";
import type { SyncStatus } from "./bindings/SyncStatus";
import type { TaskId } from "./bindings/TaskId";
import type { TaskItem } from "./bindings/TaskItem";
import type { TaxForm } from "./bindings/TaxForm";
import type { TaxReport } from "./bindings/TaxReport";
import type { Template } from "./bindings/Template";
import type { Theme } from "./bindings/Theme";
import type { Tier } from "./bindings/Tier";
import type { TierChange } from "./bindings/TierChange";
import type { Verification } from "./bindings/Verification";

/**
 * The page's own record of a launch: its time origin (Unix ms) and, in ms
 * from it, when the script had run, the database had answered and the
 * dashboard's figures were on screen.
 */
export type LaunchMarks = { time_origin: number, script: number, opened: number, figures: number, };

/** How the client reaches Rust: api.ts gives it its one call wrapper. */
export type Call = <T>(command: string, args?: Record<string, unknown>) => Promise<T>;

/** One function per command of the app, typed by its arguments and its answer. */
export function commands(call: Call) {
  return {
    // system
    dashboard: () => call<Dashboard>("dashboard"),
    dataInfo: () => call<DataInfo>("data_info"),
    launchReady: (marks: LaunchMarks) => call<string | null>("launch_ready", { marks }),
    amountParse: (field: string, text: string) => call<number>("amount_parse", { field, text }),

    // security
    securityState: () => call<SecurityState>("security_state"),
    dbUnlock: (passphrase: string, remember: boolean) => call<string | null>("db_unlock", { passphrase, remember }),
    dbForgetPassphrase: () => call<boolean>("db_forget_passphrase"),
    dbLock: () => call<boolean>("db_lock"),
    dbEncrypt: (passphrase: string) => call<CipherReport>("db_encrypt", { passphrase }),
    dbDecrypt: (passphrase: string) => call<CipherReport>("db_decrypt", { passphrase }),
    dbChangePassphrase: (old_passphrase: string, new_passphrase: string) => call<CipherReport>("db_change_passphrase", { old_passphrase, new_passphrase }),

    // applications
    applicationsList: (status: ApplicationStatus | null, limit: number | null, offset: number | null) => call<Page<Application>>("applications_list", { status, limit, offset }),
    applicationGet: (id: ApplicationId) => call<Application>("application_get", { id }),
    applicationAdd: (input: NewApplication) => call<Application>("application_add", { input }),
    applicationReview: (id: ApplicationId) => call<Application>("application_review", { id }),
    applicationReject: (id: ApplicationId, reason: string | null) => call<Application>("application_reject", { id, reason }),
    applicationApprove: (id: ApplicationId) => call<[Application, Partner]>("application_approve", { id }),

    // partners
    partnersList: (filter: PartnerFilter) => call<Page<Partner>>("partners_list", { filter }),
    partnerDetail: (id: PartnerId) => call<PartnerDetail>("partner_detail", { id }),
    partnerNames: (ids: Array<PartnerId>) => call<Array<PartnerName>>("partner_names", { ids }),
    partnerSetStatus: (id: PartnerId, status: PartnerStatus) => call<Partner>("partner_set_status", { id, status }),
    partnerSetTier: (id: PartnerId, tier: Tier) => call<Partner>("partner_set_tier", { id, tier }),

    // leads
    leadsList: (filter: LeadFilter) => call<Page<Lead>>("leads_list", { filter }),
    leadDetail: (id: LeadId) => call<LeadDetail>("lead_detail", { id }),
    leadAdd: (input: NewLead) => call<LeadAdded>("lead_add", { input }),
    leadMove: (id: LeadId, to: LeadStatus, project_value: number | null) => call<MoveOutcome>("lead_move", { id, to, project_value }),

    // commissions
    commissionsList: (filter: CommissionFilter) => call<Page<Commission>>("commissions_list", { filter }),
    commissionsApprove: (ids: Array<CommissionId>) => call<Array<Commission>>("commissions_approve", { ids }),
    commissionCancel: (id: CommissionId) => call<Commission>("commission_cancel", { id }),
    partnersToPay: (only: Array<PartnerId> | null, limit: number | null, offset: number | null) => call<Page<PartnerToPay>>("partners_to_pay", { only, limit, offset }),
    payout: (partner_ids: Array<PartnerId>) => call<Payout>("payout", { partner_ids }),

    // plans
    plansList: (status: PlanStatus | null, limit: number | null, offset: number | null) => call<Page<AppPlan>>("plans_list", { status, limit, offset }),
    planAdd: (input: NewPlan) => call<AppPlan>("plan_add", { input }),
    planUpdate: (id: PlanId, patch: PlanPatch) => call<AppPlan>("plan_update", { id, patch }),
    planSetStatus: (id: PlanId, status: PlanStatus) => call<AppPlan>("plan_set_status", { id, status }),
    planGenerate: (id: PlanId) => call<AppPlan>("plan_generate", { id }),

    // settings
    settingsGet: () => call<Settings>("settings_get"),
    settingsEntries: () => call<Array<SettingEntry>>("settings_entries"),
    settingSet: (key: string, value: string) => call<Settings>("setting_set", { key, value }),
    diagnostics: () => call<Diagnostics>("diagnostics"),
    diagnosticsBundle: (path: string) => call<BundleReport>("diagnostics_bundle", { path }),

    // rules
    groupsList: () => call<Array<GroupInfo>>("groups_list"),
    groupAdd: (name: string) => call<Group>("group_add", { name }),
    groupEdit: (id: GroupId, edit: GroupEdit) => call<Group>("group_edit", { id, edit }),
    rulesShow: (group: GroupId | null) => call<RulesView>("rules_show", { group }),
    rulesSetTier: (change: TierChange) => call<RuleChanged>("rules_set_tier", { change }),
    rulesUseDefault: (group: GroupId, from: string | null, scope: RuleScope) => call<RuleChanged>("rules_use_default", { group, from, scope }),
    rulesSimulate: (draft: Draft, from: string | null, to: string | null) => call<Simulation>("rules_simulate", { draft, from, to }),
    partnerRules: (id: PartnerId) => call<PartnerRules>("partner_rules", { id }),
    partnerSetGroup: (id: PartnerId, group: GroupId) => call<Partner>("partner_set_group", { id, group }),
    partnerSetOverride: (id: PartnerId, input: OverrideInput) => call<RuleChanged>("partner_set_override", { id, input }),
    partnerClearOverride: (id: PartnerId) => call<RuleChanged>("partner_clear_override", { id }),
    commissionBonus: (partner_id: PartnerId, amount: number, reason: string) => call<Commission>("commission_bonus", { partner_id, amount, reason }),
    runDue: () => call<DueRun>("run_due"),
    leadWin: (id: LeadId, project_value: number | null, retainer: RetainerTerms | null) => call<MoveOutcome>("lead_win", { id, project_value, retainer }),

    // automation
    tasksList: (all: boolean, record: string | null) => call<Array<TaskItem>>("tasks_list", { all, record }),
    tasksToday: () => call<Array<TaskItem>>("tasks_today"),
    taskDone: (id: TaskId) => call<TaskItem>("task_done", { id }),
    taskSnooze: (id: TaskId, until: string) => call<TaskItem>("task_snooze", { id, until }),
    automationRules: () => call<Array<AutomationRule>>("automation_rules"),
    automationSet: (name: string, enabled: boolean | null, days: number | null, items: Array<string> | null) => call<AutomationRule>("automation_set", { name, enabled, days, items }),
    templatesList: () => call<Array<Template>>("templates_list"),
    templateSet: (name: string, subject: string, body: string, group: GroupId | null) => call<Template>("template_set", { name, subject, body, group }),
    templateSetEnabled: (name: string, enabled: boolean, group: GroupId | null) => call<Template>("template_set_enabled", { name, enabled, group }),
    templatePreview: (name: string, record: string) => call<Preview>("template_preview", { name, record }),
    outboxList: (status: OutboxStatus | null, record: string | null) => call<Array<OutboxMessage>>("outbox_list", { status, record }),
    outboxSummary: () => call<OutboxSummary>("outbox_summary"),
    outboxSend: () => call<SendReport>("outbox_send"),
    outboxRetry: (id: OutboxId) => call<OutboxMessage>("outbox_retry", { id }),
    outboxCancel: (id: OutboxId) => call<OutboxMessage>("outbox_cancel", { id }),
    outboxSave: (id: OutboxId, path: string) => call<OutboxMessage>("outbox_save", { id, path }),
    smtpPasswordSet: (password: string) => call<SecretPlace>("smtp_password_set", { password }),

    // payouts
    payoutPreview: (partner_ids: Array<PartnerId>) => call<PayoutPlan>("payout_preview", { partner_ids }),
    payoutRun: (partner_ids: Array<PartnerId>) => call<PayoutPlan>("payout_run", { partner_ids }),
    payoutFileSave: (id: PayoutId, path: string, format: PayoutFormat) => call<Payout>("payout_file_save", { id, path, format }),
    selfBillingWrite: (payout_id: PayoutId, partner_id: PartnerId, path: string) => call<SelfBillingFile>("self_billing_write", { payout_id, partner_id, path }),
    partnerBalance: (id: PartnerId) => call<PartnerBalance>("partner_balance", { id }),
    partnerSetTax: (id: PartnerId, form: TaxForm, received: string | null, tax_id: string | null) => call<PartnerTax>("partner_set_tax", { id, form, received, tax_id }),
    groupPayoutGet: (id: GroupId) => call<GroupPayout>("group_payout_get", { id }),
    groupPayoutSet: (id: GroupId, edit: GroupPayoutEdit) => call<GroupPayout>("group_payout_set", { id, edit }),
    releaseDates: (ids: Array<CommissionId>) => call<Array<ReleaseDate>>("release_dates", { ids }),
    taxReportWrite: (year: number, path: string) => call<TaxReport>("tax_report_write", { year, path }),
    leadConflicts: (all: boolean) => call<Array<ConflictView>>("lead_conflicts", { all }),
    leadResolve: (id: LeadId, keep: Keep, reason: string) => call<ConflictView>("lead_resolve", { id, keep, reason }),

    // audit
    auditList: (entity: Entity | null, entity_id: string | null, limit: number | null, offset: number | null) => call<Array<AuditEntry>>("audit_list", { entity, entity_id, limit, offset }),
    auditVerify: () => call<AuditVerification>("audit_verify"),

    // data
    recovery: () => call<Recovery | null>("recovery"),
    backupsList: () => call<Array<BackupInfo>>("backups_list"),
    backupCreate: (op: number, on_progress: Channel<Progress>) => call<BackupInfo>("backup_create", { op, on_progress }),
    backupVerify: (path: string) => call<Verification>("backup_verify", { path }),
    backupRestore: (path: string, op: number, on_progress: Channel<Progress>) => call<RestoreReport>("backup_restore", { path, op, on_progress }),
    exportTables: () => call<Array<string>>("export_tables"),
    exportRun: (format: Format, dir: string, table: string | null, op: number, on_progress: Channel<Progress>) => call<ExportReport>("export_run", { format, dir, table, op, on_progress }),
    importPreview: (table: ImportTable, path: string) => call<ImportPreview>("import_preview", { table, path }),
    importRun: (table: ImportTable, path: string, mapping: { [key in string]: string }, dry_run: boolean, update: boolean, decimal_mark: DecimalMark, op: number, on_progress: Channel<Progress>) => call<ImportReport>("import_run", { table, path, mapping, dry_run, update, decimal_mark, op, on_progress }),
    statementWrite: (partner_id: PartnerId, path: string) => call<StatementFile>("statement_write", { partner_id, path }),
    payoutsList: (limit: number) => call<Array<PayoutSummary>>("payouts_list", { limit }),
    payoutFileWrite: (id: PayoutId, path: string) => call<Payout>("payout_file_write", { id, path }),
    syncStatus: () => call<SyncStatus>("sync_status"),
    syncExport: (dir: string, op: number, on_progress: Channel<Progress>) => call<SyncExportReport>("sync_export", { dir, op, on_progress }),
    syncApply: (dir: string, op: number, on_progress: Channel<Progress>) => call<ApplyReport>("sync_apply", { dir, op, on_progress }),
    syncPush: (url: string, dry_run: boolean, op: number, on_progress: Channel<Progress>) => call<PushReport>("sync_push", { url, dry_run, op, on_progress }),
    syncPull: (url: string, dry_run: boolean, op: number, on_progress: Channel<Progress>) => call<PullReport>("sync_pull", { url, dry_run, op, on_progress }),
    syncCompare: (url: string, op: number, on_progress: Channel<Progress>) => call<Comparison>("sync_compare", { url, op, on_progress }),
    syncConflicts: (limit: number) => call<Array<Conflict>>("sync_conflicts", { limit }),
    operationCancel: (op: number) => call<boolean>("operation_cancel", { op }),

    // analytics
    analyticsScreen: (req: ScreenRequest) => call<ScreenData>("analytics_screen", { req }),
    analyticsChart: (kind: ScreenChart, req: ScreenRequest, theme: Theme, width: number, height: number) => call<string>("analytics_chart", { kind, req, theme, width, height }),
    analyticsChartSave: (kind: ScreenChart, req: ScreenRequest, theme: Theme, width: number, height: number, path: string) => call<null>("analytics_chart_save", { kind, req, theme, width, height, path }),
    analyticsSnapshotTake: () => call<Snapshot>("analytics_snapshot_take"),
  };
}
