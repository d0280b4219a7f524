-- Locations: a listing's exact place, and the public point everyone else sees.
--
-- Rules enforced here:
--   * public.property_locations holds one row per listing: the street address, postal code and exact point. The
--     listing's host writes it; the host, admins (at aal2) and guests whose booking of that listing is confirmed or
--     completed read it; nobody else sees the row (anon has no privilege on the table at all). Clients never delete
--     it: it goes with its listing, or with its host's erasure (privacy.sql);
--   * properties.latitude/longitude are the public point, written by the database only (no client column
--     privilege): the centre of the ~100 m grid cell that holds the exact point, moved 240-410 m in a direction,
--     both drawn from hmac(cell, private.location_secret). The cell centre is within ~80 m of the exact point, so
--     the public point is always 150-500 m from it. Keyed by the cell, not by the listing: it does not move when the
--     exact point moves within its cell, listings in one building share one public point (comparing or averaging
--     listings learns nothing), and without the secret, which no client can read, the offset cannot be undone;
--   * a listing cannot be published without a location: PT409 / hint location_required;
--   * text is stored trimmed (private.trimmed) and bounded.

-- Tables ---------------------------------------------------------------------------------------------------------

create table private.location_secret (
  only_row boolean primary key default true constraint one_row check (only_row),
  secret bytea not null default extensions.gen_random_bytes(32) constraint secret_is_32_bytes check (octet_length(secret) = 32)
);
comment on table private.location_secret is
  'The key of the public points (one row, 32 random bytes of this database, written at the first location or by the data migration): never readable by clients.';

create table public.property_locations (
  property_id uuid primary key references public.properties (id) on delete cascade,
  address_line text not null default '' constraint address_line_length check (private.text_within('address_line', address_line, 0, 200)),
  postal_code text not null default '' constraint postal_code_length check (private.text_within('postal_code', postal_code, 0, 20)),
  latitude double precision not null constraint latitude_range check (latitude between -90 and 90),
  longitude double precision not null constraint longitude_range check (longitude between -180 and 180),
  updated_at timestamptz not null default now()
);
comment on table public.property_locations is
  'A listing''s exact place (address and point): its host, admins and guests with a confirmed or completed booking of it read it. Everyone else sees properties.latitude/longitude, the public point derived from it.';

-- Indexes --------------------------------------------------------------------------------------------------------

-- The guest arm of the read policy below: the listings the caller has a confirmed or completed booking of.
create index bookings_stayed_guests_idx on public.bookings (guest_id, property_id)
  where status in ('confirmed', 'completed');

-- Functions ------------------------------------------------------------------------------------------------------

-- The grid: rows of 0.001 degree of latitude (111 m); each row cut into as many equal columns as make a column at
-- most 0.001 degree of arc wide at the row's edge nearer the equator (so at most ~111 m wide anywhere in the row),
-- a whole number of them around the globe (the antimeridian is a column edge; a polar row has a few wedges). A
-- point is at most ~79 m from its cell's centre. The offset from the centre, 240 + 170 u metres (u in [0, 1)) in
-- the bearing 2 pi v, takes u and v from hmac(row:column, secret): the public point is 161-489 m from the exact one.
-- PL/pgSQL, not SQL: a SQL function with OUT parameters is never inlined, so each call would start an executor for a
-- seven-level query (~0.7 ms); here each step is a cached simple expression and the key one cached query (~0.03 ms).
create function private.public_point(exact_latitude double precision, exact_longitude double precision,
                                     out latitude double precision, out longitude double precision)
language plpgsql stable
set search_path = ''
as $$
declare
  grid_row bigint := least(floor((exact_latitude + 90) * 1000)::bigint, 179999);
  -- The row's cells are ~100 m wide at its edge nearer a pole.
  columns bigint := greatest(1, ceil(360000 * cos(radians(least(abs(-90 + grid_row::float8 / 1000),
                                                               abs(-90 + (grid_row + 1)::float8 / 1000))))))::bigint;
  grid_column bigint := mod(floor((exact_longitude + 180) / (360 / columns::float8))::bigint, columns);
  mac bytea;
  from_latitude double precision;
  from_longitude double precision;
  angle double precision;
  bearing double precision;
  to_latitude double precision;
  to_longitude double precision;
begin
  select extensions.hmac(convert_to(grid_row || ':' || grid_column, 'UTF8'), s.secret, 'sha256') into mac
    from private.location_secret s;
  if mac is null then
    return;  -- no key yet: no public point
  end if;
  from_latitude := radians(-90 + (grid_row + 0.5)::float8 / 1000);
  from_longitude := radians(-180 + (grid_column + 0.5) * (360 / columns::float8));
  angle := (240 + 170 * ((get_byte(mac, 0) * 16777216::bigint + get_byte(mac, 1) * 65536 + get_byte(mac, 2) * 256
                          + get_byte(mac, 3)) / 4294967296.0)::float8) / 6371008.8;
  bearing := 2 * pi() * ((get_byte(mac, 4) * 16777216::bigint + get_byte(mac, 5) * 65536 + get_byte(mac, 6) * 256
                          + get_byte(mac, 7)) / 4294967296.0)::float8;
  to_latitude := asin(least(1, greatest(-1, sin(from_latitude) * cos(angle) + cos(from_latitude) * sin(angle) * cos(bearing))));
  to_longitude := from_longitude + atan2(sin(bearing) * sin(angle) * cos(from_latitude),
                                         cos(angle) - sin(from_latitude) * sin(to_latitude));
  latitude := degrees(to_latitude);
  longitude := degrees(to_longitude) - 360 * floor((degrees(to_longitude) + 180) / 360);
end
$$;
comment on function private.public_point(double precision, double precision) is
  'The public point of an exact point: its ~100 m grid cell''s centre moved 240-410 m, distance and bearing from hmac(cell, private.location_secret); 150-500 m from the exact point.';

-- Statement trigger: the public points of the listings whose location was written (set-based, so bulk loads stay
-- cheap), or null once the location is gone. Runs as the owner: clients cannot write those columns nor read the key.
create function private.derive_public_points() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    update public.properties p set latitude = null, longitude = null
     where p.id in (select o.property_id from old_locations o) and p.latitude is not null;
    return null;
  end if;
  -- The database's key, made at its first location when no data migration made it.
  insert into private.location_secret default values on conflict (only_row) do nothing;
  update public.properties p
     set latitude = pp.latitude, longitude = pp.longitude
    from new_locations n
   cross join lateral private.public_point(n.latitude, n.longitude) pp
   where p.id = n.property_id
     and (p.latitude, p.longitude) is distinct from (pp.latitude, pp.longitude);
  return null;
end
$$;
comment on function private.derive_public_points() is
  'Statement trigger: writes properties.latitude/longitude (the public point) from the listings'' exact locations; null when the location is deleted.';

-- Runs as the owner, so that whoever publishes (a host, the service role, a job) is judged on the same rows.
create function private.require_location_to_publish() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not exists (select 1 from public.property_locations l where l.property_id = new.id) then
    raise exception 'add the listing''s location (property_locations) before publishing it'
      using errcode = 'PT409', hint = 'location_required';
  end if;
  return new;
end
$$;
comment on function private.require_location_to_publish() is 'Trigger: a listing is published only with a location (PT409 / location_required).';

-- Triggers -------------------------------------------------------------------------------------------------------

create trigger property_locations_touch_updated_at before update on public.property_locations
  for each row execute function private.touch_updated_at();
create trigger property_locations_store_trimmed_text before insert or update of address_line, postal_code
  on public.property_locations
  for each row execute function private.store_trimmed_text('address_line', 'postal_code');
create trigger property_locations_derive_after_insert after insert on public.property_locations
  referencing new table as new_locations
  for each statement execute function private.derive_public_points();
create trigger property_locations_derive_after_update after update on public.property_locations
  referencing new table as new_locations
  for each statement execute function private.derive_public_points();
create trigger property_locations_derive_after_delete after delete on public.property_locations
  referencing old table as old_locations
  for each statement execute function private.derive_public_points();
create trigger properties_require_location before insert or update of status on public.properties
  for each row when (new.status = 'published') execute function private.require_location_to_publish();

-- Grants ---------------------------------------------------------------------------------------------------------

revoke all on table private.location_secret from public, anon, authenticated, service_role;
revoke all on function private.public_point(double precision, double precision), private.derive_public_points(),
  private.require_location_to_publish() from public, anon, authenticated, service_role;

revoke all on table public.property_locations from anon, authenticated, service_role;
grant select, insert, update, delete on table public.property_locations to service_role;
grant select on table public.property_locations to authenticated;
grant insert (property_id, address_line, postal_code, latitude, longitude) on public.property_locations to authenticated;
grant update (address_line, postal_code, latitude, longitude) on public.property_locations to authenticated;

-- Row-level security ---------------------------------------------------------------------------------------------

alter table private.location_secret enable row level security;
alter table public.property_locations enable row level security;

-- Each arm is a range of the primary key, so a member's read costs their own rows (a BitmapOr), never a probe per
-- location: the listings the caller hosts or has stayed at (bookings_stayed_guests_idx), named once per statement,
-- and the admin arm (private.admin_id_floor). A correlated EXISTS on bookings would be tested on every location.
create policy "hosts, their confirmed guests and admins read exact locations" on public.property_locations
  for select to authenticated
  using (property_id = any (array(select p.id from public.properties p where p.host_id = (select auth.uid())
                                  union all
                                  select b.property_id from public.bookings b
                                   where b.guest_id = (select auth.uid()) and b.status in ('confirmed', 'completed')))
         or property_id >= private.admin_id_floor());
create policy "hosts place their own listings" on public.property_locations
  for insert to authenticated
  with check (property_id = any (array(select p.id from public.properties p where p.host_id = (select auth.uid()))));
create policy "hosts move their own listings" on public.property_locations
  for update to authenticated
  using (property_id = any (array(select p.id from public.properties p where p.host_id = (select auth.uid()))))
  with check (property_id = any (array(select p.id from public.properties p where p.host_id = (select auth.uid()))));
