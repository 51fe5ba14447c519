-- The dashboard reads the open pipeline from the analytics roll-up
-- (analytics_stages), so this covering index of V4 has no reader left; on two
-- million leads it cost seconds to build and space on disk.
DROP INDEX IF EXISTS client_leads_status_value;
