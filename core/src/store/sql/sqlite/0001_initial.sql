CREATE TABLE orgs (
    id BLOB NOT NULL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    portal_url TEXT NOT NULL,
    allowed_domains TEXT NOT NULL,
    settings TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE members (
    org_id BLOB NOT NULL REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    id BLOB NOT NULL UNIQUE,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    team_ids TEXT NOT NULL,
    status TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, email_key)
) WITHOUT ROWID;

CREATE TABLE member_words (
    org_id BLOB NOT NULL,
    word TEXT NOT NULL,
    member_id BLOB NOT NULL,
    PRIMARY KEY (org_id, word, member_id)
) WITHOUT ROWID;

CREATE TABLE teams (
    org_id BLOB NOT NULL REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    id BLOB NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name_key)
) WITHOUT ROWID;

CREATE TABLE invitations (
    org_id BLOB NOT NULL REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    id BLOB NOT NULL UNIQUE,
    inviter_id BLOB NOT NULL REFERENCES members (id) DEFERRABLE INITIALLY DEFERRED,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    message TEXT,
    team_id BLOB REFERENCES teams (id) DEFERRABLE INITIALLY DEFERRED,
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    sent_count INTEGER NOT NULL,
    last_sent_at INTEGER NOT NULL,
    thread_grants TEXT NOT NULL,
    delivered INTEGER NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    PRIMARY KEY (org_id, id)
) WITHOUT ROWID;
CREATE INDEX invitations_by_email ON invitations (email_key, org_id, id);
CREATE INDEX invitations_by_inviter ON invitations (inviter_id, org_id, id);
CREATE INDEX invitations_by_team ON invitations (team_id) WHERE team_id IS NOT NULL;
CREATE INDEX invitations_pending ON invitations (org_id, expires_at) WHERE status = 'pending';

-- The rate limits' send log (how many sends at each instant), and how many
-- sends each hour holds, so that a 24-hour window is counted from at most
-- one hour of rows and 48 counts.
CREATE TABLE send_log (
    org_id BLOB NOT NULL,
    key TEXT NOT NULL,
    at INTEGER NOT NULL,
    sends INTEGER NOT NULL,
    PRIMARY KEY (org_id, key, at)
) WITHOUT ROWID;
CREATE TABLE send_hours (
    org_id BLOB NOT NULL,
    key TEXT NOT NULL,
    hour INTEGER NOT NULL,
    sends INTEGER NOT NULL,
    PRIMARY KEY (org_id, key, hour)
) WITHOUT ROWID;

CREATE TABLE templates (
    org_id BLOB NOT NULL REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    text TEXT NOT NULL,
    html TEXT NOT NULL,
    PRIMARY KEY (org_id, kind)
);

CREATE TABLE emails (
    org_id BLOB NOT NULL REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    id BLOB NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    invitation_id BLOB REFERENCES invitations (id) DEFERRABLE INITIALLY DEFERRED,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    text TEXT NOT NULL,
    html TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    status TEXT NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    PRIMARY KEY (org_id, id)
) WITHOUT ROWID;
CREATE INDEX emails_due ON emails (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX emails_by_invitation ON emails (invitation_id) WHERE invitation_id IS NOT NULL;

CREATE TABLE events (
    org_id BLOB NOT NULL REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor_id BLOB,
    kind TEXT NOT NULL,
    details TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
) WITHOUT ROWID;

CREATE TABLE threads (
    org_id BLOB NOT NULL REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    id BLOB NOT NULL UNIQUE,
    title TEXT NOT NULL,
    freelancer_id TEXT NOT NULL,
    freelancer_name TEXT NOT NULL,
    created_by BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, id)
) WITHOUT ROWID;

-- `seq` orders a thread's participants by when they were added;
-- `last_activity_at` is the thread's, copied so that a member's threads are
-- one index range, newest activity first.
CREATE TABLE participants (
    seq INTEGER PRIMARY KEY,
    org_id BLOB NOT NULL,
    thread_id BLOB NOT NULL REFERENCES threads (id) DEFERRABLE INITIALLY DEFERRED,
    member_id BLOB NOT NULL REFERENCES members (id) DEFERRABLE INITIALLY DEFERRED,
    permissions INTEGER NOT NULL,
    added_by BLOB,
    added_at INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL,
    UNIQUE (thread_id, member_id)
);
CREATE INDEX participants_by_activity
    ON participants (member_id, last_activity_at DESC, thread_id DESC, permissions);

CREATE TABLE messages (
    org_id BLOB NOT NULL,
    thread_id BLOB NOT NULL,
    id BLOB NOT NULL,
    author_id BLOB,
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, thread_id, id),
    FOREIGN KEY (org_id, thread_id) REFERENCES threads (org_id, id) DEFERRABLE INITIALLY DEFERRED
) WITHOUT ROWID;

-- The distinct folded words of each thread.
CREATE TABLE thread_words (
    org_id BLOB NOT NULL,
    thread_id BLOB NOT NULL,
    word TEXT NOT NULL,
    PRIMARY KEY (org_id, thread_id, word)
) WITHOUT ROWID;

-- The same words for FTS5: each row holds the words a text added to its
-- thread, so every word of a thread is in exactly one of its rows. The
-- words are already folded and separated by spaces, so the `ascii`
-- tokenizer (which splits on ASCII punctuation and spaces only) gives back
-- exactly those words.
CREATE VIRTUAL TABLE thread_fts USING fts5 (
    words,
    thread_id UNINDEXED,
    org_id UNINDEXED,
    tokenize = 'ascii',
    content = '',
    contentless_unindexed = 1
);
