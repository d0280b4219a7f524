-- Platform: the schemas and extensions every chapter builds on, and what the Data API exposes.
--
-- Rules enforced here:
--   * `public` is the API: its tables and views are read under row-level security and its functions are the RPC
--     verbs; pg_graphql, where it is installed, serves the same objects with camelCase names (inflect_names);
--   * `private` holds the helpers of policies, triggers and jobs; it is not exposed, the API roles may use the schema,
--     and each function says who may execute it; `payments` (payments.sql) is reached by the service role only;
--   * btree_gist lets an exclusion constraint compare ids with = beside date ranges with &&.

comment on schema public is e'@graphql({"inflect_names": true})';

create schema if not exists private;
comment on schema private is 'Helpers for policies and triggers; not exposed through the Data API.';
grant usage on schema private to anon, authenticated, service_role;

create extension if not exists btree_gist with schema extensions;
