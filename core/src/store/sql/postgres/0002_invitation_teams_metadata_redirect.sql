-- An invitation names any number of teams (`team_ids`, a JSON array of ids
-- as members keep theirs) and carries the host's metadata, its private
-- metadata (JSON objects) and a redirect URL. The one-team column goes.
ALTER TABLE invitations ADD COLUMN team_ids text NOT NULL DEFAULT '[]';
ALTER TABLE invitations ADD COLUMN metadata text NOT NULL DEFAULT '{}';
ALTER TABLE invitations ADD COLUMN private_metadata text NOT NULL DEFAULT '{}';
ALTER TABLE invitations ADD COLUMN redirect_url text;
UPDATE invitations SET team_ids = json_build_array(team_id::text)::text WHERE team_id IS NOT NULL;
ALTER TABLE invitations DROP COLUMN team_id;
