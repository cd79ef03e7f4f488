-- Up Migration
-- What the server's API needs beyond a CLI run: a plan remembers the Nova target and the run
-- settings it was made against (so a job starts from the plan alone), and connections can be
-- listed by kind, newest first.

ALTER TABLE plans
  ADD COLUMN target_connection_id uuid REFERENCES connections (id),
  ADD COLUMN settings jsonb;
COMMENT ON COLUMN plans.target_connection_id IS 'The Nova connection the plan was computed against; its job writes there.';
COMMENT ON COLUMN plans.settings IS 'Run settings chosen with the plan (images path, hosts, image read path); never a secret.';

CREATE INDEX connections_kind_created ON connections (kind, created_at DESC);
CREATE INDEX inventories_created ON inventories (created_at DESC);
CREATE INDEX plans_inventory ON plans (inventory_id, created_at DESC);

-- Down Migration
DROP INDEX plans_inventory;
DROP INDEX inventories_created;
DROP INDEX connections_kind_created;
ALTER TABLE plans
  DROP COLUMN settings,
  DROP COLUMN target_connection_id;
