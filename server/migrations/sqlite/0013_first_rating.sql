-- PostgreSQL's migration 13 adds first_rating(), a month's first rating in one round trip.
-- SQLite needs nothing: the server runs the same steps in process, one writer at a time, and
-- SQLite keeps the ratings in key order.
SELECT 1;
