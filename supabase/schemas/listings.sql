-- Listings: properties, their photos and amenities, the catalogues they draw on, and Storage for photos.
--
-- Rules enforced here:
--   * everyone (anon included) reads published listings and their photos and amenities; drafts and archived
--     listings only their host and admins see;
--   * a host creates listings (host_id is always the caller), edits and archives their own, and manages their
--     photos (rows and Storage objects under <property_id>/ in the `property-photos` bucket) and amenities; nobody
--     else changes any of it; an admin may only archive (unpublish) another host's listing;
--   * listing photos live in a private bucket: Storage serves a photo (through a signed URL) only to a caller who may
--     see its listing; a host uploads only <property_id>/<random v4 uuid>.<jpg|jpeg|png|webp>, so names are not
--     guessable;
--   * the columns the database keeps (ratings, amenity_codes, cover_photo, search_document, and the public point
--     latitude/longitude, derived from the exact location in locations.sql) have no client column privilege;
--   * the exact place (street address, postal code, exact point) is not here: property_locations (locations.sql);
--   * an admin's archive is a moderation lock: it carries a reason the host reads (moderation_reason), and while it
--     is set the host cannot change the listing's status; only an admin sets, changes or lifts it;
--   * a listing takes bookings at most booking_window_days ahead (365 by default, 730 at most; bookings.sql);
--   * text is stored trimmed (private.trimmed) and every text column a client writes has a length bound;
--   * money is integer minor units in the listing's ISO 4217 currency; dates are the listing's local dates
--     (private.local_today).

-- Types ----------------------------------------------------------------------------------------------------------

create type public.property_type as enum ('apartment', 'house', 'cabin', 'room', 'villa', 'loft', 'cottage', 'other');
create type public.listing_status as enum ('draft', 'published', 'archived');
create type public.cancellation_policy as enum ('flexible', 'moderate', 'strict');

-- Tables ---------------------------------------------------------------------------------------------------------

create table public.currencies (
  code text primary key constraint currency_code_format check (code ~ '^[A-Z]{3}$'),
  minor_units smallint not null constraint minor_units_range check (minor_units between 0 and 3),
  name text not null constraint currency_name_length check (char_length(name) between 1 and 100)
);
comment on table public.currencies is 'ISO 4217 currencies a listing may be priced in; minor_units says how many decimals one unit has.';

create table private.time_zones (
  name text primary key
);
comment on table private.time_zones is 'IANA time zone names a listing may use (Pacific/Auckland, America/Los_Angeles, UTC, ...).';

create table public.properties (
  id uuid primary key default gen_random_uuid(),
  host_id uuid default auth.uid() references public.profiles (id) on delete set null,
  title text not null constraint title_length check (private.text_within('title', title, 3, 120)),
  description text not null default '' constraint description_length check (private.text_within('description', description, 0, 5000)),
  property_type public.property_type not null default 'apartment',
  status public.listing_status not null default 'draft',
  city text not null constraint city_length check (private.text_within('city', city, 1, 100)),
  region text not null default '' constraint region_length check (private.text_within('region', region, 0, 100)),
  country_code text not null constraint country_code_is_iso_3166_alpha_2 check (country_code ~ '^[A-Z]{2}$'),
  -- The public point, kept by the database from the exact location (locations.sql); null without one.
  latitude double precision constraint latitude_range check (latitude between -90 and 90),
  longitude double precision constraint longitude_range check (longitude between -180 and 180),
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
  -- Kept by the database: the search document and amenity codes (search), the cover photo (photo triggers).
  search_document tsvector generated always as (
    setweight(to_tsvector('english'::regconfig, title), 'A')
    || setweight(to_tsvector('english'::regconfig, city || ' ' || region), 'B')
    || setweight(to_tsvector('english'::regconfig, description), 'C')
  ) stored,
  amenity_codes text[] not null default '{}',
  rating_sum bigint not null default 0,
  cleanliness_sum bigint not null default 0,
  accuracy_sum bigint not null default 0,
  communication_sum bigint not null default 0,
  location_sum bigint not null default 0,
  check_in_sum bigint not null default 0,
  value_sum bigint not null default 0,
  cleanliness_avg numeric(3, 2),
  accuracy_avg numeric(3, 2),
  communication_avg numeric(3, 2),
  location_avg numeric(3, 2),
  check_in_avg numeric(3, 2),
  value_avg numeric(3, 2),
  cover_photo text constraint cover_photo_length check (char_length(cover_photo) <= 1024),
  booking_window_days integer not null default 365
    constraint booking_window_range check (booking_window_days between 1 and 730),
  moderation_reason text constraint moderation_reason_length check (private.text_within('moderation_reason', moderation_reason, 1, 1000)),
  constraint moderation_lock_is_an_archive check (moderation_reason is null or status = 'archived'),
  constraint nights_within_policy check (min_nights <= max_nights),
  -- Rating sums and counts (kept by reviews.sql) make the averages exact.
  constraint rating_totals_in_range check (
    rating_count >= 0
    and rating_sum between rating_count and 5 * rating_count::bigint
    and cleanliness_sum between rating_count and 5 * rating_count::bigint
    and accuracy_sum between rating_count and 5 * rating_count::bigint
    and communication_sum between rating_count and 5 * rating_count::bigint
    and location_sum between rating_count and 5 * rating_count::bigint
    and check_in_sum between rating_count and 5 * rating_count::bigint
    and value_sum between rating_count and 5 * rating_count::bigint)
);
comment on table public.properties is 'A listing: a place hosts offer. Prices in minor units of currency; dates in time_zone.';
comment on column public.properties.host_id is 'The creating user: always the caller (row-level security), never changed; null once the host was erased.';
comment on column public.properties.latitude is
  'Public point (with longitude): 150-500 m from the exact location (property_locations), derived by the database, never written by clients; null without a location.';
comment on column public.properties.longitude is 'Public point''s longitude: see latitude.';
comment on column public.properties.rating_avg is 'Average of published guest ratings: kept by the database only.';
comment on column public.properties.rating_count is 'Published, non-hidden guest reviews of this listing: kept by the database only.';
comment on column public.properties.rating_sum is 'Sum of the ratings counted in rating_count (kept by the database; the *_sum columns make averages exact).';
comment on column public.properties.cleanliness_avg is 'Average cleanliness of the counted reviews, like rating_avg; likewise accuracy_avg, communication_avg, location_avg, check_in_avg, value_avg.';
comment on column public.properties.search_document is 'Full-text document of title (A), city and region (B) and description (C), English stemming: search_properties(query).';
comment on column public.properties.amenity_codes is 'The listing''s amenity codes, kept by the database from property_amenities (search filters on it).';
comment on column public.properties.cover_photo is
  'Storage path of the listing''s first photo (position 0), kept by the database from property_photos; null without one.';
comment on column public.properties.booking_window_days is
  'How far ahead the listing takes bookings: check-in at most this many days after today where the listing is (1..730, default 365).';
comment on column public.properties.moderation_reason is
  'Set by an admin who archived the listing (a moderation lock, with the reason the host reads); while set, only an admin changes the status. Null: no lock.';

create table public.property_photos (
  id uuid primary key default gen_random_uuid(),
  property_id uuid not null references public.properties (id) on delete cascade,
  storage_path text not null constraint storage_path_length check (char_length(storage_path) <= 1024),
  position integer not null default 0 constraint position_not_negative check (position >= 0),
  caption text not null default '' constraint caption_length check (private.text_within('caption', caption, 0, 300)),
  created_at timestamptz not null default now(),
  -- The Storage object the row names: in the listing's folder, a random v4 uuid as file name (not guessable).
  constraint photo_in_property_folder check (storage_path ~ ('^' || property_id::text || '/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}[.](jpg|jpeg|png|webp)$')),
  constraint photo_path_unique unique (storage_path),
  constraint photo_position_unique unique (property_id, position) deferrable initially deferred
);
comment on table public.property_photos is 'A listing''s ordered photos (position 0 is the cover); files live in Storage bucket property-photos under <property_id>/.';

create table public.amenities (
  code text primary key constraint amenity_code_format check (code ~ '^[a-z][a-z_]*$'),
  label text not null constraint amenity_label_length check (char_length(label) between 1 and 100),
  category text not null constraint amenity_category_length check (char_length(category) between 1 and 50)
);
comment on table public.amenities is 'The fixed amenity catalogue, keyed by code.';

create table public.property_amenities (
  property_id uuid not null references public.properties (id) on delete cascade,
  amenity_code text not null references public.amenities (code),
  primary key (property_id, amenity_code)
);
comment on table public.property_amenities is 'Which amenities a listing offers.';

-- Indexes --------------------------------------------------------------------------------------------------------

create index properties_host_id_idx on public.properties (host_id);
create index properties_currency_idx on public.properties (currency);
create index property_amenities_amenity_code_idx on public.property_amenities (amenity_code);
-- Location as a core point (x = longitude, y = latitude) in a GiST index: map boxes (<@ box) and radius searches
-- (bounding box first, exact great-circle distance after) use it; see docs/search.md.
-- It carries the columns search filters and sorts candidates on (and the zone and booking window it tests the stay's
-- check-in against), so a box or radius reads its candidates from the index alone (index-only scan: ~12 buffer reads
-- for a city box instead of one heap page per listing, ~140) and fetches only the page's rows.
create index properties_published_location_idx on public.properties
  using gist (point(longitude, latitude))
  include (id, latitude, longitude, max_guests, min_nights, max_nights, nightly_price_cents, rating_avg, rating_count,
           instant_book, property_type, time_zone, booking_window_days)
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

-- A listing photo's Storage object name is <property_id>/<random v4 uuid>.<jpg|jpeg|png|webp>: the folder names the
-- listing, the file name is generated by the uploading client (not guessable). Immutable, so a policy evaluates it
-- from the row alone and probes properties by primary key with its result.
-- PL/pgSQL, not SQL: the Storage read policy calls it once a request, and a SQL function with a SET clause is planned
-- afresh in every query that calls it (~0.05 ms, a third of a photo read); PL/pgSQL keeps its expression for the session.
create function private.photo_folder_id(object_name text) returns uuid
language plpgsql immutable
set search_path = ''
as $$
begin
  return case
    when object_name ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[^/]+$'
    then pg_catalog.split_part(object_name, '/', 1)::uuid
  end;
end
$$;
comment on function private.photo_folder_id(text) is
  'The listing id of a Storage object name <property_id>/<file> (exactly one folder level); null for any other name.';

create function private.is_random_photo_name(object_name text) returns boolean
language sql immutable
set search_path = ''
as $$
  select coalesce(object_name ~ ('^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/'
                                 '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}[.](jpg|jpeg|png|webp)$'), false)
$$;
comment on function private.is_random_photo_name(text) is
  'True for a photo object name <property_id>/<random v4 uuid>.<jpg|jpeg|png|webp> (lower case), the only names hosts upload.';

-- Local "today" at the property. PL/pgSQL so that it is planned once per session (a SQL function that sets its
-- search_path cannot be inlined and is planned on every call).
create function private.local_today(time_zone text) returns date
language plpgsql stable
set search_path = ''
as $$
begin
  return (pg_catalog.now() at time zone time_zone)::date;
end
$$;
comment on function private.local_today(text) is 'Today''s date in the given time zone.';

-- Before a listing's zone or currency is written: a name outside the catalogues is bad input (22023, hint
-- unknown_time_zone or unknown_currency), refused before the foreign keys would answer 23503. Runs as the owner: the
-- zone catalogue is not readable by clients.
create function private.refuse_unknown_catalogue_entries() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not exists (select from private.time_zones z where z.name = new.time_zone) then
    raise exception 'time_zone is not a canonical IANA time zone name (Europe/Paris, America/New_York, UTC, ...)'
      using errcode = '22023', hint = 'unknown_time_zone';
  end if;
  if not exists (select from public.currencies c where c.code = new.currency) then
    raise exception 'currency is not an ISO 4217 code the marketplace takes (public.currencies)'
      using errcode = '22023', hint = 'unknown_currency';
  end if;
  return new;
end
$$;
comment on function private.refuse_unknown_catalogue_entries() is
  'Trigger: refuses a listing whose time_zone or currency is not in the catalogues with 22023 (unknown_time_zone, unknown_currency).';

-- The host of a listing may change everything a client may change, except a moderation lock; an admin may only
-- archive it with a reason (the lock), change that reason, or lift the lock.
create function private.guard_property_update() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
begin
  -- current_user, not the JWT role: a security definer job (ratings) runs as the owner and is not a client.
  if current_user <> 'authenticated' then
    return new;
  end if;
  if caller is null or old.host_id is null or old.host_id <> caller then
    -- Only admins get here (the update policy); one without a second factor is refused before anything else.
    perform private.require_admin();
    -- every other column a client may update (the update grant below) is unchanged
    if (new.title, new.description, new.property_type, new.city, new.region,
        new.country_code, new.time_zone, new.max_guests, new.bedrooms, new.beds,
        new.bathrooms, new.nightly_price_cents, new.currency, new.cleaning_fee_cents, new.weekly_discount_pct,
        new.monthly_discount_pct, new.min_nights, new.max_nights, new.instant_book, new.cancellation_policy,
        new.check_in_time, new.check_out_time, new.booking_window_days)
       is not distinct from
       (old.title, old.description, old.property_type, old.city, old.region,
        old.country_code, old.time_zone, old.max_guests, old.bedrooms, old.beds,
        old.bathrooms, old.nightly_price_cents, old.currency, old.cleaning_fee_cents, old.weekly_discount_pct,
        old.monthly_discount_pct, old.min_nights, old.max_nights, old.instant_book, old.cancellation_policy,
        old.check_in_time, old.check_out_time, old.booking_window_days) then
      if old.moderation_reason is not null and new.moderation_reason is null and new.status = old.status then
        return new;  -- the lock lifted; the host decides whether to publish again
      end if;
      if new.status = 'archived' and coalesce(private.trimmed(new.moderation_reason), '') <> '' then
        return new;  -- archived with a reason: the lock (set, or its reason changed)
      end if;
      if new.status = 'archived' then
        raise exception 'say why the listing is archived: the host reads the reason'
          using errcode = '22023', hint = 'moderation_reason_required';
      end if;
    end if;
    raise exception 'only the host may change this listing; an admin may only archive it'
      using errcode = '42501', hint = 'not_listing_host';
  end if;
  if new.moderation_reason is distinct from old.moderation_reason then
    raise exception 'only an admin sets or lifts a moderation lock' using errcode = '42501', hint = 'not_admin';
  end if;
  if old.moderation_reason is not null and new.status <> old.status then
    raise exception 'an admin archived this listing (%): only an admin lifts the lock', old.moderation_reason
      using errcode = 'PT409', hint = 'listing_under_moderation';
  end if;
  return new;
end
$$;
comment on function private.guard_property_update() is 'Trigger: an admin (at aal2) may only archive a listing that is not theirs (with a reason: the moderation lock), change the reason or lift the lock; the host cannot change the status of a locked listing.';

-- Keeps properties.amenity_codes in step with property_amenities, once per statement (bulk inserts stay cheap).
create function private.sync_amenity_codes() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    update public.properties p
       set amenity_codes = array(select a.amenity_code from public.property_amenities a
                                 where a.property_id = p.id order by a.amenity_code)
     where p.id in (select distinct n.property_id from new_amenities n);
  elsif tg_op = 'DELETE' then
    update public.properties p
       set amenity_codes = array(select a.amenity_code from public.property_amenities a
                                 where a.property_id = p.id order by a.amenity_code)
     where p.id in (select distinct o.property_id from old_amenities o);
  else
    update public.properties p
       set amenity_codes = array(select a.amenity_code from public.property_amenities a
                                 where a.property_id = p.id order by a.amenity_code)
     where p.id in (select o.property_id from old_amenities o union select n.property_id from new_amenities n);
  end if;
  return null;
end
$$;
comment on function private.sync_amenity_codes() is 'Statement trigger: recomputes properties.amenity_codes of the listings whose amenities changed.';

-- Sets properties.cover_photo of the given listings from their photos. Positions are unique only at commit (the
-- constraint is deferred so that hosts can reorder), so within a reordering two photos may share position 0 for a
-- moment: the smaller id wins until the statement that settles the order runs this again.
create function private.set_cover_photos(property_ids uuid[]) returns void
language sql
set search_path = ''
as $$
  update public.properties p
     set cover_photo = c.storage_path
    from (select i.id,
                 (select ph.storage_path from public.property_photos ph
                  where ph.property_id = i.id and ph.position = 0 order by ph.id limit 1) as storage_path
          from unnest(property_ids) i(id)) c
   where p.id = c.id and p.cover_photo is distinct from c.storage_path
$$;
comment on function private.set_cover_photos(uuid[]) is 'Sets properties.cover_photo of the given listings from their position-0 photo.';

-- Statement trigger: the listings whose photos changed get their cover again (as the owner: clients cannot write it).
create function private.sync_cover_photo() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.set_cover_photos(array(select distinct n.property_id from new_photos n));
  elsif tg_op = 'DELETE' then
    perform private.set_cover_photos(array(select distinct o.property_id from old_photos o));
  else
    perform private.set_cover_photos(array(select o.property_id from old_photos o union select n.property_id from new_photos n));
  end if;
  return null;
end
$$;
comment on function private.sync_cover_photo() is 'Statement trigger: recomputes properties.cover_photo of the listings whose photos changed.';

-- Triggers -------------------------------------------------------------------------------------------------------

create trigger properties_touch_updated_at before update on public.properties
  for each row execute function private.touch_updated_at();
create trigger properties_guard_update before update on public.properties
  for each row execute function private.guard_property_update();
create trigger properties_refuse_unknown_catalogue_entries before insert or update of time_zone, currency on public.properties
  for each row execute function private.refuse_unknown_catalogue_entries();
create trigger properties_store_trimmed_text
  before insert or update of title, description, city, region, moderation_reason
  on public.properties
  for each row execute function private.store_trimmed_text('title', 'description', 'city', 'region', 'moderation_reason');
create trigger property_photos_store_trimmed_text before insert or update of caption on public.property_photos
  for each row execute function private.store_trimmed_text('caption');
create trigger property_amenities_sync_codes_after_insert after insert on public.property_amenities
  referencing new table as new_amenities
  for each statement execute function private.sync_amenity_codes();
create trigger property_amenities_sync_codes_after_delete after delete on public.property_amenities
  referencing old table as old_amenities
  for each statement execute function private.sync_amenity_codes();
create trigger property_amenities_sync_codes_after_update after update on public.property_amenities
  referencing old table as old_amenities new table as new_amenities
  for each statement execute function private.sync_amenity_codes();
create trigger property_photos_sync_cover_after_insert after insert on public.property_photos
  referencing new table as new_photos
  for each statement execute function private.sync_cover_photo();
create trigger property_photos_sync_cover_after_delete after delete on public.property_photos
  referencing old table as old_photos
  for each statement execute function private.sync_cover_photo();
create trigger property_photos_sync_cover_after_update after update on public.property_photos
  referencing old table as old_photos new table as new_photos
  for each statement execute function private.sync_cover_photo();

-- Grants ---------------------------------------------------------------------------------------------------------

revoke all on function private.guard_property_update(), private.refuse_unknown_catalogue_entries(), private.sync_amenity_codes(), private.set_cover_photos(uuid[]),
  private.sync_cover_photo() from public, anon, authenticated, service_role;
-- The policies call these as the reader.
revoke all on function private.is_property_host(uuid), private.photo_folder_id(text), private.is_random_photo_name(text)
  from public;
grant execute on function private.is_property_host(uuid), private.photo_folder_id(text),
  private.is_random_photo_name(text) to anon, authenticated, service_role;
revoke all on function private.local_today(text) from public, anon, authenticated;
grant execute on function private.local_today(text) to service_role;

-- Table privileges are revoked, then granted exactly (Supabase's default privileges grant everything); row-level
-- security then decides the rows. The service role (edge functions, operators) reads and writes every table.
revoke all on table public.currencies, public.amenities, public.properties, public.property_photos,
  public.property_amenities from anon, authenticated, service_role;
grant select, insert, update, delete on table public.currencies, public.amenities, public.properties,
  public.property_photos, public.property_amenities to service_role;
revoke all on table private.time_zones from public, anon, authenticated;

-- Catalogues are read-only for clients.
grant select on table public.currencies, public.amenities to anon, authenticated;

-- Listings: anon only reads; hosts write the columns a host owns (never id, host_id, ratings, timestamps, nor the
-- public point, which the database derives from the exact location: locations.sql).
grant select on table public.properties to anon, authenticated;
grant insert (title, description, property_type, status, city, region, country_code, time_zone, max_guests, bedrooms,
              beds, bathrooms, nightly_price_cents, currency, cleaning_fee_cents, weekly_discount_pct, monthly_discount_pct, min_nights, max_nights, instant_book,
              cancellation_policy, check_in_time, check_out_time, booking_window_days, host_id)
  on public.properties to authenticated;
-- moderation_reason: admins only (private.guard_property_update).
grant update (title, description, property_type, status, city, region, country_code, time_zone, max_guests, bedrooms,
              beds, bathrooms, nightly_price_cents, currency, cleaning_fee_cents, weekly_discount_pct, monthly_discount_pct, min_nights, max_nights, instant_book,
              cancellation_policy, check_in_time, check_out_time, booking_window_days, moderation_reason)
  on public.properties to authenticated;
grant delete on public.properties to authenticated;

-- Photos and amenities: everyone reads (the policies say which); hosts add, remove and reorder.
grant select on table public.property_photos, public.property_amenities to anon, authenticated;
grant insert, delete on table public.property_photos, public.property_amenities to authenticated;
grant update (position, caption) on table public.property_photos to authenticated;

-- Row-level security ---------------------------------------------------------------------------------------------

alter table public.currencies enable row level security;
alter table public.amenities enable row level security;
alter table private.time_zones enable row level security;
alter table public.properties enable row level security;
alter table public.property_photos enable row level security;
alter table public.property_amenities enable row level security;

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
-- An admin's update reaches the trigger at any assurance level, so that one without a second factor is told so
-- (mfa_required) rather than finding nothing to update; the trigger lets admins at aal2 archive and nothing else.
create policy "hosts edit their own listings, admins archive any" on public.properties
  for update to authenticated
  using (host_id = (select auth.uid()) or (select private.holds_admin_role()))
  with check (host_id = (select auth.uid()) or (select private.holds_admin_role()));
create policy "hosts delete their own listings" on public.properties
  for delete to authenticated
  using (host_id = (select auth.uid()));

-- Photos and amenities are visible exactly when their listing is (the subquery runs under the listing's policies).
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

-- Storage: listing photos live in the private bucket `property-photos` (created by a data migration): Storage serves
-- them only through signed URLs (createSignedUrl(s)), which it signs only for a caller this select policy lets read
-- the object. A photo is readable exactly when its listing is (the subquery runs under the listing's policies:
-- published for everyone, drafts and archived listings for their host and admins). Two guards keep every read by
-- name cheap at any scale (docs/search.md, "Storage reads"):
-- - Storage's folder listings (storage.operation() names a list route) see no object: the policy's bucket is null
--   for them. Storage's listing functions narrow by lower(name), which no index serves under row-level security, so
--   a listing would test the policy on every object of the bucket; with the bucket a sub-select the planner compares
--   it with the caller's bucket once and never starts the scan. Frontends read a listing's photos from
--   public.property_photos instead.
-- - The folder's listing id is a sub-select and `offset 0` keeps the EXISTS a per-object subplan, so each object is
--   one probe of the listing's primary key (called bare, the planner hashes every listing the caller can see).
-- Hosts write only in their own listing's folder, and only names <property_id>/<random v4 uuid>.<ext>.
create policy "listing photos: of listings the caller can see" on storage.objects
  for select to anon, authenticated
  using (bucket_id = (select case when storage.operation() in ('storage.object.list', 'storage.object.list_v2',
                                                                'storage.s3.object.list') then null
                                  else 'property-photos' end)
         and exists (select 1 from public.properties p where p.id = (select private.photo_folder_id(name)) offset 0));
create policy "hosts upload photos into their listing's folder" on storage.objects
  for insert to authenticated
  with check (bucket_id = 'property-photos' and private.is_random_photo_name(name)
              and private.is_property_host(private.photo_folder_id(name)));
create policy "hosts replace photos in their listing's folder" on storage.objects
  for update to authenticated
  using (bucket_id = 'property-photos' and private.is_property_host(private.photo_folder_id(name)))
  with check (bucket_id = 'property-photos' and private.is_random_photo_name(name)
              and private.is_property_host(private.photo_folder_id(name)));
create policy "hosts delete photos from their listing's folder" on storage.objects
  for delete to authenticated
  using (bucket_id = 'property-photos' and private.is_property_host(private.photo_folder_id(name)));
