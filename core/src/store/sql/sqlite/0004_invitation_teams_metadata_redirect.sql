-- An invitation names any number of teams (`team_ids`, a JSON array of ids
-- as members keep theirs) and carries the host's metadata, its private
-- metadata (JSON objects) and a redirect URL.
--
-- The old one-team column stays, always NULL from now on: SQLite cannot drop
-- a column that a foreign key names. Its index goes.
ALTER TABLE invitations ADD COLUMN team_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE invitations ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
ALTER TABLE invitations ADD COLUMN private_metadata TEXT NOT NULL DEFAULT '{}';
ALTER TABLE invitations ADD COLUMN redirect_url TEXT;
UPDATE invitations
SET team_ids = json_array(lower(
        substr(hex(team_id), 1, 8) || '-' || substr(hex(team_id), 9, 4) || '-' || substr(hex(team_id), 13, 4) || '-'
        || substr(hex(team_id), 17, 4) || '-' || substr(hex(team_id), 21, 12))),
    team_id = NULL
WHERE team_id IS NOT NULL;
DROP INDEX invitations_by_team;
