-- Version 3: an email's row fits in one page.
--
-- A WITHOUT ROWID table keeps at most about 1,000 bytes of a row in its
-- leaf page and puts the rest on an overflow page, so an email (subject, text
-- and HTML, a few kilobytes) cost two pages to write and, when its bodies
-- were cleared, a page to free. An ordinary table keeps up to about 4,000
-- bytes in the leaf. `seq` numbers the emails in the order they were queued;
-- `org_id` stays on every row, though no longer first in its key.
CREATE TABLE emails_v3 (
    seq INTEGER PRIMARY KEY,
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
    last_error TEXT
);
INSERT INTO emails_v3 (org_id, id, kind, invitation_id, recipient, subject, text, html, created_at, attempts,
                       status, next_attempt_at, last_error)
    SELECT org_id, id, kind, invitation_id, recipient, subject, text, html, created_at, attempts, status,
           next_attempt_at, last_error
    FROM emails ORDER BY id;
DROP TABLE emails;
ALTER TABLE emails_v3 RENAME TO emails;
CREATE INDEX emails_due ON emails (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX emails_by_invitation ON emails (invitation_id) WHERE invitation_id IS NOT NULL;
