// The only module that talks to the Rust side. Every command goes through the
// one wrapper `call` below, by way of the typed client ./commands (generated
// from src-tauri/src/commands/list.rs; its argument and result types come from
// ./bindings, generated from the Rust types by ts-rs).
import { invoke } from "@tauri-apps/api/core";
import { passInvalidating } from "./invalidate";
import type { DecimalMark } from "./bindings/DecimalMark";
import type { ErrorInfo } from "./bindings/ErrorInfo";
import { commands } from "./commands";

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

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args).then(passInvalidating(command));
  } catch (e) {
    if (isErrorInfo(e)) throw new ApiError(e);
    throw new ApiError({ kind: "io", field: null, message: String(e) });
  }
}

/** Every command, typed by its arguments and its answer; each passes through `call`. */
const cmd = commands(call);

export const api = {
  dashboard: cmd.dashboard,
  /** The dashboard's first figures are on screen (times in ms from the page's time origin). */
  launchReady: cmd.launchReady,
  dataInfo: cmd.dataInfo,
  amountParse: cmd.amountParse,

  applications: cmd.applicationsList,
  application: cmd.applicationGet,
  applicationAdd: cmd.applicationAdd,
  applicationReview: cmd.applicationReview,
  applicationReject: cmd.applicationReject,
  applicationApprove: cmd.applicationApprove,

  partners: cmd.partnersList,
  partner: cmd.partnerDetail,
  partnerNames: cmd.partnerNames,
  partnerSetStatus: cmd.partnerSetStatus,
  partnerSetTier: cmd.partnerSetTier,

  leads: cmd.leadsList,
  lead: cmd.leadDetail,
  leadAdd: cmd.leadAdd,
  leadMove: cmd.leadMove,

  commissions: cmd.commissionsList,
  commissionsApprove: cmd.commissionsApprove,
  commissionCancel: cmd.commissionCancel,
  partnersToPay: cmd.partnersToPay,
  payout: cmd.payout,

  plans: cmd.plansList,
  planAdd: cmd.planAdd,
  planUpdate: cmd.planUpdate,
  planSetStatus: cmd.planSetStatus,
  planGenerate: cmd.planGenerate,

  settings: cmd.settingsGet,
  settingEntries: cmd.settingsEntries,
  settingSet: cmd.settingSet,
  diagnostics: cmd.diagnostics,
  diagnosticsBundle: cmd.diagnosticsBundle,

  groups: cmd.groupsList,
  groupAdd: cmd.groupAdd,
  groupEdit: cmd.groupEdit,
  rules: cmd.rulesShow,
  rulesSetTier: cmd.rulesSetTier,
  rulesUseDefault: cmd.rulesUseDefault,
  rulesSimulate: cmd.rulesSimulate,
  partnerRules: cmd.partnerRules,
  partnerSetGroup: cmd.partnerSetGroup,
  partnerSetOverride: cmd.partnerSetOverride,
  partnerClearOverride: cmd.partnerClearOverride,
  commissionBonus: cmd.commissionBonus,
  runDue: cmd.runDue,
  leadWin: cmd.leadWin,

  audit: cmd.auditList,
  auditVerify: cmd.auditVerify,
};

/** Automation: tasks, the timed rules, e-mail templates and the outbox. */
export const automationApi = {
  tasks: cmd.tasksList,
  tasksToday: cmd.tasksToday,
  taskDone: cmd.taskDone,
  taskSnooze: cmd.taskSnooze,
  rules: cmd.automationRules,
  ruleSet: cmd.automationSet,
  templates: cmd.templatesList,
  templateSet: cmd.templateSet,
  templateSetEnabled: cmd.templateSetEnabled,
  templatePreview: cmd.templatePreview,
  outbox: cmd.outboxList,
  outboxSummary: cmd.outboxSummary,
  outboxSend: cmd.outboxSend,
  outboxRetry: cmd.outboxRetry,
  outboxCancel: cmd.outboxCancel,
  outboxSave: cmd.outboxSave,
  smtpPasswordSet: cmd.smtpPasswordSet,
};

// ---------------------------------------------------------------------------
// The Data screen. Long operations take an operation id (for `cancelOperation`)
// and a callback that receives the core's progress through a Tauri channel.
import { Channel } from "@tauri-apps/api/core";
import { open as openDialog, save as saveDialog } from "@tauri-apps/plugin-dialog";
import type { Format } from "./bindings/Format";
import type { ImportTable } from "./bindings/ImportTable";
import type { Progress } from "./bindings/Progress";

export type { Progress };

/** One running long operation: its id and where its progress goes. */
export type Op = { id: number; onProgress: (p: Progress) => void };

let nextOp = 1;
/** A new operation id. */
export function newOp(onProgress: (p: Progress) => void): Op {
  return { id: nextOp++, onProgress };
}

/** The operation's id and a channel that passes the core's progress to it. */
function progress(op: Op): [number, Channel<Progress>] {
  const ch = new Channel<Progress>();
  ch.onmessage = op.onProgress;
  return [op.id, ch];
}

/** Encryption at rest: unlock, lock, and the rewrites of Settings → Security. */
export const securityApi = {
  state: cmd.securityState,
  unlock: cmd.dbUnlock,
  forgetPassphrase: cmd.dbForgetPassphrase,
  lock: cmd.dbLock,
  encrypt: cmd.dbEncrypt,
  decrypt: cmd.dbDecrypt,
  changePassphrase: cmd.dbChangePassphrase,
};

export const dataApi = {
  recovery: cmd.recovery,
  backups: cmd.backupsList,
  backupCreate: (op: Op) => cmd.backupCreate(...progress(op)),
  backupVerify: cmd.backupVerify,
  backupRestore: (path: string, op: Op) => cmd.backupRestore(path, ...progress(op)),
  exportTables: cmd.exportTables,
  exportRun: (format: Format, dir: string, table: string | null, op: Op) =>
    cmd.exportRun(format, dir, table, ...progress(op)),
  importPreview: cmd.importPreview,
  importRun: (
    table: ImportTable,
    path: string,
    mapping: Record<string, string>,
    options: { dry_run: boolean; update: boolean; decimal_mark: DecimalMark },
    op: Op,
  ) => cmd.importRun(table, path, mapping, options.dry_run, options.update, options.decimal_mark, ...progress(op)),
  statementWrite: cmd.statementWrite,
  payouts: cmd.payoutsList,
  payoutFileWrite: cmd.payoutFileWrite,
  syncStatus: cmd.syncStatus,
  syncExport: (dir: string, op: Op) => cmd.syncExport(dir, ...progress(op)),
  syncApply: (dir: string, op: Op) => cmd.syncApply(dir, ...progress(op)),
  syncPush: (url: string, dryRun: boolean, op: Op) => cmd.syncPush(url, dryRun, ...progress(op)),
  syncPull: (url: string, dryRun: boolean, op: Op) => cmd.syncPull(url, dryRun, ...progress(op)),
  syncCompare: (url: string, op: Op) => cmd.syncCompare(url, ...progress(op)),
  syncConflicts: cmd.syncConflicts,
  cancelOperation: cmd.operationCancel,
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
// ---- Analytics screen ----
export const analyticsApi = {
  /** Everything the screen shows, in one call (the first call of a day takes the day's snapshot). */
  screen: cmd.analyticsScreen,
  /** One chart for the same request, as an SVG document. */
  chart: cmd.analyticsChart,
  /** Save one chart to `path` (.png or .svg; a full path). */
  chartSave: cmd.analyticsChartSave,
  /** Take today's KPI snapshot now (replaces one taken earlier today). */
  snapshotTake: cmd.analyticsSnapshotTake,
};

// ---- Payouts ----
export const payoutsApi = {
  /** Who a run would pay and skip (and why), and the total; writes nothing. */
  preview: cmd.payoutPreview,
  /** Pay every eligible partner of the list (all when empty); skip the others with the reason. */
  run: cmd.payoutRun,
  /** Write a payout's file (PayPal or Wise layout) to a path from the save dialog. */
  fileSave: cmd.payoutFileSave,
  /** Write one paid partner's self-billing statement (.html or .csv). */
  selfBilling: cmd.selfBillingWrite,
  balance: cmd.partnerBalance,
  setTax: cmd.partnerSetTax,
  groupPayout: cmd.groupPayoutGet,
  groupPayoutSet: cmd.groupPayoutSet,
  releaseDates: cmd.releaseDates,
  taxReport: cmd.taxReportWrite,
  conflicts: cmd.leadConflicts,
  resolve: cmd.leadResolve,
};
