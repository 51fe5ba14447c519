// Refresh by tag. Every load names the tags of the data it shows
// (`useLoad(fn, deps, ["leads"])`); every command that changes data names the
// tags it changes (AFFECTS below). When a command succeeds, api.ts calls
// `invalidateAfter(command)` and every load on screen with one of those tags
// runs again. Screens do not tell each other what changed.
import { useSyncExternalStore } from "react";

export type Tag =
  | "applications"
  | "partners"
  | "leads"
  | "commissions"
  | "payouts"
  | "plans"
  | "settings"
  | "dashboard"
  | "analytics"
  | "audit"
  | "backups"
  | "sync"
  | "tasks"
  | "outbox";

const ALL: readonly Tag[] = [
  "applications",
  "partners",
  "leads",
  "commissions",
  "payouts",
  "plans",
  "settings",
  "dashboard",
  "analytics",
  "audit",
  "backups",
  "sync",
  "tasks",
  "outbox",
];

/**
 * What each command (the name given to invoke) changes. Commands that only
 * read, or only write files outside the database, are not listed. `analytics`
 * covers the figures and charts of the Analytics screen; `dashboard` the
 * figures of the Dashboard (which also shows the currency).
 */
export const AFFECTS: Readonly<Record<string, readonly Tag[]>> = {
  // An application moves on (waiting applications are on the dashboard); approving creates the partner.
  application_add: ["applications", "dashboard", "audit", "outbox"],
  application_review: ["applications", "dashboard", "audit"],
  application_reject: ["applications", "dashboard", "audit", "outbox"],
  application_approve: ["applications", "partners", "dashboard", "analytics", "audit", "outbox", "tasks"],

  // Status: active partners per tier and the active share; tier: rolled up per tier for analytics.
  partner_set_status: ["partners", "dashboard", "analytics", "audit"],
  partner_set_tier: ["partners", "dashboard", "analytics", "audit"],

  // A new lead counts in its partner's pipeline and in the rollups.
  lead_add: ["leads", "dashboard", "analytics", "audit"],
  // Closing as won creates a commission and refreshes the partner's totals (maybe its tier);
  // reopening a won deal cancels its commission or claws a paid one back.
  lead_move: ["leads", "commissions", "partners", "dashboard", "analytics", "audit", "outbox"],

  // Approving changes no total: pending and approved are both owed.
  commissions_approve: ["commissions", "dashboard", "audit"],
  // Cancelling takes the commission off the partner's totals and the rollups.
  commission_cancel: ["commissions", "partners", "dashboard", "analytics", "audit"],
  // Paying marks the approved commissions paid and records the batch.
  payout: ["commissions", "payouts", "dashboard", "analytics", "audit", "outbox"],

  plan_add: ["plans", "audit"],
  plan_update: ["plans", "audit"],
  plan_set_status: ["plans", "audit"],
  plan_generate: ["plans", "audit"],

  // The currency is shown on every screen; the tier table applies from the next win on.
  setting_set: ["settings", "dashboard", "analytics", "audit"],

  // Groups and rule versions are shown with the settings; a version of scope "pending"
  // re-rates pending commissions (the partners' totals follow).
  group_add: ["settings", "audit"],
  group_edit: ["settings", "audit"],
  rules_set_tier: ["settings", "commissions", "partners", "dashboard", "analytics", "audit", "outbox"],
  rules_use_default: ["settings", "commissions", "partners", "dashboard", "analytics", "audit", "outbox"],
  partner_set_group: ["partners", "settings", "audit"],
  partner_set_override: ["partners", "settings", "commissions", "dashboard", "analytics", "audit", "outbox"],
  partner_clear_override: ["partners", "settings", "audit"],
  // A bonus or adjustment is a commission in the partner's earnings.
  commission_bonus: ["commissions", "partners", "dashboard", "analytics", "audit", "outbox"],
  // A win (maybe a retainer deal), as lead_move.
  lead_win: ["leads", "commissions", "partners", "dashboard", "analytics", "audit", "outbox"],
  // Retainer accruals that came due, pending commissions whose hold passed, timed rules.
  run_due: ["commissions", "partners", "dashboard", "analytics", "audit", "tasks", "outbox"],

  // Automation: tasks, the timed rules and templates (shown with the settings), the outbox.
  // A rate change, a commission, a payout, an application's moves queue e-mails (above: "outbox").
  task_done: ["tasks", "dashboard", "audit"],
  task_snooze: ["tasks", "dashboard", "audit"],
  automation_set: ["settings", "audit"],
  template_set: ["settings", "audit"],
  template_set_enabled: ["settings", "audit"],
  outbox_send: ["outbox", "audit"],
  outbox_retry: ["outbox", "audit"],
  outbox_cancel: ["outbox", "audit"],

  // Payouts: a run pays and records who was skipped (balances on the partner page);
  // the tax data shows on the partner page; a group's hold and minimum change the
  // release dates and the run's preview; a conflict decided leaves the queue.
  payout_run: ["commissions", "payouts", "partners", "dashboard", "analytics", "audit", "outbox"],
  partner_set_tax: ["partners", "audit"],
  group_payout_set: ["settings", "commissions", "dashboard", "audit"],
  lead_resolve: ["leads", "dashboard", "audit"],

  // The first figures of a day take the day's snapshot, which is audited.
  analytics_screen: ["audit"],
  analytics_snapshot_take: ["analytics", "audit"],

  backup_create: ["backups"],
  // A restore replaces the whole database (and keeps the current one as a backup).
  backup_restore: ALL,
  // An import (all rows or none) audits itself; a dry run changes nothing but is the same command.
  import_run: ["applications", "partners", "leads", "dashboard", "analytics", "audit"],
  sync_export: ["sync"],
  // Applying a feed writes rows of any table.
  sync_apply: ALL,
  sync_push: ["sync"],
  // Unlocking, locking and rewriting the file reopen the whole database.
  db_unlock: ALL,
  db_lock: ALL,
  db_encrypt: ALL,
  db_decrypt: ALL,
  db_change_passphrase: ALL,
  // A pull creates and edits applications, partners and leads, and logs conflicts.
  sync_pull: ["applications", "partners", "leads", "dashboard", "analytics", "audit", "sync"],
};

/**
 * The commands that change nothing in the database (they read, or write a
 * file the user asked for). With AFFECTS they name every command once:
 * src-tauri/tests/it/commands.rs fails when a command is in neither list (a
 * new write that would refresh nothing) or in both.
 */
export const READS_ONLY: readonly string[] = [
  "amount_parse",
  "analytics_chart",
  "analytics_chart_save",
  "application_get",
  "applications_list",
  "audit_list",
  "audit_verify",
  "automation_rules",
  "backup_verify",
  "backups_list",
  "commissions_list",
  "dashboard",
  "data_info",
  "diagnostics",
  "diagnostics_bundle",
  "export_run",
  "export_tables",
  "groups_list",
  "import_preview",
  "launch_ready",
  "lead_detail",
  "leads_list",
  "operation_cancel",
  "outbox_list",
  "outbox_save",
  "outbox_summary",
  "partner_detail",
  "partner_names",
  "partner_rules",
  "partners_list",
  "partners_to_pay",
  "payout_file_write",
  "payouts_list",
  "plans_list",
  "recovery",
  "rules_show",
  "rules_simulate",
  "settings_entries",
  "db_forget_passphrase",
  "security_state",
  "settings_get",
  "smtp_password_set",
  "statement_write",
  "sync_compare",
  "sync_conflicts",
  "sync_status",
  "tasks_list",
  "tasks_today",
  "template_preview",
  "templates_list",
  "payout_preview",
  "payout_file_save",
  "self_billing_write",
  "partner_balance",
  "group_payout_get",
  "release_dates",
  "tax_report_write",
  "lead_conflicts",
];

const versions = new Map<Tag, number>();
const listeners = new Set<() => void>();

/** Mark `tags` as changed: every load with one of them runs again. */
export function invalidate(tags: readonly Tag[]) {
  if (tags.length === 0) return;
  for (const t of tags) versions.set(t, (versions.get(t) ?? 0) + 1);
  for (const l of listeners) l();
}

/** After `command` succeeded: invalidate what it changes. */
export function invalidateAfter(command: string) {
  const tags = AFFECTS[command];
  if (tags) invalidate(tags);
}

function subscribe(onChange: () => void) {
  listeners.add(onChange);
  return () => {
    listeners.delete(onChange);
  };
}

/** A number that grows whenever one of `tags` is invalidated (use it as a dependency). */
export function useTags(tags: readonly Tag[]): number {
  return useSyncExternalStore(subscribe, () => tags.reduce((n, t) => n + (versions.get(t) ?? 0), 0));
}

/** For `invoke(command).then(passInvalidating(command))`: invalidate after success, pass the answer on. */
export function passInvalidating(command: string) {
  return <T>(answer: T): T => {
    invalidateAfter(command);
    return answer;
  };
}
