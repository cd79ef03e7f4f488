-- Up Migration
-- The operator who signs in to the wizard, and the sessions they hold. Sessions live here rather
-- than only in a signed cookie so that signing out (or a restart of a compromised browser) ends
-- them on the server.

CREATE TABLE operator (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  password_hash text NOT NULL,
  set_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE operator IS 'At most one row: the operator password as a scrypt hash (never the password).';

CREATE TABLE cookie_secret (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  secret text NOT NULL
);
COMMENT ON TABLE cookie_secret IS 'The key that signs session cookies, made once so sessions survive a restart.';

CREATE TABLE sessions (
  sid text PRIMARY KEY,
  data jsonb NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
COMMENT ON TABLE sessions IS 'Signed-in browser sessions; a row past expires_at is dead and swept.';

-- Down Migration
DROP TABLE sessions;
DROP TABLE cookie_secret;
DROP TABLE operator;
