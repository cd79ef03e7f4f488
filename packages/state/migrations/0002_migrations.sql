-- Up Migration
-- What a migration needs to survive a killed process: the connections it reads and writes (secrets
-- sealed), the inventory and plan it runs, and a journal of every step it finished.

CREATE TABLE connections (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('eucalyptus', 'nova')),
  created_at timestamptz NOT NULL DEFAULT now(),
  public jsonb NOT NULL,
  sealed bytea NOT NULL
);
COMMENT ON TABLE connections IS 'A Eucalyptus source or a Nova target as the operator gave it.';
COMMENT ON COLUMN connections.public IS 'What may be shown: endpoints, access key id, database host/port/name. Never a secret.';
COMMENT ON COLUMN connections.sealed IS 'The whole connection input (keys, passwords, cloud-pk.pem), AES-256-GCM sealed under the state key.';

CREATE TABLE inventories (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  connection_id uuid REFERENCES connections (id) ON DELETE SET NULL,
  body jsonb NOT NULL,
  sealed_secrets bytea
);
COMMENT ON TABLE inventories IS 'Discovered clouds. body is the Inventory with every secret key removed.';
COMMENT ON COLUMN inventories.sealed_secrets IS 'The removed secret keys, AES-256-GCM sealed under the state key.';

CREATE TABLE plans (
  id uuid PRIMARY KEY,
  inventory_id uuid NOT NULL REFERENCES inventories (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  fingerprint text NOT NULL,
  body jsonb NOT NULL,
  confirmed_at timestamptz
);
COMMENT ON COLUMN plans.fingerprint IS 'SHA-256 of the plan content; a confirmation names it, so a changed plan needs a new one.';

ALTER TABLE jobs
  ADD COLUMN plan_id uuid REFERENCES plans (id),
  ADD COLUMN inventory_id uuid REFERENCES inventories (id),
  ADD COLUMN source_connection_id uuid REFERENCES connections (id),
  ADD COLUMN target_connection_id uuid REFERENCES connections (id),
  ADD COLUMN last_seq bigint NOT NULL DEFAULT 0,
  ADD COLUMN current_phase text,
  ADD COLUMN owner text,
  ADD COLUMN report jsonb;
COMMENT ON COLUMN jobs.owner IS 'host:pid of the process running the job, so a resume on that host can tell a dead owner at once.';
COMMENT ON COLUMN jobs.last_seq IS 'Highest job_events.seq; bumped in the transaction that inserts the event.';
COMMENT ON COLUMN jobs.report IS 'The canonical migration report (model ReportSchema), once verified.';

CREATE TABLE job_steps (
  job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  phase text NOT NULL,
  item text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  bytes_done bigint NOT NULL DEFAULT 0,
  result jsonb,
  started_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, phase, item)
);
COMMENT ON TABLE job_steps IS 'The journal: one row per finished (or failed) item, and one with item '''' per finished phase.';
COMMENT ON COLUMN job_steps.result IS 'What the step produced (target id, bytes, sha256, error); never a secret.';

CREATE INDEX job_steps_open ON job_steps (job_id, phase) WHERE status <> 'done';

-- Down Migration
DROP TABLE job_steps;
ALTER TABLE jobs
  DROP COLUMN report,
  DROP COLUMN owner,
  DROP COLUMN current_phase,
  DROP COLUMN last_seq,
  DROP COLUMN target_connection_id,
  DROP COLUMN source_connection_id,
  DROP COLUMN inventory_id,
  DROP COLUMN plan_id;
DROP TABLE plans;
DROP TABLE inventories;
DROP TABLE connections;
