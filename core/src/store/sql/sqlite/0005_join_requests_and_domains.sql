-- Version 5: joining without an invitation. The requests to join an
-- organization, newest first by id, and found by address; the domains an
-- organization is verifying or has verified, by domain name.
CREATE TABLE join_requests (
    org_id BLOB NOT NULL REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    id BLOB NOT NULL UNIQUE,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    decided_by BLOB,
    decided_at INTEGER,
    reason TEXT,
    PRIMARY KEY (org_id, id)
) WITHOUT ROWID;
CREATE INDEX join_requests_by_email ON join_requests (org_id, email_key, id);

CREATE TABLE domain_verifications (
    org_id BLOB NOT NULL REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    domain TEXT NOT NULL,
    record_name TEXT NOT NULL,
    record_value TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    verified_at INTEGER,
    PRIMARY KEY (org_id, domain)
) WITHOUT ROWID;
