-- Covering indexes for the dashboard, so its figures are read from indexes
-- alone (on 2M leads, row look-ups cost seconds):
-- open pipeline value (count and sum of estimated_value of open leads),
CREATE INDEX client_leads_status_value ON client_leads (status, estimated_value);
-- active partners by tier,
CREATE INDEX partners_status_tier ON partners (status, tier);
-- commissions owed, and approved commissions to pay grouped by partner,
CREATE INDEX commissions_status_partner_amount ON commissions (status, partner_id, commission_amount);
-- deals won this month.
CREATE INDEX commissions_kind_created ON commissions (kind, created_at, status, project_value);
