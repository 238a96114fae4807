-- How an employee's name is read (ふりがな), when the directory file has a `reading` column: the
-- roster gives it to the manager's app, which lists people by it.
ALTER TABLE employees ADD COLUMN reading TEXT;
