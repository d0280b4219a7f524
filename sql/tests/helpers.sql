-- Test helpers for the pgTAP suites (tests/db/*.test.sql). Loaded into test databases only, never a migration.
--
-- They reproduce PostgREST's request context exactly: a request is a transaction with `set local role <role>`
-- and `set_config('request.jwt.claims', <claims>, true)`, which is what auth.uid(), auth.jwt() and the
-- policies read. Users are created as Supabase Auth creates them (a row in auth.users; the profile comes from
-- the trigger), and named by a handle: tests.user('guest-ada').
create extension if not exists pgtap with schema extensions;
create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role;

create or replace function tests.create_user(handle text, app_metadata jsonb default '{}', display_name text default null)
returns uuid
language sql
security definer
set search_path = ''
as $$
  insert into auth.users (id, instance_id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
  values (gen_random_uuid(), '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated',
          handle || '@tests.staybase.test', now(),
          '{"provider": "email", "providers": ["email"]}'::jsonb || app_metadata,
          jsonb_build_object('display_name', coalesce(display_name, handle)), now(), now())
  returning id
$$;

create or replace function tests.create_admin(handle text) returns uuid
language sql
as $$ select tests.create_user(handle, '{"role": "admin"}') $$;

create or replace function tests.user(handle text) returns uuid
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  user_id uuid;
begin
  select id into user_id from auth.users where email = handle || '@tests.staybase.test';
  if user_id is null then
    raise exception 'tests.user: no test user "%"; create it with tests.create_user', handle;
  end if;
  return user_id;
end
$$;

-- Acts as a signed-in user for the rest of the transaction, with the claims Supabase Auth signs.
create or replace function tests.act_as(user_id uuid) returns void
language plpgsql
as $$
declare
  claims jsonb;
begin
  perform set_config('role', 'postgres', true);
  select jsonb_build_object('sub', u.id, 'role', 'authenticated', 'aud', 'authenticated', 'email', u.email,
                            'app_metadata', u.raw_app_meta_data, 'user_metadata', u.raw_user_meta_data,
                            'is_anonymous', false)
    into claims from auth.users u where u.id = user_id;
  if claims is null then
    raise exception 'tests.act_as: no auth user %', user_id;
  end if;
  perform set_config('request.jwt.claims', claims::text, true);
  perform set_config('role', 'authenticated', true);
end
$$;

create or replace function tests.act_as_anon() returns void
language plpgsql
as $$
begin
  perform set_config('role', 'postgres', true);
  perform set_config('request.jwt.claims', '{"role": "anon", "iss": "supabase-demo"}', true);
  perform set_config('role', 'anon', true);
end
$$;

create or replace function tests.act_as_service() returns void
language plpgsql
as $$
begin
  perform set_config('role', 'postgres', true);
  perform set_config('request.jwt.claims', '{"role": "service_role", "iss": "supabase-demo"}', true);
  perform set_config('role', 'service_role', true);
end
$$;

-- Back to the owner (a migration's or a job's view), with no request context.
create or replace function tests.act_as_owner() returns void
language plpgsql
as $$
begin
  perform set_config('role', 'postgres', true);
  perform set_config('request.jwt.claims', '', true);
end
$$;


-- A listing by its title, whatever its status (fixtures look listings up by name, as the caller cannot always see them).
create or replace function tests.property(title text) returns uuid
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  property_id uuid;
begin
  select id into property_id from public.properties p where p.title = property.title;
  if property_id is null then
    raise exception 'tests.property: no listing titled "%"', title;
  end if;
  return property_id;
end
$$;

-- A listing for fixtures, inserted as its host would (published unless told otherwise).
create or replace function tests.create_property(
  host uuid, title text, time_zone text default 'UTC', nightly_price_cents integer default 10000,
  cleaning_fee_cents integer default 2000, instant_book boolean default true,
  cancellation_policy public.cancellation_policy default 'flexible', max_guests integer default 4,
  min_nights integer default 1, max_nights integer default 30, status public.listing_status default 'published',
  weekly_discount_pct integer default 0, monthly_discount_pct integer default 0
) returns uuid
language sql
security definer
set search_path = ''
as $$
  insert into public.properties (host_id, title, city, country_code, latitude, longitude, time_zone, currency,
    nightly_price_cents, cleaning_fee_cents, instant_book, cancellation_policy, max_guests, min_nights, max_nights,
    status, weekly_discount_pct, monthly_discount_pct)
  values (host, title, 'Testville', 'NZ', -36.85, 174.76, time_zone, 'NZD', nightly_price_cents, cleaning_fee_cents,
    instant_book, cancellation_policy, max_guests, min_nights, max_nights, status, weekly_discount_pct,
    monthly_discount_pct)
  returning id
$$;

-- A completed stay, inserted as the owner the way a confirmed booking ends (past dates cannot be requested):
-- priced like request_booking prices it, its nights claimed. checked_out_at defaults to the check-out time on the
-- check-out day in the listing's time zone; tests move it to put the review window where they need it.
create or replace function tests.create_completed_stay(
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

grant execute on all functions in schema tests to anon, authenticated, service_role;
