-- Partnerdesk schema, version 10: a group's rules are dated versions as a
-- whole (crates/core/src/workflow/rules.rs). A group version now carries,
-- besides the group's tier table, the group's retainer limit and milestone
-- bonus from its date on; a group version whose table is empty ('[]')
-- inherits the default table from that date (a group can go back to the
-- default). The columns of partner_groups keep the settings of the group's
-- newest version, for reading and for the tools outside; the rules read the
-- version in force on a deal's day.
-- Migrating keeps every amount: the settings a group has now held since
-- always, so they go into each of its existing versions, and a group with
-- settings of its own but no version gets one in force since always that
-- inherits the default table.

ALTER TABLE rule_versions ADD COLUMN recurring_limit INTEGER
    CHECK (recurring_limit IS NULL OR (subject = 'group' AND recurring_limit BETWEEN 1 AND 120));
ALTER TABLE rule_versions ADD COLUMN milestone_deals INTEGER
    CHECK (milestone_deals IS NULL OR (subject = 'group' AND milestone_deals > 0));
ALTER TABLE rule_versions ADD COLUMN milestone_amount INTEGER
    CHECK ((milestone_amount IS NULL) = (milestone_deals IS NULL) AND (milestone_amount IS NULL OR milestone_amount > 0));

UPDATE rule_versions
   SET recurring_limit = (SELECT g.recurring_limit FROM partner_groups g WHERE g.id = rule_versions.group_id),
       milestone_deals = (SELECT g.milestone_deals FROM partner_groups g WHERE g.id = rule_versions.group_id),
       milestone_amount = (SELECT g.milestone_amount FROM partner_groups g WHERE g.id = rule_versions.group_id)
 WHERE subject = 'group';

INSERT INTO rule_versions (version, subject, group_id, effective_from, scope, tiers,
                           recurring_limit, milestone_deals, milestone_amount, created_at)
SELECT (SELECT coalesce(max(version), 0) FROM rule_versions)
           + row_number() OVER (ORDER BY g.created_at, g.id),
       'group', g.id, '0001-01-01', 'new', '[]',
       g.recurring_limit, g.milestone_deals, g.milestone_amount, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
  FROM partner_groups g
 WHERE (g.recurring_limit <> 12 OR g.milestone_deals IS NOT NULL)
   AND NOT EXISTS (SELECT 1 FROM rule_versions v WHERE v.subject = 'group' AND v.group_id = g.id);
