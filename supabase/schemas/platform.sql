-- Platform: the schemas and extensions every chapter builds on, and what the Data API exposes.
--
-- Rules enforced here:
--   * `public` is the API: its tables and views are read under row-level security and its functions are the RPC
--     verbs; pg_graphql, where it is installed, serves the same objects with camelCase names (inflect_names);
--   * `private` holds the helpers of policies, triggers and jobs; it is not exposed, the API roles may use the schema,
--     and each function says who may execute it; `payments` (payments.sql) is reached by the service role only;
--   * btree_gist lets an exclusion constraint compare ids with = beside date ranges with &&;
--   * a text column a client writes is bounded by a check constraint on private.text_within, which refuses a value out
--     of bounds with 22023 and a hint (text_required, text_too_short, text_too_long) and names the column, like every
--     other bad input, rather than a bare check violation (23514).

comment on schema public is e'@graphql({"inflect_names": true})';

create schema if not exists private;
comment on schema private is 'Helpers for policies and triggers; not exposed through the Data API.';
grant usage on schema private to anon, authenticated, service_role;

create extension if not exists btree_gist with schema extensions;

-- Functions ------------------------------------------------------------------------------------------------------

-- The length bound of a client-written text column, as its check constraint's expression:
--   constraint title_length check (private.text_within('title', title, 3, 120))
-- True when the value fits (or is null); otherwise it refuses the write itself, with 22023 and a hint. The value is
-- measured as stored: the chapters' triggers trim text (private.trimmed) before constraints are checked, so a text of
-- white space alone is '' and refused as text_required where the column needs one.
create function private.text_within(column_name text, value text, min_length integer, max_length integer)
returns boolean
language plpgsql immutable parallel safe
set search_path = ''
as $$
declare
  chars integer := pg_catalog.char_length(value);
begin
  if value is null or chars between min_length and max_length then
    return true;
  elsif chars = 0 then
    raise exception '% is required', column_name using errcode = '22023', hint = 'text_required';
  elsif chars < min_length then
    raise exception '% has at least % characters', column_name, min_length using errcode = '22023', hint = 'text_too_short';
  end if;
  raise exception '% has at most % characters', column_name, max_length using errcode = '22023', hint = 'text_too_long';
end
$$;
comment on function private.text_within(text, text, integer, integer) is
  'Check constraint of a client-written text column: true when the value''s length is within [min_length, max_length] (or it is null); otherwise raises 22023 with hint text_required, text_too_short or text_too_long, naming the column.';
-- Constraints run as the writer: every role that writes a table may call it.
revoke all on function private.text_within(text, text, integer, integer) from public;
grant execute on function private.text_within(text, text, integer, integer) to anon, authenticated, service_role;
