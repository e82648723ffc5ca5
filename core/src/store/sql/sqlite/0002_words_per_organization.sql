-- Version 2: every index a search or a listing uses starts with the
-- organization, so what a query costs follows one organization's data, never
-- the whole database.

-- Words are found by prefix in the organization's own words, in word order;
-- the full-text table, shared by every organization, goes.
DROP TABLE thread_fts;
-- FTS5 leaves the shadow table of a contentless table's unindexed columns.
DROP TABLE IF EXISTS thread_fts_content;
CREATE INDEX thread_words_by_word ON thread_words (org_id, word, thread_id);

-- An organization's invitations to an address or by an inviter, newest first,
-- are one range of an index (the queries need no `INDEXED BY`).
DROP INDEX invitations_by_inviter;
CREATE INDEX invitations_by_inviter ON invitations (org_id, inviter_id, id);
CREATE INDEX invitations_by_org_email ON invitations (org_id, email_key, id);
