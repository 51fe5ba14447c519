// Generated from the Rust enums by crates/core/tests/it/ts_bindings.rs: do not edit by hand.
// Every value of each enum, in the order of its declaration in Rust.
import type { ApplicationStatus } from "./bindings/ApplicationStatus";
import type { CommissionStatus } from "./bindings/CommissionStatus";
import type { Entity } from "./bindings/Entity";
import type { ErrorKind } from "./bindings/ErrorKind";
import type { ExperienceLevel } from "./bindings/ExperienceLevel";
import type { LeadStatus } from "./bindings/LeadStatus";
import type { OutboxStatus } from "./bindings/OutboxStatus";
import type { PartnerStatus } from "./bindings/PartnerStatus";
import type { PlanStatus } from "./bindings/PlanStatus";
import type { Tier } from "./bindings/Tier";
import type { TaxForm } from "./bindings/TaxForm";
import type { Keep } from "./bindings/Keep";
import type { SkipReason } from "./bindings/SkipReason";

export const APPLICATION_STATUSES: readonly ApplicationStatus[] = ["pending", "under_review", "approved", "rejected"];
export const COMMISSION_STATUSES: readonly CommissionStatus[] = ["pending", "approved", "paid", "cancelled"];
export const ENTITIES: readonly Entity[] = ["application", "partner", "lead", "commission", "payout", "plan", "setting", "database", "task", "outbox", "automation"];
export const ERROR_KINDS: readonly ErrorKind[] = ["validation", "not_found", "invalid_transition", "conflict", "newer_schema", "corrupt", "locked", "cancelled", "storage", "migration", "io"];
export const EXPERIENCE_LEVELS: readonly ExperienceLevel[] = ["beginner", "intermediate", "expert"];
export const LEAD_STATUSES: readonly LeadStatus[] = ["prospect", "qualified", "proposal_sent", "negotiating", "closed_won", "closed_lost"];
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ["queued", "sending", "sent", "failed", "cancelled"];
export const PARTNER_STATUSES: readonly PartnerStatus[] = ["active", "paused", "terminated"];
export const PLAN_STATUSES: readonly PlanStatus[] = ["draft", "sent", "accepted", "declined"];
export const TIERS: readonly Tier[] = ["bronze", "silver", "gold", "platinum"];
export const TAX_FORMS: readonly TaxForm[] = ["none", "w9", "w8ben", "other"];
export const KEEPS: readonly Keep[] = ["first", "new"];
export const SKIP_REASONS: readonly SkipReason[] = ["below_minimum", "negative_balance", "nothing_due"];
