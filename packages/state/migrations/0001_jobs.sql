-- Up Migration
-- Every long operation (a discovery, a migration) is a job row plus an append-only event log.
CREATE TABLE jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  type text NOT NULL CHECK (type IN ('discover', 'migrate')),
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'paused', 'cancelling', 'cancelled', 'failed', 'succeeded')),
  spec jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  last_heartbeat_at timestamptz,
  error jsonb
);
COMMENT ON TABLE jobs IS 'One row per discovery or migration run.';
COMMENT ON COLUMN jobs.spec IS 'What the job was asked to do (no secrets: connections are referenced by id).';
COMMENT ON COLUMN jobs.last_heartbeat_at IS 'Refreshed by the process running the job; a stale value means that process died.';
COMMENT ON COLUMN jobs.error IS 'Why the job failed, as {name, message}; never a stack trace or a secret.';

CREATE TABLE job_events (
  job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  seq bigint NOT NULL CHECK (seq > 0),
  at timestamptz NOT NULL DEFAULT now(),
  type text NOT NULL,
  body jsonb NOT NULL,
  PRIMARY KEY (job_id, seq)
);
COMMENT ON TABLE job_events IS 'Append-only progress log; clients resume from the last seq they saw.';
COMMENT ON COLUMN job_events.seq IS 'Per-job monotonic sequence number, assigned before the event is published.';

-- Down Migration
DROP TABLE job_events;
DROP TABLE jobs;
