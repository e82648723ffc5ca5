-- Version 2: a search looks at its own organization's words only, so what it
-- costs follows that organization, never the whole database.

-- Words are found by prefix in the organization's own words, in word order;
-- the full-text table, shared by every organization, goes.
DROP TABLE thread_fts;
-- FTS5 leaves the shadow table of a contentless table's unindexed columns.
DROP TABLE IF EXISTS thread_fts_content;
CREATE INDEX thread_words_by_word ON thread_words (org_id, word, thread_id);
