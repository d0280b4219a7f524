-- Listings: properties, photos, amenities, host blocks, seasonal rates, the calendar and exact price quotes.
--
-- Rules enforced here:
--   * everyone (anon included) reads published listings and their photos, amenities and rates; drafts and archived
--     listings only their host and admins see;
--   * a host creates listings (host_id is always the caller), edits and archives their own, and manages their
--     photos (rows and Storage objects under <property_id>/ in the `property-photos` bucket), amenities, blocks and
--     rates; nobody else changes any of it; an admin may only archive (unpublish) another host's listing;
--   * the rating columns are kept by the database only (no client has the column privilege);
--   * money is integer minor units in the listing's ISO 4217 currency; dates are the property's local dates;
--   * a night is claimed at most once per property: host blocks and (later) active bookings claim nights in one
--     table, private.calendar_claims, whose exclusion constraint cannot be raced;
--   * one fee rule (private.fee_split) prices every stay: 14% guest service fee and 3% host fee on accommodation
--     after discount plus cleaning, rounded half up to the unit.

create extension if not exists btree_gist with schema extensions;

-- Types ----------------------------------------------------------------------------------------------------------

create type public.property_type as enum ('apartment', 'house', 'cabin', 'room', 'villa', 'loft', 'cottage', 'other');
create type public.listing_status as enum ('draft', 'published', 'archived');
create type public.cancellation_policy as enum ('flexible', 'moderate', 'strict');

create type public.stay_quote as (
  bookable boolean,
  reason text,
  nights integer,
  currency text,
  nightly jsonb,
  accommodation_cents bigint,
  discount_cents bigint,
  cleaning_fee_cents bigint,
  service_fee_cents bigint,
  total_cents bigint,
  host_fee_cents bigint,
  host_payout_cents bigint
);
comment on type public.stay_quote is 'A price quote: bookable, or the reason it is not; money in minor units of currency; nightly is [{night, price_cents}].';

-- Tables ---------------------------------------------------------------------------------------------------------

create table public.currencies (
  code text primary key constraint currency_code_format check (code ~ '^[A-Z]{3}$'),
  minor_units smallint not null constraint minor_units_range check (minor_units between 0 and 3),
  name text not null
);
comment on table public.currencies is 'ISO 4217 currencies a listing may be priced in; minor_units says how many decimals one unit has.';

create table private.time_zones (
  name text primary key
);
comment on table private.time_zones is 'IANA time zone names a listing may use (Pacific/Auckland, America/Los_Angeles, UTC, ...).';

create table public.properties (
  id uuid primary key default gen_random_uuid(),
  host_id uuid not null default auth.uid() references public.profiles (id),
  title text not null constraint title_length check (char_length(btrim(title)) between 3 and 120),
  description text not null default '' constraint description_length check (char_length(description) <= 5000),
  property_type public.property_type not null default 'apartment',
  status public.listing_status not null default 'draft',
  address_line text not null default '' constraint address_line_length check (char_length(address_line) <= 200),
  city text not null constraint city_length check (char_length(btrim(city)) between 1 and 100),
  region text not null default '' constraint region_length check (char_length(region) <= 100),
  postal_code text not null default '' constraint postal_code_length check (char_length(postal_code) <= 20),
  country_code text not null constraint country_code_is_iso_3166_alpha_2 check (country_code ~ '^[A-Z]{2}$'),
  latitude double precision not null constraint latitude_range check (latitude between -90 and 90),
  longitude double precision not null constraint longitude_range check (longitude between -180 and 180),
  time_zone text not null constraint time_zone_is_iana references private.time_zones (name),
  max_guests integer not null default 2 constraint max_guests_range check (max_guests between 1 and 50),
  bedrooms integer not null default 1 constraint bedrooms_range check (bedrooms between 0 and 50),
  beds integer not null default 1 constraint beds_range check (beds between 0 and 100),
  bathrooms numeric(3, 1) not null default 1 constraint bathrooms_range check (bathrooms between 0 and 50),
  nightly_price_cents integer not null constraint nightly_price_positive check (nightly_price_cents between 1 and 100000000),
  currency text not null constraint currency_is_iso_4217 references public.currencies (code),
  cleaning_fee_cents integer not null default 0 constraint cleaning_fee_not_negative check (cleaning_fee_cents between 0 and 100000000),
  weekly_discount_pct integer not null default 0 constraint weekly_discount_range check (weekly_discount_pct between 0 and 90),
  monthly_discount_pct integer not null default 0 constraint monthly_discount_range check (monthly_discount_pct between 0 and 90),
  min_nights integer not null default 1 constraint min_nights_at_least_one check (min_nights >= 1),
  max_nights integer not null default 365 constraint max_nights_at_most_1125 check (max_nights <= 1125),
  instant_book boolean not null default false,
  cancellation_policy public.cancellation_policy not null default 'moderate',
  check_in_time time not null default '15:00',
  check_out_time time not null default '11:00',
  rating_avg numeric(3, 2),
  rating_count integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint nights_within_policy check (min_nights <= max_nights)
);
comment on table public.properties is 'A listing: a place hosts offer. Prices in minor units of currency; dates in time_zone.';
comment on column public.properties.host_id is 'The creating user: always the caller (row-level security), never changed.';
comment on column public.properties.rating_avg is 'Average of published guest ratings: kept by the database only.';

create table public.property_photos (
  id uuid primary key default gen_random_uuid(),
  property_id uuid not null references public.properties (id) on delete cascade,
  storage_path text not null,
  position integer not null default 0 constraint position_not_negative check (position >= 0),
  caption text not null default '' constraint caption_length check (char_length(caption) <= 300),
  created_at timestamptz not null default now(),
  constraint photo_in_property_folder check (storage_path ~ ('^' || property_id::text || '/[^/]+$')),
  constraint photo_path_unique unique (storage_path),
  constraint photo_position_unique unique (property_id, position) deferrable initially deferred
);
comment on table public.property_photos is 'A listing''s ordered photos (position 0 is the cover); files live in Storage bucket property-photos under <property_id>/.';

create table public.amenities (
  code text primary key constraint amenity_code_format check (code ~ '^[a-z][a-z_]*$'),
  label text not null,
  category text not null
);
comment on table public.amenities is 'The fixed amenity catalogue, keyed by code.';

create table public.property_amenities (
  property_id uuid not null references public.properties (id) on delete cascade,
  amenity_code text not null references public.amenities (code),
  primary key (property_id, amenity_code)
);
comment on table public.property_amenities is 'Which amenities a listing offers.';

create table public.availability_blocks (
  id uuid primary key default gen_random_uuid(),
  property_id uuid not null references public.properties (id) on delete cascade,
  start_date date not null,
  end_date date not null,
  note text not null default '' constraint note_length check (char_length(note) <= 300),
  created_at timestamptz not null default now(),
  constraint block_dates_in_order check (start_date < end_date)
);
comment on table public.availability_blocks is 'Nights a host closes: [start_date, end_date), end_date exclusive. They claim nights like bookings do.';

create table public.seasonal_rates (
  id uuid primary key default gen_random_uuid(),
  property_id uuid not null references public.properties (id) on delete cascade,
  start_date date not null,
  end_date date not null,
  nightly_price_cents integer not null constraint rate_price_positive check (nightly_price_cents between 1 and 100000000),
  label text not null default '' constraint label_length check (char_length(label) <= 100),
  created_at timestamptz not null default now(),
  constraint rate_dates_in_order check (start_date < end_date),
  constraint seasonal_rates_do_not_overlap exclude using gist (property_id with =, daterange(start_date, end_date) with &&)
);
comment on table public.seasonal_rates is 'A nightly price replacing the listing''s for the nights [start_date, end_date).';

-- Every claimed night of every property: host blocks here, active bookings from the bookings chapter. One
-- exclusion constraint over this one table is the whole no-double-booking guarantee.
create table private.calendar_claims (
  id bigint generated always as identity primary key,
  property_id uuid not null references public.properties (id) on delete cascade,
  nights daterange not null constraint claim_not_empty check (not isempty(nights)),
  block_id uuid unique references public.availability_blocks (id) on delete cascade,
  booking_id uuid unique,
  expires_at timestamptz,
  constraint claim_has_one_source check (num_nonnulls(block_id, booking_id) = 1),
  constraint nights_already_claimed exclude using gist (property_id with =, nights with &&)
);
comment on table private.calendar_claims is 'Nights claimed by host blocks and active bookings; a hold past expires_at no longer counts and is swept before any new claim.';

-- Indexes --------------------------------------------------------------------------------------------------------

create index properties_host_id_idx on public.properties (host_id);
create index properties_currency_idx on public.properties (currency);
create index property_amenities_amenity_code_idx on public.property_amenities (amenity_code);
create index availability_blocks_property_id_idx on public.availability_blocks (property_id);
-- Location as a core point (x = longitude, y = latitude) in a GiST index: map boxes (<@ box) and radius searches
-- (bounding box first, exact great-circle distance after) use it; see docs/search.md.
-- It carries the columns search filters and sorts candidates on, so a box or radius reads its candidates from the
-- index alone (index-only scan: ~12 buffer reads for a city box instead of one heap page per listing, ~140) and
-- fetches only the page's rows.
create index properties_published_location_idx on public.properties
  using gist (point(longitude, latitude))
  include (id, latitude, longitude, max_guests, min_nights, max_nights, nightly_price_cents, rating_avg, rating_count,
           instant_book, property_type)
  where status = 'published';

-- Functions ------------------------------------------------------------------------------------------------------

-- Runs as the owner so that a policy can ask "is the caller this property's host?" without recursing into the
-- policies of properties.
create function private.is_property_host(property_id uuid) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.properties p
    where p.id = is_property_host.property_id and p.host_id = (select auth.uid())
  )
$$;
comment on function private.is_property_host(uuid) is 'True when the caller is the host of the property.';

-- A Storage object name is <property_id>/<file>; true when the caller hosts that property.
create function private.is_property_folder_host(object_name text) returns boolean
language sql stable
set search_path = ''
as $$
  select case
    when (storage.foldername(object_name))[1] ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      and array_length(storage.foldername(object_name), 1) = 1
    then private.is_property_host((storage.foldername(object_name))[1]::uuid)
    else false
  end
$$;
comment on function private.is_property_folder_host(text) is 'True when a Storage object name lies directly in the folder of a property the caller hosts.';

create function private.is_published_property_folder(object_name text) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.properties p
    where p.id::text = (storage.foldername(object_name))[1] and p.status = 'published'
  )
$$;
comment on function private.is_published_property_folder(text) is 'True when a Storage object lies in the folder of a published listing.';

-- The one fee rule: percentages of the stay's subtotal (accommodation after discount, plus cleaning),
-- rounded half up to the unit with integer arithmetic.
create function private.fee_split(subtotal_cents bigint, out service_fee_cents bigint, out host_fee_cents bigint)
language sql immutable strict
set search_path = ''
as $$
  select (subtotal_cents * 14 + 50) / 100, (subtotal_cents * 3 + 50) / 100
$$;
comment on function private.fee_split(bigint) is 'The fee rule: guest service fee 14% and host fee 3% of the subtotal, rounded half up.';

-- Local "today" at the property.
create function private.local_today(time_zone text) returns date
language sql stable
set search_path = ''
as $$
  select (pg_catalog.now() at time zone time_zone)::date
$$;
comment on function private.local_today(text) is 'Today''s date in the given time zone.';

-- Nights of [check_in, check_out) not claimed by a block or a live booking hold. Runs as the owner because the
-- claims are private; it says only free or not. The one availability rule: request_booking (through stay_refusal),
-- quote_stay and search_properties all ask it. PL/pgSQL rather than SQL so that its statement is planned once per
-- session, not on every request_booking (a SQL function called once per query is planned on each call).
create function private.nights_are_free(property_id uuid, check_in date, check_out date) returns boolean
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  return not exists (
    select 1 from private.calendar_claims c
    where c.property_id = nights_are_free.property_id
      and c.nights && daterange(nights_are_free.check_in, nights_are_free.check_out)
      and (c.expires_at is null or c.expires_at > pg_catalog.now())
  );
end
$$;
comment on function private.nights_are_free(uuid, date, date) is 'True when no block or live booking claims any night of [check_in, check_out).';

-- The price of a stay at a property, whether or not it can be booked: nightly prices (seasonal rate or base),
-- discount, cleaning, fees. Shared by quote_stay and request_booking so a booking freezes exactly the quote, and by
-- search_properties for its totals. itemized => false leaves out the per-night list (nightly is null), which only
-- saves building it (search shows totals only): every amount comes from the same statement either way.
create function private.price_stay(property public.properties, check_in date, check_out date, itemized boolean default true)
returns public.stay_quote
language plpgsql stable
set search_path = ''
as $$
declare
  quote public.stay_quote;
  discount_pct integer;
  subtotal bigint;
  fees record;
begin
  -- Each night at its seasonal rate or the listing's price. The listing's rates overlapping the stay are read once
  -- (through the seasonal_rates_do_not_overlap GiST index) and joined to the nights, not looked up night by night;
  -- rates never overlap each other, so a night matches at most one.
  select case when itemized then
           coalesce(jsonb_agg(jsonb_build_object('night', n.night, 'price_cents', n.price_cents) order by n.night)
                      filter (where itemized), '[]'::jsonb)
         end,
         coalesce(sum(n.price_cents), 0)
    into quote.nightly, quote.accommodation_cents
    from (
      select night::date as night, coalesce(r.nightly_price_cents, property.nightly_price_cents) as price_cents
      from generate_series(check_in, check_out - 1, interval '1 day') as night
      left join (
        select s.start_date, s.end_date, s.nightly_price_cents from public.seasonal_rates s
        where s.property_id = property.id and daterange(s.start_date, s.end_date) && daterange(check_in, check_out)
      ) r on night::date >= r.start_date and night::date < r.end_date
    ) n;
  quote.nights := check_out - check_in;
  quote.currency := property.currency;
  discount_pct := case
    when quote.nights >= 28 then property.monthly_discount_pct
    when quote.nights >= 7 then property.weekly_discount_pct
    else 0
  end;
  quote.discount_cents := (quote.accommodation_cents * discount_pct + 50) / 100;
  quote.cleaning_fee_cents := property.cleaning_fee_cents;
  subtotal := quote.accommodation_cents - quote.discount_cents + quote.cleaning_fee_cents;
  fees := private.fee_split(subtotal);
  quote.service_fee_cents := fees.service_fee_cents;
  quote.host_fee_cents := fees.host_fee_cents;
  quote.total_cents := subtotal + fees.service_fee_cents;
  quote.host_payout_cents := subtotal - fees.host_fee_cents;
  return quote;
end
$$;
comment on function private.price_stay(public.properties, date, date, boolean) is 'Prices [check_in, check_out) at a property: nightly (seasonal or base), discount, cleaning, fees.';

-- Why a stay cannot be booked, or null when it can. Shared by quote_stay and request_booking.
create function private.stay_refusal(property public.properties, check_in date, check_out date, guests integer) returns text
language sql stable
set search_path = ''
as $$
  select case
    when property.id is null or property.status <> 'published' then 'not_found'
    when check_in is null or check_out is null or check_out <= check_in then 'invalid_dates'
    when check_in < private.local_today(property.time_zone) then 'past_dates'
    when guests is null or guests < 1 then 'invalid_guests'
    when guests > property.max_guests then 'too_many_guests'
    when check_out - check_in < property.min_nights then 'below_min_nights'
    when check_out - check_in > property.max_nights then 'above_max_nights'
    when not private.nights_are_free(property.id, check_in, check_out) then 'unavailable'
  end
$$;
comment on function private.stay_refusal(public.properties, date, date, integer) is 'The reason code a stay cannot be booked, or null.';

create function public.quote_stay(property_id uuid, check_in date, check_out date, guests integer default 1)
returns public.stay_quote
language plpgsql stable
set search_path = ''
as $$
declare
  property public.properties;
  quote public.stay_quote;
  reason text;
begin
  select p.* into property from public.properties p where p.id = quote_stay.property_id;
  reason := private.stay_refusal(property, check_in, check_out, guests);
  if reason in ('not_found', 'invalid_dates') or check_out - check_in > 1125 then
    quote.bookable := false;
    quote.reason := coalesce(reason, 'above_max_nights');
    quote.currency := property.currency;
    return quote;
  end if;
  quote := private.price_stay(property, check_in, check_out);
  quote.bookable := reason is null;
  quote.reason := reason;
  return quote;
end
$$;
comment on function public.quote_stay(uuid, date, date, integer) is
  'Whether a stay can be booked and its exact price. An impossible stay is an answer (bookable false, reason), not an error.';

create function private.calendar_claims_of(property_id uuid, from_date date, to_date date)
returns table (nights daterange)
language sql stable
security definer
set search_path = ''
as $$
  select c.nights from private.calendar_claims c
  where c.property_id = calendar_claims_of.property_id
    and c.nights && daterange(from_date, to_date)
    and (c.expires_at is null or c.expires_at > pg_catalog.now())
$$;
comment on function private.calendar_claims_of(uuid, date, date) is 'Live claimed ranges of a property overlapping [from_date, to_date); only ranges, never who claimed them.';

create function public.property_calendar(property_id uuid, from_date date, to_date date)
returns table (night date, available boolean, price_cents integer)
language plpgsql stable
set search_path = ''
as $$
declare
  property public.properties;
begin
  if from_date is null or to_date is null or to_date <= from_date then
    raise exception 'to_date must be after from_date' using errcode = '22023', hint = 'invalid_dates';
  end if;
  if to_date - from_date > 366 then
    raise exception 'a calendar spans at most a year (366 nights) per call' using errcode = '22023', hint = 'range_too_long';
  end if;
  select p.* into property from public.properties p where p.id = property_calendar.property_id;
  if property.id is null then
    raise exception 'no listing % that you can see', property_id using errcode = 'PT404', hint = 'not_found';
  end if;
  return query
    with claims as (
      select c.nights from private.calendar_claims_of(property.id, from_date, to_date) c
    )
    select d::date,
           d::date >= private.local_today(property.time_zone)
             and not exists (select 1 from claims c where c.nights @> d::date),
           coalesce((select r.nightly_price_cents from public.seasonal_rates r
                     where r.property_id = property.id and d::date >= r.start_date and d::date < r.end_date),
                    property.nightly_price_cents)
    from generate_series(from_date, to_date - 1, interval '1 day') d
    order by 1;
end
$$;
comment on function public.property_calendar(uuid, date, date) is 'Per night of [from_date, to_date): available or not, and its price. At most 366 nights.';

-- Host blocks claim their nights (and give them back) in the same transaction.
create function private.sync_block_claim() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into private.calendar_claims (property_id, nights, block_id)
    values (new.property_id, daterange(new.start_date, new.end_date), new.id);
  elsif tg_op = 'UPDATE' then
    update private.calendar_claims
       set nights = daterange(new.start_date, new.end_date), property_id = new.property_id
     where block_id = new.id;
  end if;
  return new;
end
$$;
comment on function private.sync_block_claim() is 'Trigger: a host block claims its nights in private.calendar_claims (deletes cascade).';

-- The host of a listing may change everything a client may change; an admin may only archive it.
create function private.guard_property_update() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- current_user, not the JWT role: a security definer job (ratings) runs as the owner and is not a client.
  if current_user = 'authenticated' and old.host_id is distinct from (select auth.uid()) then
    if (select private.is_admin())
       and new.status = 'archived'
       -- every other column a client may update (the update grant below) is unchanged
       and (new.title, new.description, new.property_type, new.address_line, new.city, new.region, new.postal_code,
            new.country_code, new.latitude, new.longitude, new.time_zone, new.max_guests, new.bedrooms, new.beds,
            new.bathrooms, new.nightly_price_cents, new.currency, new.cleaning_fee_cents, new.weekly_discount_pct,
            new.monthly_discount_pct, new.min_nights, new.max_nights, new.instant_book, new.cancellation_policy,
            new.check_in_time, new.check_out_time)
           is not distinct from
           (old.title, old.description, old.property_type, old.address_line, old.city, old.region, old.postal_code,
            old.country_code, old.latitude, old.longitude, old.time_zone, old.max_guests, old.bedrooms, old.beds,
            old.bathrooms, old.nightly_price_cents, old.currency, old.cleaning_fee_cents, old.weekly_discount_pct,
            old.monthly_discount_pct, old.min_nights, old.max_nights, old.instant_book, old.cancellation_policy,
            old.check_in_time, old.check_out_time) then
      return new;
    end if;
    raise exception 'only the host may change this listing; an admin may only archive it'
      using errcode = '42501', hint = 'not_listing_host';
  end if;
  return new;
end
$$;
comment on function private.guard_property_update() is 'Trigger: an admin may only set status = archived on a listing that is not theirs.';

-- Triggers -------------------------------------------------------------------------------------------------------

create trigger properties_touch_updated_at before update on public.properties
  for each row execute function private.touch_updated_at();
create trigger properties_guard_update before update on public.properties
  for each row execute function private.guard_property_update();
create trigger availability_blocks_claim after insert or update on public.availability_blocks
  for each row execute function private.sync_block_claim();

-- Grants ---------------------------------------------------------------------------------------------------------

revoke all on function private.sync_block_claim(), private.guard_property_update() from public, anon, authenticated, service_role;
revoke all on function private.is_property_host(uuid), private.is_property_folder_host(text),
  private.is_published_property_folder(text), private.nights_are_free(uuid, date, date),
  private.calendar_claims_of(uuid, date, date), private.price_stay(public.properties, date, date, boolean),
  private.stay_refusal(public.properties, date, date, integer), private.fee_split(bigint),
  private.local_today(text) from public;
grant execute on function private.is_property_host(uuid), private.is_property_folder_host(text),
  private.is_published_property_folder(text), private.nights_are_free(uuid, date, date),
  private.calendar_claims_of(uuid, date, date), private.price_stay(public.properties, date, date, boolean),
  private.stay_refusal(public.properties, date, date, integer), private.fee_split(bigint),
  private.local_today(text) to anon, authenticated, service_role;

revoke all on table private.calendar_claims from public, anon, authenticated;
grant select on table private.calendar_claims to service_role;

-- Catalogues are read-only for clients.
revoke insert, update, delete, truncate, references, trigger on public.currencies, public.amenities from anon, authenticated;

-- Listings: anon only reads; hosts write the columns a host owns (never id, host_id, ratings, timestamps).
revoke insert, update, delete, truncate, references, trigger on public.properties from anon, authenticated;
grant insert (title, description, property_type, status, address_line, city, region, postal_code, country_code,
              latitude, longitude, time_zone, max_guests, bedrooms, beds, bathrooms, nightly_price_cents, currency,
              cleaning_fee_cents, weekly_discount_pct, monthly_discount_pct, min_nights, max_nights, instant_book,
              cancellation_policy, check_in_time, check_out_time, host_id)
  on public.properties to authenticated;
grant update (title, description, property_type, status, address_line, city, region, postal_code, country_code,
              latitude, longitude, time_zone, max_guests, bedrooms, beds, bathrooms, nightly_price_cents, currency,
              cleaning_fee_cents, weekly_discount_pct, monthly_discount_pct, min_nights, max_nights, instant_book,
              cancellation_policy, check_in_time, check_out_time)
  on public.properties to authenticated;
grant delete on public.properties to authenticated;

revoke insert, update, delete, truncate, references, trigger
  on public.property_photos, public.property_amenities, public.availability_blocks, public.seasonal_rates from anon;
revoke truncate, references, trigger
  on public.property_photos, public.property_amenities, public.availability_blocks, public.seasonal_rates from authenticated;
revoke update on public.property_amenities from authenticated;
revoke update on public.property_photos from authenticated;
grant update (position, caption) on public.property_photos to authenticated;
revoke update on public.availability_blocks, public.seasonal_rates from authenticated;
grant update (start_date, end_date, note) on public.availability_blocks to authenticated;
grant update (start_date, end_date, nightly_price_cents, label) on public.seasonal_rates to authenticated;

-- Row-level security ---------------------------------------------------------------------------------------------

alter table public.currencies enable row level security;
alter table public.amenities enable row level security;
alter table public.properties enable row level security;
alter table public.property_photos enable row level security;
alter table public.property_amenities enable row level security;
alter table public.availability_blocks enable row level security;
alter table public.seasonal_rates enable row level security;
alter table private.calendar_claims enable row level security;
alter table private.time_zones enable row level security;
revoke all on table private.time_zones from public, anon, authenticated;

create policy "currencies are public" on public.currencies for select to anon, authenticated using (true);
create policy "amenities are public" on public.amenities for select to anon, authenticated using (true);

create policy "anon reads published listings" on public.properties
  for select to anon
  using (status = 'published');
create policy "members read published listings, their own, and admins all" on public.properties
  for select to authenticated
  using (status = 'published' or host_id = (select auth.uid()) or (select private.is_admin()));
create policy "hosts create listings as themselves" on public.properties
  for insert to authenticated
  with check (host_id = (select auth.uid()));
create policy "hosts edit their own listings, admins archive any" on public.properties
  for update to authenticated
  using (host_id = (select auth.uid()) or (select private.is_admin()))
  with check (host_id = (select auth.uid()) or (select private.is_admin()));
create policy "hosts delete their own listings" on public.properties
  for delete to authenticated
  using (host_id = (select auth.uid()));

-- Photos, amenities and rates are visible exactly when their listing is (the subquery runs under the listing's
-- policies); blocks only to the host and admins.
create policy "photos of visible listings are visible" on public.property_photos
  for select to anon, authenticated
  using (exists (select 1 from public.properties p where p.id = property_id));
create policy "hosts add photos to their listings" on public.property_photos
  for insert to authenticated with check ((select private.is_property_host(property_id)));
create policy "hosts reorder their photos" on public.property_photos
  for update to authenticated
  using ((select private.is_property_host(property_id)))
  with check ((select private.is_property_host(property_id)));
create policy "hosts remove their photos" on public.property_photos
  for delete to authenticated using ((select private.is_property_host(property_id)));

create policy "amenities of visible listings are visible" on public.property_amenities
  for select to anon, authenticated
  using (exists (select 1 from public.properties p where p.id = property_id));
create policy "hosts add amenities to their listings" on public.property_amenities
  for insert to authenticated with check ((select private.is_property_host(property_id)));
create policy "hosts remove amenities from their listings" on public.property_amenities
  for delete to authenticated using ((select private.is_property_host(property_id)));

create policy "rates of visible listings are visible" on public.seasonal_rates
  for select to anon, authenticated
  using (exists (select 1 from public.properties p where p.id = property_id));
create policy "hosts add rates to their listings" on public.seasonal_rates
  for insert to authenticated with check ((select private.is_property_host(property_id)));
create policy "hosts change their rates" on public.seasonal_rates
  for update to authenticated
  using ((select private.is_property_host(property_id)))
  with check ((select private.is_property_host(property_id)));
create policy "hosts remove their rates" on public.seasonal_rates
  for delete to authenticated using ((select private.is_property_host(property_id)));

create policy "hosts and admins read blocks" on public.availability_blocks
  for select to authenticated
  using ((select private.is_property_host(property_id)) or (select private.is_admin()));
create policy "hosts block nights of their listings" on public.availability_blocks
  for insert to authenticated with check ((select private.is_property_host(property_id)));
create policy "hosts change their blocks" on public.availability_blocks
  for update to authenticated
  using ((select private.is_property_host(property_id)))
  with check ((select private.is_property_host(property_id)));
create policy "hosts remove their blocks" on public.availability_blocks
  for delete to authenticated using ((select private.is_property_host(property_id)));

-- Storage: the public bucket of listing photos; hosts write only in their own listing's folder.
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('property-photos', 'property-photos', true, 10485760, array['image/jpeg', 'image/png', 'image/webp'])
on conflict (id) do nothing;

create policy "listing photos are readable when the listing is published, yours, or you are an admin" on storage.objects
  for select to anon, authenticated
  using (bucket_id = 'property-photos'
         and ((select private.is_published_property_folder(name)) or (select private.is_property_folder_host(name))
              or (select private.is_admin())));
create policy "hosts upload photos into their listing's folder" on storage.objects
  for insert to authenticated
  with check (bucket_id = 'property-photos' and (select private.is_property_folder_host(name)));
create policy "hosts replace photos in their listing's folder" on storage.objects
  for update to authenticated
  using (bucket_id = 'property-photos' and (select private.is_property_folder_host(name)))
  with check (bucket_id = 'property-photos' and (select private.is_property_folder_host(name)));
create policy "hosts delete photos from their listing's folder" on storage.objects
  for delete to authenticated
  using (bucket_id = 'property-photos' and (select private.is_property_folder_host(name)));

-- Catalogues -----------------------------------------------------------------------------------------------------

insert into public.currencies (code, minor_units, name) values
  ('USD', 2, 'US dollar'), ('EUR', 2, 'Euro'), ('GBP', 2, 'Pound sterling'), ('JPY', 0, 'Japanese yen'),
  ('AUD', 2, 'Australian dollar'), ('NZD', 2, 'New Zealand dollar'), ('CAD', 2, 'Canadian dollar'),
  ('CHF', 2, 'Swiss franc'), ('SEK', 2, 'Swedish krona'), ('NOK', 2, 'Norwegian krone'), ('DKK', 2, 'Danish krone'),
  ('MXN', 2, 'Mexican peso'), ('BRL', 2, 'Brazilian real'), ('ZAR', 2, 'South African rand'),
  ('SGD', 2, 'Singapore dollar'), ('HKD', 2, 'Hong Kong dollar'), ('KRW', 0, 'South Korean won'),
  ('INR', 2, 'Indian rupee'), ('THB', 2, 'Thai baht'), ('ISK', 0, 'Icelandic krona'), ('AED', 2, 'UAE dirham'),
  ('PLN', 2, 'Polish zloty'), ('CZK', 2, 'Czech koruna'), ('TRY', 2, 'Turkish lira');

insert into public.amenities (code, label, category) values
  ('wifi', 'Wi-Fi', 'essentials'), ('kitchen', 'Kitchen', 'essentials'), ('washer', 'Washer', 'essentials'),
  ('dryer', 'Dryer', 'essentials'), ('heating', 'Heating', 'essentials'),
  ('air_conditioning', 'Air conditioning', 'essentials'), ('workspace', 'Dedicated workspace', 'essentials'),
  ('tv', 'TV', 'entertainment'), ('free_parking', 'Free parking on premises', 'parking'),
  ('ev_charger', 'EV charger', 'parking'), ('pool', 'Pool', 'outdoors'), ('hot_tub', 'Hot tub', 'outdoors'),
  ('bbq_grill', 'BBQ grill', 'outdoors'), ('beach_access', 'Beach access', 'outdoors'),
  ('fireplace', 'Indoor fireplace', 'comfort'), ('gym', 'Gym', 'comfort'), ('crib', 'Crib', 'family'),
  ('pets_allowed', 'Pets allowed', 'policies'), ('self_check_in', 'Self check-in', 'policies'),
  ('smoke_alarm', 'Smoke alarm', 'safety');

-- The IANA time zones this server knows, copied once from pg_timezone_names (which reads the zone files on every
-- query: far too slow to consult on every write). A foreign key checks a listing's zone only when it changes.
insert into private.time_zones (name)
select name from pg_catalog.pg_timezone_names
on conflict do nothing;
