// The only module that talks to the Rust side. Every function is one Tauri
// command; argument and result types come from ./bindings (generated from the
// Rust types by ts-rs, checked for staleness by crates/core/tests/ts_bindings.rs).
import { invoke } from "@tauri-apps/api/core";
import { passInvalidating } from "./invalidate";
import type { AppPlan } from "./bindings/AppPlan";
import type { Application } from "./bindings/Application";
import type { ApplicationStatus } from "./bindings/ApplicationStatus";
import type { AuditEntry } from "./bindings/AuditEntry";
import type { Commission } from "./bindings/Commission";
import type { CommissionFilter } from "./bindings/CommissionFilter";
import type { Dashboard } from "./bindings/Dashboard";
import type { DecimalMark } from "./bindings/DecimalMark";
import type { DataInfo } from "./bindings/DataInfo";
import type { Entity } from "./bindings/Entity";
import type { ErrorInfo } from "./bindings/ErrorInfo";
import type { Lead } from "./bindings/Lead";
import type { LeadAdded } from "./bindings/LeadAdded";
import type { LeadDetail } from "./bindings/LeadDetail";
import type { LeadFilter } from "./bindings/LeadFilter";
import type { LeadStatus } from "./bindings/LeadStatus";
import type { MoveOutcome } from "./bindings/MoveOutcome";
import type { NewApplication } from "./bindings/NewApplication";
import type { NewLead } from "./bindings/NewLead";
import type { NewPlan } from "./bindings/NewPlan";
import type { Page } from "./bindings/Page";
import type { Partner } from "./bindings/Partner";
import type { PartnerDetail } from "./bindings/PartnerDetail";
import type { PartnerFilter } from "./bindings/PartnerFilter";
import type { PartnerName } from "./bindings/PartnerName";
import type { PartnerStatus } from "./bindings/PartnerStatus";
import type { PartnerToPay } from "./bindings/PartnerToPay";
import type { Payout } from "./bindings/Payout";
import type { PlanPatch } from "./bindings/PlanPatch";
import type { PlanStatus } from "./bindings/PlanStatus";
import type { SettingEntry } from "./bindings/SettingEntry";
import type { Settings } from "./bindings/Settings";
import type { Tier } from "./bindings/Tier";

export type { ErrorInfo };

/** A failed command: the core's `{kind, field, message}`. */
export class ApiError extends Error {
  readonly info: ErrorInfo;
  constructor(info: ErrorInfo) {
    super(info.message);
    this.info = info;
  }
  get kind() {
    return this.info.kind;
  }
  get field() {
    return this.info.field;
  }
}

/** A form's own "fill this in first" error on `field`, shown next to it as the core's are. */
export function invalid(field: string, message: string): ApiError {
  return new ApiError({ kind: "validation", field, message });
}

function isErrorInfo(e: unknown): e is ErrorInfo {
  return typeof e === "object" && e !== null && "kind" in e && "message" in e;
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args).then(passInvalidating(cmd));
  } catch (e) {
    if (isErrorInfo(e)) throw new ApiError(e);
    throw new ApiError({ kind: "io", field: null, message: String(e) });
  }
}

export const api = {
  dashboard: () => call<Dashboard>("dashboard"),
  /** The dashboard's first figures are on screen (times in ms from the page's time origin). */
  launchReady: (marks: { time_origin: number; script: number; opened: number; figures: number }) =>
    call<string | null>("launch_ready", { marks }),
  dataInfo: () => call<DataInfo>("data_info"),
  amountParse: (field: string, text: string) => call<number>("amount_parse", { field, text }),

  applications: (status: ApplicationStatus | null, limit: number, offset: number) =>
    call<Page<Application>>("applications_list", { status, limit, offset }),
  application: (id: string) => call<Application>("application_get", { id }),
  applicationAdd: (input: NewApplication) => call<Application>("application_add", { input }),
  applicationReview: (id: string) => call<Application>("application_review", { id }),
  applicationReject: (id: string) => call<Application>("application_reject", { id }),
  applicationApprove: (id: string) => call<[Application, Partner]>("application_approve", { id }),

  partners: (filter: PartnerFilter) => call<Page<Partner>>("partners_list", { filter }),
  partner: (id: string) => call<PartnerDetail>("partner_detail", { id }),
  partnerNames: (ids: string[]) => call<PartnerName[]>("partner_names", { ids }),
  partnerSetStatus: (id: string, status: PartnerStatus) => call<Partner>("partner_set_status", { id, status }),
  partnerSetTier: (id: string, tier: Tier) => call<Partner>("partner_set_tier", { id, tier }),

  leads: (filter: LeadFilter) => call<Page<Lead>>("leads_list", { filter }),
  lead: (id: string) => call<LeadDetail>("lead_detail", { id }),
  leadAdd: (input: NewLead) => call<LeadAdded>("lead_add", { input }),
  leadMove: (id: string, to: LeadStatus, project_value: number | null) =>
    call<MoveOutcome>("lead_move", { id, to, project_value }),

  commissions: (filter: CommissionFilter) => call<Page<Commission>>("commissions_list", { filter }),
  commissionsApprove: (ids: string[]) => call<Commission[]>("commissions_approve", { ids }),
  commissionCancel: (id: string) => call<Commission>("commission_cancel", { id }),
  partnersToPay: (only: string[] | null, limit: number, offset: number) =>
    call<Page<PartnerToPay>>("partners_to_pay", { only, limit, offset }),
  payout: (partner_ids: string[]) => call<Payout>("payout", { partner_ids }),

  plans: (status: PlanStatus | null, limit: number, offset: number) =>
    call<Page<AppPlan>>("plans_list", { status, limit, offset }),
  planAdd: (input: NewPlan) => call<AppPlan>("plan_add", { input }),
  planUpdate: (id: string, patch: PlanPatch) => call<AppPlan>("plan_update", { id, patch }),
  planSetStatus: (id: string, status: PlanStatus) => call<AppPlan>("plan_set_status", { id, status }),
  planGenerate: (id: string) => call<AppPlan>("plan_generate", { id }),

  settings: () => call<Settings>("settings_get"),
  settingEntries: () => call<SettingEntry[]>("settings_entries"),
  settingSet: (key: string, value: string) => call<Settings>("setting_set", { key, value }),

  audit: (entity: Entity | null, entity_id: string | null, limit: number, offset: number) =>
    call<AuditEntry[]>("audit_list", { entity, entity_id, limit, offset }),
};

// ---------------------------------------------------------------------------
// The Data screen. Long operations take an operation id (for `cancelOperation`)
// and a callback that receives the core's progress through a Tauri channel.
import { Channel } from "@tauri-apps/api/core";
import { open as openDialog, save as saveDialog } from "@tauri-apps/plugin-dialog";
import type { ApplyReport } from "./bindings/ApplyReport";
import type { BackupInfo } from "./bindings/BackupInfo";
import type { ExportReport } from "./bindings/ExportReport";
import type { Format } from "./bindings/Format";
import type { ImportPreview } from "./bindings/ImportPreview";
import type { ImportReport } from "./bindings/ImportReport";
import type { ImportTable } from "./bindings/ImportTable";
import type { PayoutSummary } from "./bindings/PayoutSummary";
import type { Progress } from "./bindings/Progress";
import type { PushReport } from "./bindings/PushReport";
import type { Recovery } from "./bindings/Recovery";
import type { RestoreReport } from "./bindings/RestoreReport";
import type { StatementFile } from "./bindings/StatementFile";
import type { SyncExportReport } from "./bindings/SyncExportReport";
import type { SyncStatus } from "./bindings/SyncStatus";
import type { Verification } from "./bindings/Verification";

export type { Progress };

/** One running long operation: its id and where its progress goes. */
export type Op = { id: number; onProgress: (p: Progress) => void };

let nextOp = 1;
/** A new operation id. */
export function newOp(onProgress: (p: Progress) => void): Op {
  return { id: nextOp++, onProgress };
}

function longCall<T>(cmd: string, op: Op, args: Record<string, unknown>): Promise<T> {
  const ch = new Channel<Progress>();
  ch.onmessage = op.onProgress;
  return call<T>(cmd, { ...args, op: op.id, on_progress: ch });
}

export const dataApi = {
  recovery: () => call<Recovery | null>("recovery"),
  backups: () => call<BackupInfo[]>("backups_list"),
  backupCreate: (op: Op) => longCall<BackupInfo>("backup_create", op, {}),
  backupVerify: (path: string) => call<Verification>("backup_verify", { path }),
  backupRestore: (path: string, op: Op) => longCall<RestoreReport>("backup_restore", op, { path }),
  exportTables: () => call<string[]>("export_tables"),
  exportRun: (format: Format, dir: string, table: string | null, op: Op) =>
    longCall<ExportReport>("export_run", op, { format, dir, table }),
  importPreview: (table: ImportTable, path: string) => call<ImportPreview>("import_preview", { table, path }),
  importRun: (
    table: ImportTable,
    path: string,
    mapping: Record<string, string>,
    options: { dry_run: boolean; update: boolean; decimal_mark: DecimalMark },
    op: Op,
  ) => longCall<ImportReport>("import_run", op, { table, path, mapping, ...options }),
  statementWrite: (partner_id: string, path: string) => call<StatementFile>("statement_write", { partner_id, path }),
  payouts: (limit: number) => call<PayoutSummary[]>("payouts_list", { limit }),
  payoutFileWrite: (id: string, path: string) => call<Payout>("payout_file_write", { id, path }),
  syncStatus: () => call<SyncStatus>("sync_status"),
  syncExport: (dir: string, op: Op) => longCall<SyncExportReport>("sync_export", op, { dir }),
  syncApply: (dir: string, op: Op) => longCall<ApplyReport>("sync_apply", op, { dir }),
  syncPush: (url: string, op: Op) => longCall<PushReport>("sync_push", op, { url }),
  cancelOperation: (op: number) => call<boolean>("operation_cancel", { op }),
};

/** What a "Browse…" button asks the native dialog for. */
export type Browse = { mode: "open" | "save" | "folder"; title: string; extensions?: string[]; current?: string };

/** The native file dialog; the chosen path, or null when the user closed it. */
export async function browse(b: Browse): Promise<string | null> {
  const filters = b.extensions
    ? [{ name: b.extensions.map((e) => e.toUpperCase()).join(", "), extensions: b.extensions }]
    : undefined;
  const defaultPath = b.current || undefined;
  try {
    if (b.mode === "save") return await saveDialog({ title: b.title, filters, defaultPath });
    const r = await openDialog({
      title: b.title,
      filters,
      defaultPath,
      directory: b.mode === "folder",
      multiple: false,
    });
    return typeof r === "string" ? r : null;
  } catch (e) {
    throw new ApiError({ kind: "io", field: null, message: `the file dialog could not be opened: ${String(e)}` });
  }
}
// ---- Analytics screen (its types are imported here to keep this block apart) ----
import type { ScreenChart } from "./bindings/ScreenChart";
import type { ScreenData } from "./bindings/ScreenData";
import type { ScreenRequest } from "./bindings/ScreenRequest";
import type { Snapshot } from "./bindings/Snapshot";
import type { Theme } from "./bindings/Theme";

export const analyticsApi = {
  /** Everything the screen shows, in one call (the first call of a day takes the day's snapshot). */
  screen: (req: ScreenRequest) => call<ScreenData>("analytics_screen", { req }),
  /** One chart for the same request, as an SVG document. */
  chart: (kind: ScreenChart, req: ScreenRequest, theme: Theme, width: number, height: number) =>
    call<string>("analytics_chart", { kind, req, theme, width, height }),
  /** Save one chart to `path` (.png or .svg; a full path). */
  chartSave: (kind: ScreenChart, req: ScreenRequest, theme: Theme, width: number, height: number, path: string) =>
    call<null>("analytics_chart_save", { kind, req, theme, width, height, path }),
  /** Take today's KPI snapshot now (replaces one taken earlier today). */
  snapshotTake: () => call<Snapshot>("analytics_snapshot_take"),
};
