-- OAuth `state` values already spent. A state is signed and expires on its own (ten minutes);
-- its nonce is recorded here when a callback uses it, so the same state never works twice.
-- A row is useless once its state has expired, and is deleted the next time a state is spent.
CREATE TABLE oauth_states (
    nonce       text PRIMARY KEY,
    platform    text NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX oauth_states_expires ON oauth_states (expires_at);
