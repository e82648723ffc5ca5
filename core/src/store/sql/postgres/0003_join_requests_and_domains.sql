-- Joining without an invitation. The requests to join an organization,
-- newest first by id, and found by address; the domains an organization is
-- verifying or has verified, by domain name (the "C" collation orders them
-- by code point, as the other stores do, whatever the database's locale).
CREATE TABLE join_requests (
    org_id uuid NOT NULL REFERENCES orgs (id),
    id uuid NOT NULL,
    email text NOT NULL,
    email_key text NOT NULL,
    name text NOT NULL,
    role text NOT NULL,
    status text NOT NULL,
    created_at bigint NOT NULL,
    decided_by uuid,
    decided_at bigint,
    reason text,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX join_requests_by_id ON join_requests (id);
CREATE INDEX join_requests_by_email ON join_requests (org_id, email_key, id);

CREATE TABLE domain_verifications (
    org_id uuid NOT NULL REFERENCES orgs (id),
    domain text COLLATE "C" NOT NULL,
    record_name text NOT NULL,
    record_value text NOT NULL,
    created_at bigint NOT NULL,
    verified_at bigint,
    PRIMARY KEY (org_id, domain)
);
