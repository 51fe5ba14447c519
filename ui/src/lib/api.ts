// The only module that talks to the Rust side. Every function is one Tauri
// command; argument and result types come from ./bindings (generated from the
// Rust types by ts-rs, checked for staleness by crates/core/tests/ts_bindings.rs).
import { invoke } from "@tauri-apps/api/core";
import type { AppPlan } from "./bindings/AppPlan";
import type { Application } from "./bindings/Application";
import type { ApplicationStatus } from "./bindings/ApplicationStatus";
import type { AuditEntry } from "./bindings/AuditEntry";
import type { Commission } from "./bindings/Commission";
import type { CommissionFilter } from "./bindings/CommissionFilter";
import type { Dashboard } from "./bindings/Dashboard";
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

function isErrorInfo(e: unknown): e is ErrorInfo {
  return typeof e === "object" && e !== null && "kind" in e && "message" in e;
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    if (isErrorInfo(e)) throw new ApiError(e);
    throw new ApiError({ kind: "io", field: null, message: String(e) });
  }
}

export const api = {
  dashboard: () => call<Dashboard>("dashboard"),
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
