// The app's commands, declared once: for each module of `commands/`, each
// command with the arguments the UI sends (by name, as the function names
// them) and what it answers (the `Ok` of its `CmdResult`). Arguments Tauri
// fills in itself (`State`, `AppHandle`) are not listed.
//
// Everything else is derived from this list: the invoke handler (lib.rs),
// the `allow-<command>` permissions of the app manifest (build.rs includes
// this file), the TypeScript client ui/src/lib/commands.ts, and the checks
// that the functions take and answer what is listed here (`commands::client`
// at compile time, tests/it/commands.rs for the argument names and for
// capabilities/main.json).
//
// This file holds data only (build.rs includes it): `with_commands!(m)`
// calls the macro `m` with the list.
macro_rules! with_commands {
    ($then:ident) => {
        $then! {
            system {
                dashboard() -> Dashboard;
                data_info() -> DataInfo;
                launch_ready(marks: LaunchMarks) -> Option<String>;
                amount_parse(field: String, text: String) -> i64;
            }
            security {
                security_state() -> SecurityState;
                db_unlock(passphrase: String, remember: bool) -> Option<String>;
                db_forget_passphrase() -> bool;
                db_lock() -> bool;
                db_encrypt(passphrase: String) -> CipherReport;
                db_decrypt(passphrase: String) -> CipherReport;
                db_change_passphrase(old_passphrase: String, new_passphrase: String) -> CipherReport;
            }
            applications {
                applications_list(status: Option<ApplicationStatus>, limit: Option<i64>, offset: Option<i64>) -> Page<Application>;
                application_get(id: ApplicationId) -> Application;
                application_add(input: NewApplication) -> Application;
                application_review(id: ApplicationId) -> Application;
                application_reject(id: ApplicationId, reason: Option<String>) -> Application;
                application_approve(id: ApplicationId) -> (Application, Partner);
            }
            partners {
                partners_list(filter: PartnerFilter) -> Page<Partner>;
                partner_detail(id: PartnerId) -> PartnerDetail;
                partner_names(ids: Vec<PartnerId>) -> Vec<PartnerName>;
                partner_set_status(id: PartnerId, status: PartnerStatus) -> Partner;
                partner_set_tier(id: PartnerId, tier: Tier) -> Partner;
            }
            leads {
                leads_list(filter: LeadFilter) -> Page<Lead>;
                lead_detail(id: LeadId) -> LeadDetail;
                lead_add(input: NewLead) -> LeadAdded;
                lead_move(id: LeadId, to: LeadStatus, project_value: Option<i64>) -> MoveOutcome;
            }
            commissions {
                commissions_list(filter: CommissionFilter) -> Page<Commission>;
                commissions_approve(ids: Vec<CommissionId>) -> Vec<Commission>;
                commission_cancel(id: CommissionId) -> Commission;
                partners_to_pay(only: Option<Vec<PartnerId>>, limit: Option<i64>, offset: Option<i64>) -> Page<PartnerToPay>;
                payout(partner_ids: Vec<PartnerId>) -> Payout;
            }
            plans {
                plans_list(status: Option<PlanStatus>, limit: Option<i64>, offset: Option<i64>) -> Page<AppPlan>;
                plan_add(input: NewPlan) -> AppPlan;
                plan_update(id: PlanId, patch: PlanPatch) -> AppPlan;
                plan_set_status(id: PlanId, status: PlanStatus) -> AppPlan;
                plan_generate(id: PlanId) -> AppPlan;
            }
            settings {
                settings_get() -> Settings;
                settings_entries() -> Vec<SettingEntry>;
                setting_set(key: String, value: String) -> Settings;
                diagnostics() -> Diagnostics;
                diagnostics_bundle(path: String) -> BundleReport;
            }
            rules {
                groups_list() -> Vec<GroupInfo>;
                group_add(name: String) -> Group;
                group_edit(id: GroupId, edit: GroupEdit) -> Group;
                rules_show(group: Option<GroupId>) -> RulesView;
                rules_set_tier(change: TierChange) -> RuleChanged;
                rules_use_default(group: GroupId, from: Option<String>, scope: RuleScope) -> RuleChanged;
                rules_simulate(draft: Draft, from: Option<String>, to: Option<String>) -> Simulation;
                partner_rules(id: PartnerId) -> PartnerRules;
                partner_set_group(id: PartnerId, group: GroupId) -> Partner;
                partner_set_override(id: PartnerId, input: OverrideInput) -> RuleChanged;
                partner_clear_override(id: PartnerId) -> RuleChanged;
                commission_bonus(partner_id: PartnerId, amount: i64, reason: String) -> Commission;
                run_due() -> DueRun;
                lead_win(id: LeadId, project_value: Option<i64>, retainer: Option<RetainerTerms>) -> MoveOutcome;
            }
            automation {
                tasks_list(all: bool, record: Option<String>) -> Vec<TaskItem>;
                tasks_today() -> Vec<TaskItem>;
                task_done(id: TaskId) -> TaskItem;
                task_snooze(id: TaskId, until: String) -> TaskItem;
                automation_rules() -> Vec<AutomationRule>;
                automation_set(name: String, enabled: Option<bool>, days: Option<i64>, items: Option<Vec<String>>) -> AutomationRule;
                templates_list() -> Vec<Template>;
                template_set(name: String, subject: String, body: String, group: Option<GroupId>) -> Template;
                template_set_enabled(name: String, enabled: bool, group: Option<GroupId>) -> Template;
                template_preview(name: String, record: String) -> Preview;
                outbox_list(status: Option<OutboxStatus>, record: Option<String>) -> Vec<OutboxMessage>;
                outbox_summary() -> OutboxSummary;
                outbox_send() -> SendReport;
                outbox_retry(id: OutboxId) -> OutboxMessage;
                outbox_cancel(id: OutboxId) -> OutboxMessage;
                outbox_save(id: OutboxId, path: String) -> OutboxMessage;
                smtp_password_set(password: String) -> SecretPlace;
            }
            payouts {
                payout_preview(partner_ids: Vec<PartnerId>) -> PayoutPlan;
                payout_run(partner_ids: Vec<PartnerId>) -> PayoutPlan;
                payout_file_save(id: PayoutId, path: String, format: PayoutFormat) -> Payout;
                self_billing_write(payout_id: PayoutId, partner_id: PartnerId, path: String) -> SelfBillingFile;
                partner_balance(id: PartnerId) -> PartnerBalance;
                partner_set_tax(id: PartnerId, form: TaxForm, received: Option<String>, tax_id: Option<String>) -> PartnerTax;
                group_payout_get(id: GroupId) -> GroupPayout;
                group_payout_set(id: GroupId, edit: GroupPayoutEdit) -> GroupPayout;
                release_dates(ids: Vec<CommissionId>) -> Vec<ReleaseDate>;
                tax_report_write(year: i32, path: String) -> TaxReport;
                lead_conflicts(all: bool) -> Vec<ConflictView>;
                lead_resolve(id: LeadId, keep: Keep, reason: String) -> ConflictView;
            }
            audit {
                audit_list(entity: Option<Entity>, entity_id: Option<String>, limit: Option<i64>, offset: Option<i64>) -> Vec<AuditEntry>;
                audit_verify() -> AuditVerification;
            }
            // The Data screen. A long operation takes the id the UI gave it
            // (for `operation_cancel`) and a channel for its progress.
            data {
                recovery() -> Option<Recovery>;
                backups_list() -> Vec<BackupInfo>;
                backup_create(op: u32, on_progress: Channel<Progress>) -> BackupInfo;
                backup_verify(path: String) -> Verification;
                backup_restore(path: String, op: u32, on_progress: Channel<Progress>) -> RestoreReport;
                export_tables() -> Vec<String>;
                export_run(format: Format, dir: String, table: Option<String>, op: u32, on_progress: Channel<Progress>) -> ExportReport;
                import_preview(table: ImportTable, path: String) -> ImportPreview;
                import_run(table: ImportTable, path: String, mapping: BTreeMap<String, String>, dry_run: bool, update: bool, decimal_mark: DecimalMark, op: u32, on_progress: Channel<Progress>) -> ImportReport;
                statement_write(partner_id: PartnerId, path: String) -> StatementFile;
                payouts_list(limit: i64) -> Vec<PayoutSummary>;
                payout_file_write(id: PayoutId, path: String) -> Payout;
                sync_status() -> SyncStatus;
                sync_export(dir: String, op: u32, on_progress: Channel<Progress>) -> SyncExportReport;
                sync_apply(dir: String, op: u32, on_progress: Channel<Progress>) -> ApplyReport;
                sync_push(url: String, dry_run: bool, op: u32, on_progress: Channel<Progress>) -> PushReport;
                sync_pull(url: String, dry_run: bool, op: u32, on_progress: Channel<Progress>) -> PullReport;
                sync_compare(url: String, op: u32, on_progress: Channel<Progress>) -> Comparison;
                sync_conflicts(limit: u32) -> Vec<Conflict>;
                operation_cancel(op: u32) -> bool;
            }
            analytics {
                analytics_screen(req: ScreenRequest) -> ScreenData;
                analytics_chart(kind: ScreenChart, req: ScreenRequest, theme: Theme, width: u32, height: u32) -> String;
                analytics_chart_save(kind: ScreenChart, req: ScreenRequest, theme: Theme, width: u32, height: u32, path: PathBuf) -> ();
                analytics_snapshot_take() -> Snapshot;
            }
        }
    };
}
