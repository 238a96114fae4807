-- What the company directory said about a person the last time the manager answered it (took the
-- directory's name, unit and email, or kept their own): a later roster offers a field again only
-- when the directory's value is new. The directory never changes a person without being asked.
ALTER TABLE people ADD COLUMN dir_name TEXT;
ALTER TABLE people ADD COLUMN dir_org_unit TEXT;
ALTER TABLE people ADD COLUMN dir_email TEXT;
