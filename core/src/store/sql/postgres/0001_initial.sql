CREATE TABLE orgs (
    id uuid NOT NULL PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    name text NOT NULL,
    portal_url text NOT NULL,
    allowed_domains text NOT NULL,
    settings text NOT NULL,
    created_at bigint NOT NULL
);

CREATE TABLE members (
    org_id uuid NOT NULL REFERENCES orgs (id),
    id uuid NOT NULL,
    email text NOT NULL,
    email_key text NOT NULL,
    name text NOT NULL,
    role text NOT NULL,
    team_ids text NOT NULL,
    status text NOT NULL,
    joined_at bigint NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, email_key)
);
CREATE INDEX members_by_id ON members (id);

CREATE TABLE member_words (
    org_id uuid NOT NULL,
    word text COLLATE "C" NOT NULL,
    member_id uuid NOT NULL,
    PRIMARY KEY (org_id, word, member_id)
);

CREATE TABLE teams (
    org_id uuid NOT NULL REFERENCES orgs (id),
    id uuid NOT NULL,
    name text NOT NULL,
    name_key text NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name_key)
);
CREATE INDEX teams_by_id ON teams (id);

CREATE TABLE invitations (
    org_id uuid NOT NULL REFERENCES orgs (id),
    id uuid NOT NULL,
    inviter_id uuid NOT NULL,
    email text NOT NULL,
    email_key text NOT NULL,
    message text,
    team_id uuid,
    role text NOT NULL,
    status text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    sent_count integer NOT NULL,
    last_sent_at bigint NOT NULL,
    thread_grants text NOT NULL,
    delivered boolean NOT NULL,
    token_hash bytea NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, inviter_id) REFERENCES members (org_id, id),
    FOREIGN KEY (org_id, team_id) REFERENCES teams (org_id, id)
);
CREATE INDEX invitations_by_id ON invitations (id);
CREATE INDEX invitations_by_token ON invitations (token_hash);
CREATE INDEX invitations_by_email ON invitations (org_id, email_key, id);
CREATE INDEX invitations_by_inviter ON invitations (org_id, inviter_id, id);
CREATE INDEX invitations_pending ON invitations (org_id, expires_at) WHERE status = 'pending';
-- `invitations_for_email` looks across organizations.
CREATE INDEX invitations_pending_to ON invitations (email_key, id) WHERE status = 'pending';

-- The rate limits' send log (how many sends at each instant), and how many
-- sends each hour holds, so that a 24-hour window is counted from at most
-- one hour of rows and 48 counts.
CREATE TABLE send_log (
    org_id uuid NOT NULL,
    key text NOT NULL,
    at bigint NOT NULL,
    sends bigint NOT NULL,
    PRIMARY KEY (org_id, key, at)
);
CREATE TABLE send_hours (
    org_id uuid NOT NULL,
    key text NOT NULL,
    hour bigint NOT NULL,
    sends bigint NOT NULL,
    PRIMARY KEY (org_id, key, hour)
);

CREATE TABLE templates (
    org_id uuid NOT NULL REFERENCES orgs (id),
    kind text NOT NULL,
    subject text NOT NULL,
    text text NOT NULL,
    html text NOT NULL,
    PRIMARY KEY (org_id, kind)
);

CREATE TABLE emails (
    org_id uuid NOT NULL REFERENCES orgs (id),
    id uuid NOT NULL,
    kind text NOT NULL,
    invitation_id uuid,
    recipient text NOT NULL,
    subject text NOT NULL,
    text text NOT NULL,
    html text NOT NULL,
    created_at bigint NOT NULL,
    attempts integer NOT NULL,
    status text NOT NULL,
    next_attempt_at bigint NOT NULL,
    last_error text,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, invitation_id) REFERENCES invitations (org_id, id)
);
CREATE INDEX emails_by_id ON emails (id);
CREATE INDEX emails_by_invitation ON emails (org_id, invitation_id) WHERE invitation_id IS NOT NULL;
-- The outbox is polled across organizations.
CREATE INDEX emails_due ON emails (next_attempt_at, id) WHERE status = 'pending';

CREATE TABLE events (
    org_id uuid NOT NULL REFERENCES orgs (id),
    seq bigint NOT NULL,
    at bigint NOT NULL,
    actor_id uuid,
    kind text NOT NULL,
    details text NOT NULL,
    PRIMARY KEY (org_id, seq)
);

CREATE TABLE threads (
    org_id uuid NOT NULL REFERENCES orgs (id),
    id uuid NOT NULL,
    title text NOT NULL,
    freelancer_id text NOT NULL,
    freelancer_name text NOT NULL,
    created_by uuid NOT NULL,
    created_at bigint NOT NULL,
    last_activity_at bigint NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX threads_by_id ON threads (id);

-- `seq` orders a thread's participants by when they were added;
-- `last_activity_at` is the thread's, copied so that a member's threads are
-- one index range, newest activity first.
CREATE TABLE participants (
    org_id uuid NOT NULL,
    thread_id uuid NOT NULL,
    member_id uuid NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    permissions smallint NOT NULL,
    added_by uuid,
    added_at bigint NOT NULL,
    last_activity_at bigint NOT NULL,
    PRIMARY KEY (org_id, thread_id, member_id),
    FOREIGN KEY (org_id, thread_id) REFERENCES threads (org_id, id),
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id)
);
CREATE INDEX participants_in_order ON participants (org_id, thread_id, seq);
CREATE INDEX participants_by_activity
    ON participants (org_id, member_id, last_activity_at DESC, thread_id DESC) INCLUDE (permissions);

CREATE TABLE messages (
    org_id uuid NOT NULL,
    thread_id uuid NOT NULL,
    id uuid NOT NULL,
    author_id uuid,
    body text NOT NULL,
    sent_at bigint NOT NULL,
    PRIMARY KEY (org_id, thread_id, id),
    FOREIGN KEY (org_id, thread_id) REFERENCES threads (org_id, id)
);

-- The distinct folded words of each thread, each cut to 64 characters; the
-- "C" collation orders them by code point, so a prefix is one range.
CREATE TABLE thread_words (
    org_id uuid NOT NULL,
    thread_id uuid NOT NULL,
    word text COLLATE "C" NOT NULL,
    PRIMARY KEY (org_id, thread_id, word)
);
CREATE INDEX thread_words_by_word ON thread_words (org_id, word, thread_id);

-- The words longer than 64 characters, whole, by their SHA-256.
CREATE TABLE thread_long_words (
    org_id uuid NOT NULL,
    thread_id uuid NOT NULL,
    hash bytea NOT NULL,
    word text NOT NULL,
    PRIMARY KEY (org_id, thread_id, hash)
);
