-- Test helpers for the pgTAP suites (tests/db/*.test.sql): one set, shared by every suite. Loaded into test
-- databases only (scripts/test.mjs, and by hand before `npm run test:db`), never a migration. Loading the file again
-- replaces every helper: the tests schema holds nothing else.
--
-- People     tests.create_user('guest-ada') / tests.create_admin('root') make users as Supabase Auth does (a row in
--            auth.users; the profile comes from the trigger); tests.user('guest-ada') is the id.
-- Acting     tests.act_as(tests.user('guest-ada')), tests.act_as_anon(), tests.act_as_service(), tests.act_as_owner()
--            reproduce PostgREST's request context exactly: `set local role <role>` and
--            `set_config('request.jwt.claims', <claims>, true)`, which auth.uid(), auth.jwt() and the policies read.
--            tests.act_as(tests.user('root'), aal => 'aal2') is a session that passed a second factor: admin powers
--            need it (an admin at the default aal1 is refused with hint mfa_required).
-- Fixtures   every fixture a suite refers to is named by a handle, in tests.fixtures: tests.create_user and
--            tests.create_property name what they make; tests.remember('booking', 'instant', id) names anything else.
--            tests.user(handle), tests.property(handle), tests.booking(handle) and tests.named(kind) find them
--            whoever the test acts as (drafts, other members' bookings, erased members included).
-- Dates      tests.local_today('Pacific/Auckland') is today where a listing is, for any role a test acts as.
-- Refusals   tests.refuses($$ statement $$, 'PT409', 'dates_unavailable', 'a stay over booked nights is refused'):
--            a pgTAP assertion that the statement fails with that SQLSTATE and that hint (the stable reason code a
--            program switches on, docs/conventions.md), optionally with that message too; when it fails it says
--            what was raised instead.
create extension if not exists pgtap with schema extensions;
drop schema if exists tests cascade;
create schema tests;
comment on schema tests is 'pgTAP helpers (sql/tests/helpers.sql): test databases only.';
grant usage on schema tests to anon, authenticated, service_role;

-- Fixtures by handle ---------------------------------------------------------------------------------------------
-- Rows live only as long as the suite's transaction. No unique index: suites running side by side on one database
-- would wait on each other's uncommitted handles; tests.remember keeps a handle unique within a transaction.
create table tests.fixtures (
  kind text not null,
  handle text not null,
  id uuid not null
);
create index fixtures_by_handle on tests.fixtures (kind, handle);
comment on table tests.fixtures is 'The fixtures of the running suite, by kind and handle (tests.remember).';

-- Names a fixture: `kind` is what it is (user, property, booking, ...), `handle` the name the suite uses.
create function tests.remember(kind text, handle text, id uuid) returns uuid
language plpgsql
security definer
set search_path = ''
as $$
begin
  if id is null then
    raise exception 'tests.remember: no id to name % "%"', kind, handle;
  end if;
  if exists (select from tests.fixtures f where f.kind = remember.kind and f.handle = remember.handle) then
    raise exception 'tests.remember: % "%" is already named', kind, handle;
  end if;
  insert into tests.fixtures (kind, handle, id) values (kind, handle, id);
  return id;
end
$$;

-- The id of a named fixture; an error names what is missing.
create function tests.fixture(kind text, handle text) returns uuid
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  fixture_id uuid;
begin
  select f.id into fixture_id from tests.fixtures f where f.kind = fixture.kind and f.handle = fixture.handle;
  if fixture_id is null then
    raise exception 'tests: no % named "%" (name it with tests.remember, or make it with a tests.create_* helper)', kind, handle;
  end if;
  return fixture_id;
end
$$;

-- Every fixture of a kind, for suites that list or sweep them ("the bookings of this suite").
create function tests.named(kind text) returns table (handle text, id uuid)
language sql stable
security definer
set search_path = ''
as $$ select f.handle, f.id from tests.fixtures f where f.kind = named.kind order by f.handle $$;

create function tests.user(handle text) returns uuid
language sql stable
as $$ select tests.fixture('user', handle) $$;

create function tests.property(handle text) returns uuid
language sql stable
as $$ select tests.fixture('property', handle) $$;

-- A listing photo's file name as a host's upload makes it (a v4 uuid and an extension), derived from a label so that a
-- suite can name the same file twice: tests.photo_file('cover') = '<v4 uuid>.jpg'.
create function tests.photo_file(label text) returns text
language sql immutable
as $$
  select substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-8' || substr(h, 18, 3) || '-'
         || substr(h, 21, 12) || '.jpg'
  from (select md5(label) as h) d
$$;

-- The Storage object name of a named listing's photo: <property_id>/<tests.photo_file(label)>.
create function tests.photo(property_handle text, label text) returns text
language sql stable
as $$ select tests.property(property_handle) || '/' || tests.photo_file(label) $$;

create function tests.booking(handle text) returns uuid
language sql stable
as $$ select tests.fixture('booking', handle) $$;

-- People ---------------------------------------------------------------------------------------------------------
create function tests.create_user(handle text, app_metadata jsonb default '{}', display_name text default null)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  user_id uuid;
begin
  insert into auth.users (id, instance_id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
  values (gen_random_uuid(), '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated',
          handle || '@tests.staybase.test', now(),
          '{"provider": "email", "providers": ["email"]}'::jsonb || app_metadata,
          jsonb_build_object('display_name', coalesce(display_name, handle)), now(), now())
  returning id into user_id;
  return tests.remember('user', handle, user_id);
end
$$;

create function tests.create_admin(handle text) returns uuid
language sql
as $$ select tests.create_user(handle, '{"role": "admin"}') $$;

-- Acting as a role -----------------------------------------------------------------------------------------------
-- A signed-in user for the rest of the transaction, with the claims Supabase Auth signs. `aal` is the session's
-- assurance level: 'aal1' after a password, 'aal2' after a second factor (what admin powers need).
create function tests.act_as(user_id uuid, aal text default 'aal1') returns void
language plpgsql
as $$
declare
  claims jsonb;
begin
  if aal not in ('aal1', 'aal2') then
    raise exception 'tests.act_as: aal is aal1 or aal2, not %', aal;
  end if;
  perform set_config('role', 'postgres', true);
  select jsonb_build_object('sub', u.id, 'role', 'authenticated', 'aud', 'authenticated', 'email', u.email,
                            'app_metadata', u.raw_app_meta_data, 'user_metadata', u.raw_user_meta_data,
                            'aal', aal, 'session_id', gen_random_uuid(),
                            'amr', case when aal = 'aal2'
                                        then '[{"method": "totp"}, {"method": "password"}]'::jsonb
                                        else '[{"method": "password"}]'::jsonb end,
                            'is_anonymous', false)
    into claims from auth.users u where u.id = user_id;
  if claims is null then
    raise exception 'tests.act_as: no auth user %', user_id;
  end if;
  perform set_config('request.jwt.claims', claims::text, true);
  perform set_config('role', 'authenticated', true);
end
$$;

create function tests.act_as_anon() returns void
language plpgsql
as $$
begin
  perform set_config('role', 'postgres', true);
  perform set_config('request.jwt.claims', '{"role": "anon", "iss": "supabase-demo"}', true);
  perform set_config('role', 'anon', true);
end
$$;

create function tests.act_as_service() returns void
language plpgsql
as $$
begin
  perform set_config('role', 'postgres', true);
  perform set_config('request.jwt.claims', '{"role": "service_role", "iss": "supabase-demo"}', true);
  perform set_config('role', 'service_role', true);
end
$$;

-- Back to the owner (a migration's or a job's view), with no request context.
create function tests.act_as_owner() returns void
language plpgsql
as $$
begin
  perform set_config('role', 'postgres', true);
  perform set_config('request.jwt.claims', '', true);
end
$$;

-- Listings and stays ---------------------------------------------------------------------------------------------
-- Today where a listing is (private.local_today, which clients may not call), for any role a test acts as.
create function tests.local_today(time_zone text) returns date
language sql stable
security definer
set search_path = ''
as $$ select private.local_today(time_zone) $$;

-- A listing, inserted as the owner (published unless told otherwise) and named by `handle` (its title by default).
-- latitude/longitude are its exact location (property_locations, with `address_line`); the database derives the
-- public point on properties from them, and publishes it only once it is placed.
create function tests.create_property(
  host uuid, title text, time_zone text default 'UTC', nightly_price_cents integer default 10000,
  cleaning_fee_cents integer default 2000, instant_book boolean default true,
  cancellation_policy public.cancellation_policy default 'flexible', max_guests integer default 4,
  min_nights integer default 1, max_nights integer default 30, status public.listing_status default 'published',
  weekly_discount_pct integer default 0, monthly_discount_pct integer default 0, handle text default null,
  currency text default 'NZD', city text default 'Testville', country_code text default 'NZ',
  latitude numeric default -36.85, longitude numeric default 174.76, booking_window_days integer default 365,
  address_line text default '1 Test Street'
) returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  property_id uuid;
begin
  insert into public.properties (host_id, title, city, country_code, time_zone, currency, nightly_price_cents,
    cleaning_fee_cents, instant_book, cancellation_policy, max_guests, min_nights, max_nights, status,
    weekly_discount_pct, monthly_discount_pct, booking_window_days)
  values (host, title, city, country_code, time_zone, currency, nightly_price_cents, cleaning_fee_cents,
    instant_book, cancellation_policy, max_guests, min_nights, max_nights,
    case when create_property.status = 'published' then 'draft' else create_property.status end,
    weekly_discount_pct, monthly_discount_pct, booking_window_days)
  returning id into property_id;
  insert into public.property_locations (property_id, address_line, latitude, longitude)
  values (property_id, create_property.address_line, create_property.latitude, create_property.longitude);
  if create_property.status = 'published' then
    update public.properties p set status = 'published' where p.id = property_id;
  end if;
  return tests.remember('property', coalesce(handle, title), property_id);
end
$$;

-- A completed stay, inserted as the owner the way a confirmed booking ends (past dates cannot be requested):
-- priced like request_booking prices it, its nights claimed. checked_out_at defaults to the check-out time on the
-- check-out day in the listing's time zone; tests move it to put the review window where they need it. Name it
-- with tests.remember('booking', handle, ...) to refer to it.
create function tests.create_completed_stay(
  property uuid, guest uuid, check_in date, nights integer default 2, checked_out_at timestamptz default null
) returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  listing public.properties;
  quote public.stay_quote;
  booking_id uuid;
begin
  select p.* into listing from public.properties p where p.id = property;
  quote := private.price_stay(listing, check_in, check_in + nights);
  insert into public.bookings (
    property_id, guest_id, host_id, check_in, check_out, guests, status, currency, nightly, accommodation_cents,
    discount_cents, cleaning_fee_cents, service_fee_cents, total_cents, host_fee_cents, host_payout_cents,
    cancellation_policy, time_zone, check_in_at, check_out_at, confirmed_at)
  values (
    listing.id, guest, listing.host_id, check_in, check_in + nights, 1, 'completed', quote.currency, quote.nightly,
    quote.accommodation_cents, quote.discount_cents, quote.cleaning_fee_cents, quote.service_fee_cents,
    quote.total_cents, quote.host_fee_cents, quote.host_payout_cents, listing.cancellation_policy, listing.time_zone,
    (check_in + listing.check_in_time) at time zone listing.time_zone,
    coalesce(checked_out_at, ((check_in + nights) + listing.check_out_time) at time zone listing.time_zone),
    (check_in + listing.check_in_time) at time zone listing.time_zone - interval '30 days')
  returning id into booking_id;
  return booking_id;
end
$$;

-- Refusals -------------------------------------------------------------------------------------------------------
-- Passes when `statement` fails with SQLSTATE `errcode` and hint `hint` (null: a refusal without a hint), and with
-- exactly `message` when one is given. Like pgTAP's throws_ok, the statement runs in a subtransaction as the current
-- role; on failure the diagnostics show what was caught against what was wanted.
create function tests.refuses(statement text, errcode text, hint text, description text, message text default null)
returns text
language plpgsql
as $$
declare
  caught_state text;
  caught_hint text;
  caught_message text;
  wanted text := refuses.errcode || ', ' || coalesce('hint ' || refuses.hint, 'no hint')
                 || coalesce(': ' || refuses.message, '');
begin
  begin
    execute statement;
  exception when others then
    get stacked diagnostics caught_state = returned_sqlstate, caught_hint = pg_exception_hint,
                            caught_message = message_text;
  end;
  caught_hint := nullif(caught_hint, '');
  if caught_state = refuses.errcode and caught_hint is not distinct from refuses.hint
     and (refuses.message is null or caught_message = refuses.message) then
    return ok(true, description);
  end if;
  return ok(false, description) || E'\n' || diag(
    '      caught: ' || coalesce(caught_state || ', ' || coalesce('hint ' || caught_hint, 'no hint') || ': ' || caught_message,
                                 'no error')
    || E'\n      wanted: ' || wanted);
end
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;
