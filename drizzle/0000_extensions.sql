-- Trigram matching for text search. Created in "public" so that per-schema installs (tests, several
-- deployments in one database) share it and dropping one schema never drops it for the others.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
