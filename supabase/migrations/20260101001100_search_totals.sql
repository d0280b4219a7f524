-- Search totals and cursors without a function call per row: the fixed cost of a search call.
--
-- A search page of 20 listings called private.price_stay 20 times (a PL/pgSQL call, its query and a call of the fee
-- rule each time) and private.encode_search_cursor 20 times (a SQL function that cannot be inlined because it sets
-- its search_path): ~1.5 ms of a ~4 ms call on the benchmark machine (docs/search.md, "Where a call's time goes").
-- Now:
--   * private.price_stays prices a stay at many listings in one query, and is the one pricing rule: price_stay (quote_stay,
--     request_booking) asks it for one listing, the search once for the whole page. The nightly sum is the stay's
--     nights at the listing's price plus, for each seasonal rate overlapping the stay, its overlap in nights times the
--     rate's difference (rates never overlap each other); the fee rule (14% / 3% of the subtotal, half up) is inside it
--     and private.fee_split is gone;
--   * the search statement encodes each row's cursor itself (private.decode_search_cursor reads it back), and returns
--     the page in the order its candidates were found instead of sorting it again;
--   * what a hit shows is read by a static statement (planned once per session), and the cover photo is a column of
--     the listing kept by the database (properties.cover_photo), not a lookup per row.
-- Answers do not change: every total still equals quote_stay's (tests/db/40_search, 21_quotes), every cursor reads back.

-- Tables ---------------------------------------------------------------------------------------------------------

alter table public.properties add column cover_photo text;
comment on column public.properties.cover_photo is
  'Storage path of the listing''s first photo (position 0), kept by the database from property_photos; null without one.';

-- Indexes --------------------------------------------------------------------------------------------------------

-- The search's availability probe reads a listing's claims through this b-tree (index-only when the visibility map
-- allows): ~5 µs a probe against ~20 µs through the exclusion constraint's GiST index (btree_gist compares both
-- columns at every entry of every page it visits), measured on the benchmark's 600,000 claims; a search page probes
-- ~20 candidates. The GiST index still guarantees no overlap (it checks every claim written).
create index calendar_claims_property_idx on private.calendar_claims (property_id) include (nights, expires_at);

-- Functions ------------------------------------------------------------------------------------------------------

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

-- The one pricing rule. Prices [check_in, check_out) at each listing given, as stored: nightly prices (seasonal rate
-- or the listing's price), weekly discount from 7 nights, monthly instead from 28, cleaning fee, guest service fee 14%
-- and host fee 3% of the subtotal, every rounding half up in integer minor units. Runs as the caller (a listing the
-- caller cannot see is not priced). Planned once per session (generic plan): its cost does not depend on the values.
create function private.price_stays(property_ids uuid[], check_in date, check_out date, itemized boolean default true)
returns table (property_id uuid, quote public.stay_quote)
language plpgsql stable
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
begin
  return query
    select p.id,
           row(null, null, stay.nights, p.currency, nightly.prices, accommodation.cents, discount.cents,
               p.cleaning_fee_cents::bigint, fees.service_cents, subtotal.cents + fees.service_cents, fees.host_cents,
               subtotal.cents - fees.host_cents)::public.stay_quote
    from public.properties p
    cross join lateral (select price_stays.check_out - price_stays.check_in as nights) stay
    cross join lateral (
      select stay.nights::bigint * p.nightly_price_cents
             + coalesce(sum((least(r.end_date, price_stays.check_out) - greatest(r.start_date, price_stays.check_in))::bigint
                            * (r.nightly_price_cents - p.nightly_price_cents)), 0)::bigint as cents
      from public.seasonal_rates r
      where r.property_id = p.id
        and daterange(r.start_date, r.end_date) && daterange(price_stays.check_in, price_stays.check_out)
    ) accommodation
    cross join lateral (
      select case when itemized then (
        select coalesce(jsonb_agg(jsonb_build_object('night', n.night::date,
                                                     'price_cents', coalesce(r.nightly_price_cents, p.nightly_price_cents))
                                  order by n.night), '[]'::jsonb)
        from generate_series(price_stays.check_in, price_stays.check_out - 1, interval '1 day') n(night)
        left join public.seasonal_rates r
          on r.property_id = p.id and n.night::date >= r.start_date and n.night::date < r.end_date)
      end as prices
    ) nightly
    cross join lateral (
      select (accommodation.cents * case when stay.nights >= 28 then p.monthly_discount_pct
                                         when stay.nights >= 7 then p.weekly_discount_pct
                                         else 0 end + 50) / 100 as cents
    ) discount
    cross join lateral (select accommodation.cents - discount.cents + p.cleaning_fee_cents as cents) subtotal
    cross join lateral (select (subtotal.cents * 14 + 50) / 100 as service_cents, (subtotal.cents * 3 + 50) / 100 as host_cents) fees
    where p.id = any (property_ids);
end
$$;
comment on function private.price_stays(uuid[], date, date, boolean) is
  'The one pricing rule: prices [check_in, check_out) at each listing (nightly, discount, cleaning, 14% / 3% fees, half up).';

create or replace function private.price_stay(property public.properties, check_in date, check_out date, itemized boolean default true)
returns public.stay_quote
language plpgsql stable
set search_path = ''
as $$
begin
  return (select s.quote from private.price_stays(array[property.id], check_in, check_out, itemized) s);
end
$$;
comment on function private.price_stay(public.properties, date, date, boolean) is 'Prices [check_in, check_out) at one listing (as stored): private.price_stays for one.';

drop function private.fee_split(bigint);

create or replace function private.search_published_listings(
  check_in date, check_out date, guests integer,
  latitude double precision, longitude double precision, radius_km double precision,
  min_latitude double precision, min_longitude double precision, max_latitude double precision, max_longitude double precision,
  min_price_cents integer, max_price_cents integer, amenities text[], property_types public.property_type[],
  instant_book boolean, text_query tsquery, order_kind text, page_size integer, after_keys text[], after_id uuid
) returns setof public.search_result
language plpgsql stable
security definer
set search_path = ''
set extra_float_digits = 3  -- cursor keys print exactly (shortest round-trip), whatever the session's setting
set plan_cache_mode = force_generic_plan  -- the static statement; the built one is planned per call anyway
as $$
declare
  location_sql constant text := 'point(p.longitude, p.latitude)';
  -- Haversine on a sphere of the Earth's mean radius (IUGG, 6371.0088 km).
  distance_sql constant text :=
    '(2 * 6371.0088 * asin(least(1::float8, sqrt(power(sin(radians(p.latitude - $4) / 2), 2)'
    ' + cos(radians($4)) * cos(radians(p.latitude)) * power(sin(radians(p.longitude - $5) / 2), 2)))))';
  rank_sql constant text := 'ts_rank(p.search_document, $16)';
  conditions text[] := array['p.status = ''published'''];
  key_sql text[];
  order_sql text;
  keyset_sql text;
  half_lat double precision;
  half_lon double precision;
  stmt text;
  hit_ids uuid[];
  hit_distances double precision[];
  hit_cursors text[];
begin
  if check_in is not null then
    conditions := conditions || array[
      'p.max_guests >= $3',
      'p.min_nights <= $2 - $1',
      'p.max_nights >= $2 - $1'];
    -- Today differs by up to a day across time zones: only on that edge does a listing's own date matter.
    if check_in < (pg_catalog.now() at time zone 'Etc/GMT-14')::date then
      conditions := conditions || '$1 >= (pg_catalog.now() at time zone p.time_zone)::date'::text;
    end if;
  elsif guests is not null then
    conditions := conditions || 'p.max_guests >= $3'::text;
  end if;

  if min_latitude is not null then
    if min_longitude <= max_longitude then
      conditions := conditions || format('%s <@ box(point($8, $7), point($10, $9))', location_sql);
    else  -- the box crosses the antimeridian: two boxes
      conditions := conditions || format('(%1$s <@ box(point($8, $7), point(180, $9)) or %1$s <@ box(point(-180, $7), point($10, $9)))', location_sql);
    end if;
  end if;

  if radius_km is not null then
    -- The bounding box of the circle (exact on the sphere, widened by a hair for rounding) finds the candidates
    -- through the GiST index; the haversine distance decides.
    half_lat := degrees(radius_km / 6371.0088) * 1.000001 + 1e-9;
    if latitude + half_lat >= 90 or latitude - half_lat <= -90 or radius_km / 6371.0088 >= pi() / 2 then
      half_lon := 180;
    else
      half_lon := least(180, degrees(asin(least(1, sin(radius_km / 6371.0088) / cos(radians(latitude))))) * 1.000001 + 1e-9);
    end if;
    if half_lon >= 180 then
      conditions := conditions || format('%s <@ box(point(-180, %s), point(180, %s))', location_sql,
        greatest(-90, latitude - half_lat), least(90, latitude + half_lat));
    elsif longitude - half_lon < -180 or longitude + half_lon > 180 then
      conditions := conditions || format('(%1$s <@ box(point(%2$s, %4$s), point(180, %5$s)) or %1$s <@ box(point(-180, %4$s), point(%3$s, %5$s)))',
        location_sql,
        case when longitude - half_lon < -180 then longitude - half_lon + 360 else longitude - half_lon end,
        case when longitude + half_lon > 180 then longitude + half_lon - 360 else longitude + half_lon end,
        latitude - half_lat, latitude + half_lat);
    else
      conditions := conditions || format('%s <@ box(point(%s, %s), point(%s, %s))', location_sql,
        longitude - half_lon, latitude - half_lat, longitude + half_lon, latitude + half_lat);
    end if;
    conditions := conditions || format('%s <= $6', distance_sql);
  end if;

  if min_price_cents is not null then
    conditions := conditions || 'p.nightly_price_cents >= $11'::text;
  end if;
  if max_price_cents is not null then
    conditions := conditions || 'p.nightly_price_cents <= $12'::text;
  end if;
  if amenities is not null and cardinality(amenities) > 0 then
    conditions := conditions || 'p.amenity_codes @> $13'::text;
  end if;
  if property_types is not null then
    conditions := conditions || 'p.property_type = any ($14)'::text;
  end if;
  if instant_book is not null then
    conditions := conditions || 'p.instant_book = $15'::text;
  end if;
  if text_query is not null then
    conditions := conditions || 'p.search_document @@ $16'::text;
  end if;

  -- Every order ends with the id, so it is total and a keyset (row comparison with the last row's keys) is exact.
  case order_kind
    when 'price_asc' then
      key_sql := array['p.nightly_price_cents'];
      order_sql := 'p.nightly_price_cents, p.id';
      keyset_sql := '(p.nightly_price_cents, p.id) > (($18)[1]::integer, $19)';
    when 'price_desc' then
      key_sql := array['p.nightly_price_cents'];
      order_sql := 'p.nightly_price_cents desc, p.id desc';
      keyset_sql := '(p.nightly_price_cents, p.id) < (($18)[1]::integer, $19)';
    when 'rating' then
      key_sql := array['coalesce(p.rating_avg, 0::numeric)', 'p.rating_count'];
      order_sql := 'coalesce(p.rating_avg, 0::numeric) desc, p.rating_count desc, p.id desc';
      keyset_sql := '(coalesce(p.rating_avg, 0::numeric), p.rating_count, p.id) < (($18)[1]::numeric, ($18)[2]::integer, $19)';
    when 'distance' then
      key_sql := array[distance_sql];
      order_sql := distance_sql || ', p.id';
      keyset_sql := format('(%s, p.id) > (($18)[1]::float8, $19)', distance_sql);
    when 'rank' then
      key_sql := array[rank_sql];
      order_sql := rank_sql || ' desc, p.id desc';
      keyset_sql := format('(%s, p.id) < (($18)[1]::float4, $19)', rank_sql);
  end case;
  if after_id is not null then
    conditions := conditions || keyset_sql;
  end if;

  -- Which listings, in which order (the only part that depends on the shape, so built and planned per call).
  -- Availability is probed lazily: the candidates (every other condition, the keyset included) come sorted out of
  -- a fenced subquery (offset 0: the check is never pushed below the sort), and the check filters them in that order
  -- until the page is full, so a page costs ~page_size probes instead of one per candidate. The check must stay a
  -- filter, not a join: then the candidates are planned for the few rows the page needs (an index read in keyset
  -- order when no other condition is selective) and the order reaching the limit is the candidates' order. So its
  -- not exists carries offset 0 too, which keeps PostgreSQL from turning it into an anti-join or a hashed subplan
  -- over every live claim. It is private.nights_are_free's condition (20260101001200 writes it the same way), the
  -- overlap as bounds (lower < check_out and upper > check_in: the same test for the non-empty, finite ranges claims
  -- hold), so that it reads calendar_claims_property_idx. row_number() numbers the hits in that order, and each
  -- hit's cursor is base64url of "kind|key...|id" (private.decode_search_cursor reads it back).
  stmt := format($sql$
    select array_agg(h.id order by h.position),
           array_agg(h.distance_km order by h.position),
           array_agg(rtrim(translate(replace(encode(convert_to(array_to_string(array[$20] || h.sort_keys || h.id::text, '|'),
                       'UTF8'), 'base64'), E'\n', ''), '+/', '-_'), '=') order by h.position)
    from (
      select c.id, c.sort_keys, c.distance_km, row_number() over () as position
      from (
        select p.id, array[%1$s]::text[] as sort_keys, %2$s as distance_km
        from public.properties p
        where %3$s
        order by %4$s
        offset 0
      ) c
      where %5$s
      limit $17
    ) h
    $sql$,
    array_to_string(key_sql, ', '),
    case when latitude is not null then distance_sql else 'null::float8' end,
    array_to_string(conditions, E'\n        and '),
    order_sql,
    case when check_in is not null then
      'not exists (select 1 from private.calendar_claims x where x.property_id = c.id'
      ' and lower(x.nights) < $2 and upper(x.nights) > $1'
      ' and (x.expires_at is null or x.expires_at > pg_catalog.now()) offset 0)'
    else 'true' end);
  execute stmt into hit_ids, hit_distances, hit_cursors
    using check_in, check_out, coalesce(guests, 1), latitude, longitude, radius_km,
          min_latitude, min_longitude, max_latitude, max_longitude, min_price_cents, max_price_cents,
          amenities, property_types, instant_book, text_query, page_size, after_keys, after_id, order_kind;

  -- What a hit shows: the same for every shape, so a static statement, planned once per session. With dates, the
  -- stay's total for the whole page from one call of the pricing rule.
  return query
    select p.id, p.title, p.city, p.country_code, p.latitude, p.longitude, p.nightly_price_cents, p.currency,
           (t.quote).total_cents, p.rating_avg, p.rating_count,
           p.cover_photo, h.distance_km, h.cursor
    from unnest(hit_ids, hit_distances, hit_cursors) with ordinality h(id, distance_km, cursor, position)
    join public.properties p on p.id = h.id
    left join private.price_stays(case when search_published_listings.check_in is not null then hit_ids end,
                                  search_published_listings.check_in, search_published_listings.check_out,
                                  itemized => false) t on t.property_id = h.id
    order by h.position;
end
$$;

drop function private.encode_search_cursor(text[]);

-- Triggers -------------------------------------------------------------------------------------------------------

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

revoke all on function private.price_stays(uuid[], date, date, boolean) from public;
grant execute on function private.price_stays(uuid[], date, date, boolean) to anon, authenticated, service_role;
revoke all on function private.set_cover_photos(uuid[]), private.sync_cover_photo() from public, anon, authenticated, service_role;

-- Listings that have photos get their cover (their updated_at stays: nothing a host changed).
alter table public.properties disable trigger properties_touch_updated_at;
select private.set_cover_photos(array(select distinct ph.property_id from public.property_photos ph));
alter table public.properties enable trigger properties_touch_updated_at;
