-- How a person's name is read (ふりがな, in hiragana), optional: people are listed by it, and
-- search finds them by it. Without one, a person is listed by their name as written.
ALTER TABLE people ADD COLUMN reading TEXT;
