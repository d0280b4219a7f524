-- The schema's own conventions: what every object carries, and what pg_graphql reads from it (docs/graphql.md).
begin;
set local search_path = extensions, public;
select plan(8);

select is(
  (regexp_match(obj_description('public'::regnamespace, 'pg_namespace'), '@graphql\((.+?)\)'))[1]::jsonb -> 'inflect_names',
  'true'::jsonb,
  'the public schema asks pg_graphql for camelCase names (inflect_names)');

select is(
  (regexp_match(obj_description('public.bookings'::regclass, 'pg_class'), '@graphql\((.+?)\)'))[1]::jsonb #> '{totalCount,enabled}',
  'true'::jsonb,
  'bookings offer totalCount to pg_graphql (my bookings are counted through an index)');

select is_empty(
  $$ select p.proname from pg_proc p where p.pronamespace = 'public'::regnamespace group by p.proname having count(*) > 1 $$,
  'every function of the API has exactly one signature (pg_graphql and supabase-js address them by name)');

select set_eq(
  $$ select p.proname::text from pg_proc p where p.pronamespace = 'public'::regnamespace and p.provolatile <> 'v' $$,
  array['quote_stay', 'property_calendar', 'search_properties', 'message_original'],
  'the reads of the API are STABLE (GraphQL queries, GET-able on a read replica) and every other API function is VOLATILE (a mutation)');

select is_empty(
  $$ select c.oid::regclass::text from pg_class c
      where c.relnamespace in ('public'::regnamespace, 'private'::regnamespace, 'payments'::regnamespace)
        and c.relkind in ('r', 'v', 'm', 'p') and obj_description(c.oid, 'pg_class') is null $$,
  'every table and view of public, private and payments says what it is (comment on)');

select is_empty(
  $$ select p.oid::regprocedure::text from pg_proc p
      where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace, 'payments'::regnamespace)
        and obj_description(p.oid, 'pg_proc') is null $$,
  'every function of public, private and payments says what it does (comment on)');

select is_empty(
  $$ select p.oid::regprocedure::text from pg_proc p
      where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace, 'payments'::regnamespace)
        and not coalesce('search_path=""' = any (p.proconfig), false) $$,
  'every function pins an empty search_path, so no caller can shadow what it names');

select is_empty(
  $$ select c.oid::regclass::text from pg_class c
      where c.relnamespace in ('public'::regnamespace, 'private'::regnamespace, 'payments'::regnamespace)
        and c.relkind in ('r', 'p') and not c.relrowsecurity $$,
  'row-level security is on for every table of public, private and payments');

select * from finish();
rollback;
