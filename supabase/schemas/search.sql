-- Search: public.search_properties, the marketplace's one search verb, and the indexes that keep every shape fast.
--
-- Rules enforced here:
--   * only published listings are found, and with dates only those free for every night of the stay (a host block,
--     an active booking or a live hold claims a night; a hold past its expires_at does not), that take the guests,
--     whose min/max nights allow the stay and whose booking window reaches the check-in (bookings.sql);
--   * with dates, each row carries the stay's total_cents from private.price_stays (pricing.sql), exactly what
--     quote_stay and request_booking charge; the whole page is priced by one call;
--   * paging is by an opaque keyset cursor (base64url of "kind|key...|id", encoded by the search statement and read
--     back by private.decode_search_cursor): every sort is total (ties broken by id), so pages never skip or repeat
--     a listing while the data stands still;
--   * place is the listings' public point (properties.latitude/longitude, locations.sql), never the exact location:
--     boxes, radii and the distance sort read it, and the distance a hit carries is rounded to 0.1 km;
--   * bad input is refused with 22023 and a hint naming the reason (docs/conventions.md, docs/search.md), and so is
--     input that cannot be served within the read budget (private.search_settings): a text query that only excludes
--     words (it matches almost every listing), more than 50 amenities or property types, a cursor longer than any
--     cursor the search writes, a check-in past every booking window (730 days), more candidates than the budget to
--     rank or to sort by distance (search_too_broad), and conditions no index narrows that too few listings meet
--     (search_too_narrow); an empty amenities or property_types array is no filter, like null.
--
-- Why the search runs as the owner (security definer): the operators that make the indexes useful (point <@ box,
-- tsvector @@ tsquery, text[] @> text[]) are not leakproof, and under row-level security the planner may not use a
-- non-leakproof qual as an index condition, so as the caller every shape would scan the whole table; and
-- availability reads private.calendar_claims. It reads published listings only, which every role may read anyway,
-- so it crosses no policy (docs/search.md). public.search_properties validates every input, then calls
-- private.search_published_listings, which no client may call.

-- Types ----------------------------------------------------------------------------------------------------------

create type public.search_result as (
  id uuid,
  title text,
  city text,
  country_code text,
  latitude double precision,
  longitude double precision,
  nightly_price_cents integer,
  currency text,
  total_cents bigint,
  rating_avg numeric,
  rating_count integer,
  cover_photo text,
  distance_km double precision,
  cursor text
);
comment on type public.search_result is 'A search hit: latitude/longitude are the listing''s public point; total_cents when dates are given, distance_km (to the public point, rounded to 0.1 km) when a point is given; pass cursor as after for the next page.';

-- Tables ---------------------------------------------------------------------------------------------------------

-- What one call may read within its time budget (docs/search.md, "Read budget"), one row written by the data
-- migration: an operator tunes it to the hardware with an update.
create table private.search_settings (
  only_row boolean primary key default true constraint one_row check (only_row),
  rank_budget integer not null default 2000 constraint rank_budget_range check (rank_budget between 1 and 1000000),
  candidate_budget integer not null default 5000 constraint candidate_budget_range check (candidate_budget between 1 and 1000000),
  scan_budget integer not null default 20000 constraint scan_budget_range check (scan_budget between 1 and 10000000)
);
comment on table private.search_settings is
  'Search read budgets, one row: rank_budget (candidates ranked by text), candidate_budget (sorted by distance, or read through the location index), scan_budget (listings examined in a sort index''s order).';

-- Indexes --------------------------------------------------------------------------------------------------------

create index properties_published_search_document_idx on public.properties
  using gin (search_document) where status = 'published';
create index properties_published_amenity_codes_idx on public.properties
  using gin (amenity_codes) where status = 'published';
-- The two sort indexes carry every column a search tests, the zone and booking window included (an index read tests
-- them on each listing it examines, from the index alone when the visibility map allows).
create index properties_published_price_idx on public.properties (nightly_price_cents, id)
  include (rating_avg, rating_count, max_guests, min_nights, max_nights, instant_book, property_type, latitude, longitude,
           time_zone, booking_window_days)
  where status = 'published';
-- Availability is probed per candidate through calendar_claims_property_idx (calendar.sql), and only for the
-- ~page_size candidates a page needs; the location index is listings.sql's.
create index properties_published_rating_idx on public.properties
  ((coalesce(rating_avg, 0::numeric)), rating_count, id)
  include (rating_avg, nightly_price_cents, max_guests, min_nights, max_nights, instant_book, property_type, latitude, longitude,
           time_zone, booking_window_days)
  where status = 'published';

create function private.decode_search_cursor(cursor text, order_kind text) returns text[]
language plpgsql immutable
set search_path = ''
as $$
declare
  padded text := translate(cursor, '-_', '+/');
  parts text[];
begin
  padded := padded || repeat('=', (4 - length(padded) % 4) % 4);
  parts := string_to_array(convert_from(decode(padded, 'base64'), 'UTF8'), '|');
  -- kind|key|id, or kind|rating|count|id for the rating sort
  if parts[1] is distinct from order_kind or cardinality(parts) not in (3, 4)
     or (cardinality(parts) = 4) is distinct from (order_kind = 'rating') then
    return null;
  end if;
  -- Each key must read back as its sort's type, and the last part as an id.
  perform parts[cardinality(parts)]::uuid;
  perform case order_kind
    when 'price_asc' then parts[2]::integer::text
    when 'price_desc' then parts[2]::integer::text
    when 'rating' then parts[2]::numeric::text || parts[3]::integer::text
    when 'distance' then parts[2]::float8::text
    when 'rank' then parts[2]::float4::text
  end;
  return parts;
exception when others then
  return null;
end
$$;
comment on function private.decode_search_cursor(text, text) is 'The parts (kind, keys, id) of a cursor of a search sorted by order_kind, or null when it is not one.';

-- The search itself, over published listings only, in two statements: "which listings, in which order", built per
-- call with only the predicates the call needs, so that each shape gets its own plan (box or radius: the location
-- GiST index; query: the full-text GIN index; amenities: the GIN index on amenity_codes; price and rating sorts:
-- their b-tree indexes, read in keyset order), and "what a hit shows", static and planned once per session. Every
-- value reaches the statements as a parameter (execute ... using), never as text.
create function private.search_published_listings(
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
  -- A place (box, or a circle's bounding box) is written two ways: `point <@ box`, which the location GiST index
  -- answers, and as plain latitude and longitude ranges, which the planner estimates from the columns' statistics
  -- (it gives `<@` a fixed, tiny selectivity) and which leave the sort's own index to read (a place too large for
  -- the location index). The statement names it {place} until one is chosen.
  place_indexed text[] := '{}';
  place_plain text[] := '{}';
  -- What one call may read within its time budget (private.search_settings): the candidates (every condition but
  -- availability) it ranks by text (rank_budget), sorts by distance or reads through the location index
  -- (candidate_budget); and the listings it examines in a sort index's order when no index narrows its conditions
  -- (scan_budget). Without the settings row, the columns' defaults.
  rank_budget integer := 2000;
  candidate_budget integer := 5000;
  scan_budget integer := 20000;
  settings private.search_settings;
  candidates integer;
  examined integer;
  index_read boolean;
  base_sql text := 'p.status = ''published''';
  -- Haversine on a sphere of the Earth's mean radius (IUGG, 6371.0088 km).
  distance_sql constant text :=
    '(2 * 6371.0088 * asin(least(1::float8, sqrt(power(sin(radians(p.latitude - $4) / 2), 2)'
    ' + cos(radians($4)) * cos(radians(p.latitude)) * power(sin(radians(p.longitude - $5) / 2), 2)))))';
  rank_sql constant text := 'ts_rank(p.search_document, $16)';
  conditions text[] := '{}';  -- besides base_sql (published, and the keyset)
  key_sql text[];
  order_sql text;
  keyset_sql text;
  half_lat double precision;
  half_lon double precision;
  stmt text;
  hit_ids uuid[];
  hit_distances double precision[];
  hit_cursors text[];
  place boolean := min_latitude is not null or radius_km is not null;
  where_sql text;
begin
  select s.* into settings from private.search_settings s;
  rank_budget := coalesce(settings.rank_budget, rank_budget);
  candidate_budget := coalesce(settings.candidate_budget, candidate_budget);
  scan_budget := coalesce(settings.scan_budget, scan_budget);
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
      place_indexed := place_indexed || format('%s <@ box(point($8, $7), point($10, $9))', location_sql);
      place_plain := place_plain || 'p.longitude between $8 and $10 and p.latitude between $7 and $9'::text;
    else  -- the box crosses the antimeridian: two boxes
      place_indexed := place_indexed || format('(%1$s <@ box(point($8, $7), point(180, $9)) or %1$s <@ box(point(-180, $7), point($10, $9)))', location_sql);
      place_plain := place_plain || '(p.longitude >= $8 or p.longitude <= $10) and p.latitude between $7 and $9'::text;
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
      place_indexed := place_indexed || format('%s <@ box(point(-180, %s), point(180, %s))', location_sql,
        greatest(-90, latitude - half_lat), least(90, latitude + half_lat));
      place_plain := place_plain || format('p.latitude between %s and %s',
        greatest(-90, latitude - half_lat), least(90, latitude + half_lat));
    elsif longitude - half_lon < -180 or longitude + half_lon > 180 then
      place_indexed := place_indexed || format('(%1$s <@ box(point(%2$s, %4$s), point(180, %5$s)) or %1$s <@ box(point(-180, %4$s), point(%3$s, %5$s)))',
        location_sql,
        case when longitude - half_lon < -180 then longitude - half_lon + 360 else longitude - half_lon end,
        case when longitude + half_lon > 180 then longitude + half_lon - 360 else longitude + half_lon end,
        latitude - half_lat, latitude + half_lat);
      place_plain := place_plain || format('(p.longitude >= %s or p.longitude <= %s) and p.latitude between %s and %s',
        case when longitude - half_lon < -180 then longitude - half_lon + 360 else longitude - half_lon end,
        case when longitude + half_lon > 180 then longitude + half_lon - 360 else longitude + half_lon end,
        latitude - half_lat, latitude + half_lat);
    else
      place_indexed := place_indexed || format('%s <@ box(point(%s, %s), point(%s, %s))', location_sql,
        longitude - half_lon, latitude - half_lat, longitude + half_lon, latitude + half_lat);
      place_plain := place_plain || format('p.longitude between %s and %s and p.latitude between %s and %s',
        longitude - half_lon, longitude + half_lon, latitude - half_lat, latitude + half_lat);
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
  if property_types is not null and cardinality(property_types) > 0 then
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
    base_sql := base_sql || ' and ' || keyset_sql;
  end if;
  if place then
    conditions := conditions || '{place}'::text;
  end if;
  where_sql := array_to_string(base_sql || conditions, E'\n        and ');

  -- Sorting by rank or distance reads every candidate, and so does a place read through the location index: count
  -- them first, reading at most one past the budget. Too many to rank or measure: refused. Too many in the place
  -- for the location index to help a price or rating order: the place becomes a plain condition.
  if order_kind in ('rank', 'distance') or place then
    execute format('select count(*)::integer from (select 1 from public.properties p where %s limit %s) s',
                   replace(where_sql, '{place}', array_to_string(place_indexed, ' and ')),
                   case when order_kind = 'rank' then rank_budget else candidate_budget end + 1)
      into candidates
      using check_in, check_out, coalesce(guests, 1), latitude, longitude, radius_km,
            min_latitude, min_longitude, max_latitude, max_longitude, min_price_cents, max_price_cents,
            amenities, property_types, instant_book, text_query, page_size, after_keys, after_id, order_kind;
    if order_kind in ('rank', 'distance')
       and candidates > (case when order_kind = 'rank' then rank_budget else candidate_budget end) then
      raise exception 'more than % listings match before dates, too many to sort by %: add a place, a smaller radius or more words, or sort by price or rating',
          case when order_kind = 'rank' then rank_budget else candidate_budget end,
          case order_kind when 'rank' then 'relevance' else 'distance' end
        using errcode = '22023', hint = 'search_too_broad';
    end if;
  end if;
  -- A price or rating order that no index condition narrows (no text, no amenities, and no place or one too large
  -- for the location index) reads the sort's own index in order, at most scan_budget listings, and tests every other
  -- condition on each: its cost is bounded whatever the planner estimates for those conditions.
  index_read := order_kind in ('price_asc', 'price_desc', 'rating') and text_query is null
                and coalesce(cardinality(amenities), 0) = 0 and (not place or candidates > candidate_budget);
  conditions := array(select replace(c, '{place}', array_to_string(
                  case when candidates > candidate_budget then place_plain else place_indexed end, ' and '))
                  from unnest(conditions) c);
  where_sql := array_to_string(base_sql || conditions, E'\n        and ');

  -- Which listings, in which order (the only part that depends on the shape, so built and planned per call).
  -- Availability is probed lazily: the candidates (every other condition, the keyset included) come sorted out of
  -- a fenced subquery (offset 0: the check is never pushed below the sort), and the check filters them in that order
  -- until the page is full, so a page costs ~page_size probes instead of one per candidate. The check must stay a
  -- filter, not a join: then the candidates are planned for the few rows the page needs (an index read in keyset
  -- order when no other condition is selective) and the order reaching the limit is the candidates' order. So its
  -- not exists carries offset 0 too, which keeps PostgreSQL from turning it into an anti-join or a hashed subplan
  -- over every live claim. It is private.nights_are_free's condition, written as bounds in both (calendar.sql), so
  -- that it reads calendar_claims_property_idx. row_number() numbers the hits in that order, and each
  -- hit's cursor is base64url of "kind|key...|id" (private.decode_search_cursor reads it back).
  -- In an index read (above), the candidates are the first scan_budget published listings in the sort's order, and
  -- every other condition becomes the column `fits`, tested lazily with availability.
  stmt := format($sql$
    select array_agg(h.id order by h.position),
           array_agg(h.distance_km order by h.position),
           array_agg(rtrim(translate(replace(encode(convert_to(array_to_string(array[$20] || h.sort_keys || h.id::text, '|'),
                       'UTF8'), 'base64'), E'\n', ''), '+/', '-_'), '=') order by h.position)
    from (
      select c.id, c.sort_keys, c.distance_km, row_number() over () as position
      from (
        select p.id, array[%1$s]::text[] as sort_keys, %2$s as distance_km, %6$s as fits, p.time_zone, p.booking_window_days
        from public.properties p
        where %3$s
        order by %4$s
        %7$s
      ) c
      where c.fits and %5$s
      limit $17
    ) h
    $sql$,
    array_to_string(key_sql, ', '),
    case when latitude is not null then distance_sql else 'null::float8' end,
    case when index_read then base_sql else where_sql end,
    order_sql,
    case when check_in is not null then
      -- the listing's booking window reaches the check-in (the candidate's own columns, which the location index
      -- carries; tested only for the candidates probed)
      '$1 <= (pg_catalog.now() at time zone c.time_zone)::date + c.booking_window_days'
      ' and not exists (select 1 from private.calendar_claims x where x.property_id = c.id'
      ' and lower(x.nights) < $2 and upper(x.nights) > $1'
      ' and (x.expires_at is null or x.expires_at > pg_catalog.now()) offset 0)'
    else 'true' end,
    case when index_read and cardinality(conditions) > 0 then '(' || array_to_string(conditions, ' and ') || ')' else 'true' end,
    case when index_read then format('limit %s', scan_budget) else 'offset 0' end);
  execute stmt into hit_ids, hit_distances, hit_cursors
    using check_in, check_out, coalesce(guests, 1), latitude, longitude, radius_km,
          min_latitude, min_longitude, max_latitude, max_longitude, min_price_cents, max_price_cents,
          amenities, property_types, instant_book, text_query, page_size, after_keys, after_id, order_kind;
  -- A short page from an index read is complete only if the read did not stop at its budget.
  if index_read and coalesce(cardinality(hit_ids), 0) < page_size then
    execute format('select count(*)::integer from (select 1 from public.properties p where %s order by %s limit %s) s',
                   base_sql, order_sql, scan_budget)
      into examined
      using check_in, check_out, coalesce(guests, 1), latitude, longitude, radius_km,
            min_latitude, min_longitude, max_latitude, max_longitude, min_price_cents, max_price_cents,
            amenities, property_types, instant_book, text_query, page_size, after_keys, after_id, order_kind;
    if examined >= scan_budget then
      raise exception 'these conditions match too few of the first % listings in this order to find a page within the time budget: add a place, a word or an amenity, or drop a condition',
          scan_budget
        using errcode = '22023', hint = 'search_too_narrow';
    end if;
  end if;

  -- What a hit shows: the same for every shape, so a static statement, planned once per session. With dates, the
  -- stay's total for the whole page from one call of the pricing rule.
  return query
    select p.id, p.title, p.city, p.country_code, p.latitude, p.longitude, p.nightly_price_cents, p.currency,
           (t.quote).total_cents, p.rating_avg, p.rating_count,
           p.cover_photo, round(h.distance_km::numeric, 1)::float8, h.cursor
    from unnest(hit_ids, hit_distances, hit_cursors) with ordinality h(id, distance_km, cursor, position)
    join public.properties p on p.id = h.id
    left join private.price_stays(case when search_published_listings.check_in is not null then hit_ids end,
                                  search_published_listings.check_in, search_published_listings.check_out,
                                  itemized => false) t on t.property_id = h.id
    order by h.position;
end
$$;
comment on function private.search_published_listings(date, date, integer, double precision, double precision,
  double precision, double precision, double precision, double precision, double precision, integer, integer, text[],
  public.property_type[], boolean, tsquery, text, integer, text[], uuid) is
  'The search over published listings behind public.search_properties (validated input only). docs/search.md.';

create function public.search_properties(
  check_in date default null,
  check_out date default null,
  guests integer default null,
  latitude double precision default null,
  longitude double precision default null,
  radius_km double precision default null,
  min_latitude double precision default null,
  min_longitude double precision default null,
  max_latitude double precision default null,
  max_longitude double precision default null,
  min_price_cents integer default null,
  max_price_cents integer default null,
  amenities text[] default null,
  property_types public.property_type[] default null,
  instant_book boolean default null,
  query text default null,
  sort text default 'relevance',
  page_size integer default 20,
  after text default null
) returns setof public.search_result
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  text_query tsquery;
  order_kind text;
  cursor_parts text[];
  after_keys text[];
  after_id uuid;
  unknown_amenity text;
begin
  -- Dates and guests
  if not private.is_calendar_date(check_in) or not private.is_calendar_date(check_out) then
    raise exception 'dates are calendar days up to 9999-12-31' using errcode = '22023', hint = 'invalid_dates';
  end if;
  if (check_in is null) <> (check_out is null) then
    raise exception 'give both check_in and check_out, or neither' using errcode = '22023', hint = 'invalid_dates';
  end if;
  if check_out <= check_in then
    raise exception 'check_out must be after check_in' using errcode = '22023', hint = 'invalid_dates';
  end if;
  if check_out - check_in > 1125 then
    raise exception 'a stay lasts at most 1125 nights' using errcode = '22023', hint = 'invalid_dates';
  end if;
  -- The earliest date on Earth (UTC-12): before it, check-in is in the past everywhere.
  if check_in < (now() at time zone 'Etc/GMT+12')::date then
    raise exception 'check_in is in the past' using errcode = '22023', hint = 'past_dates';
  end if;
  -- The latest date on Earth (UTC+14) plus the longest booking window: past it, no listing takes the stay.
  if check_in > (now() at time zone 'Etc/GMT-14')::date + 730 then
    raise exception 'no listing takes bookings more than 730 days ahead' using errcode = '22023', hint = 'beyond_booking_window';
  end if;
  if guests is not null and guests not between 1 and 50 then
    raise exception 'guests must be between 1 and 50' using errcode = '22023', hint = 'invalid_guests';
  end if;

  -- Where: a point (and radius), a box, or nowhere in particular
  if (latitude is null) <> (longitude is null) then
    raise exception 'give both latitude and longitude' using errcode = '22023', hint = 'invalid_point';
  end if;
  if latitude not between -90 and 90 or longitude not between -180 and 180 then
    raise exception 'latitude is within [-90, 90] and longitude within [-180, 180]' using errcode = '22023', hint = 'invalid_point';
  end if;
  if radius_km is not null and latitude is null then
    raise exception 'radius_km needs a point (latitude and longitude)' using errcode = '22023', hint = 'radius_without_point';
  end if;
  if radius_km <= 0 or radius_km > 20037.5 then
    raise exception 'radius_km must be positive and at most half the Earth''s circumference' using errcode = '22023', hint = 'invalid_radius';
  end if;
  if num_nulls(min_latitude, min_longitude, max_latitude, max_longitude) not in (0, 4) then
    raise exception 'a map box needs all of min_latitude, min_longitude, max_latitude and max_longitude'
      using errcode = '22023', hint = 'incomplete_box';
  end if;
  if min_latitude not between -90 and 90 or max_latitude not between -90 and 90
     or min_longitude not between -180 and 180 or max_longitude not between -180 and 180 then
    raise exception 'box latitudes are within [-90, 90] and longitudes within [-180, 180]' using errcode = '22023', hint = 'invalid_box';
  end if;
  if min_latitude > max_latitude then
    raise exception 'min_latitude must not exceed max_latitude (min_longitude > max_longitude is a box across the antimeridian)'
      using errcode = '22023', hint = 'invalid_box';
  end if;

  -- What. Arrays are bounded before they are read: each value costs a test per candidate.
  if cardinality(amenities) > 50 then
    raise exception 'at most 50 amenities' using errcode = '22023', hint = 'too_many_amenities';
  end if;
  if cardinality(property_types) > 50 then
    raise exception 'at most 50 property types' using errcode = '22023', hint = 'too_many_property_types';
  end if;
  if min_price_cents < 0 or max_price_cents < 0 or min_price_cents > max_price_cents then
    raise exception 'prices are not negative and min_price_cents does not exceed max_price_cents'
      using errcode = '22023', hint = 'invalid_price_range';
  end if;
  select a.code into unknown_amenity
    from unnest(amenities) a(code)
   where a.code is null or not exists (select 1 from public.amenities known where known.code = a.code)
   limit 1;
  if found then
    raise exception 'unknown amenity %', coalesce(unknown_amenity, 'null') using errcode = '22023', hint = 'unknown_amenity';
  end if;
  if array_position(property_types, null) is not null then
    raise exception 'property_types cannot contain null' using errcode = '22023', hint = 'invalid_property_types';
  end if;
  if nullif(btrim(query), '') is not null then
    if char_length(query) > 200 then
      raise exception 'query is at most 200 characters' using errcode = '22023', hint = 'query_too_long';
    end if;
    text_query := websearch_to_tsquery('english'::regconfig, query);
    if numnode(text_query) = 0 then
      text_query := null;  -- only stop words: no text filter
    elsif ''::tsvector @@ text_query then
      -- It matches a listing with no words at all (only exclusions, or "or -word"): the text index cannot narrow it,
      -- so it would read and rank every listing.
      raise exception 'a text query needs a word to look for; words with - only exclude'
        using errcode = '22023', hint = 'query_needs_a_word';
    end if;
  end if;

  -- Order and page
  order_kind := case sort
    when 'relevance' then case when text_query is not null then 'rank' when latitude is not null then 'distance' else 'rating' end
    when 'price_asc' then 'price_asc'
    when 'price_desc' then 'price_desc'
    when 'rating' then 'rating'
    when 'distance' then 'distance'
  end;
  if order_kind is null then
    raise exception 'sort is one of relevance, price_asc, price_desc, rating, distance' using errcode = '22023', hint = 'unknown_sort';
  end if;
  if order_kind = 'distance' and latitude is null then
    raise exception 'sorting by distance needs a point (latitude and longitude)' using errcode = '22023', hint = 'distance_needs_point';
  end if;
  if page_size is null or page_size not between 1 and 100 then
    raise exception 'page_size is between 1 and 100' using errcode = '22023', hint = 'invalid_page_size';
  end if;
  if after is not null then
    -- A cursor is at most ~150 characters; a longer text is not one (and is not worth decoding).
    if char_length(after) > 500 then
      raise exception 'after is not a cursor of this search: pass the cursor of the last row of the previous page'
        using errcode = '22023', hint = 'invalid_cursor';
    end if;
    cursor_parts := private.decode_search_cursor(after, order_kind);
    if cursor_parts is null then
      raise exception 'after is not a cursor of this search: pass the cursor of the last row of the previous page'
        using errcode = '22023', hint = 'invalid_cursor';
    end if;
    after_id := cursor_parts[cardinality(cursor_parts)]::uuid;
    after_keys := cursor_parts[2:cardinality(cursor_parts) - 1];
  end if;

  return query
    select * from private.search_published_listings(
      check_in, check_out, guests, latitude, longitude, radius_km, min_latitude, min_longitude, max_latitude,
      max_longitude, min_price_cents, max_price_cents, amenities, property_types, instant_book, text_query,
      order_kind, page_size, after_keys, after_id);
end
$$;
comment on function public.search_properties(date, date, integer, double precision, double precision, double precision,
  double precision, double precision, double precision, double precision, integer, integer, text[],
  public.property_type[], boolean, text, text, integer, text) is
  'Searches published listings free for the dates (if given) and fitting the guests, by place (point + radius, or map box, antimeridian-aware), price, amenities (all), types, instant book and text; sorted by relevance, price_asc, price_desc, rating or distance; keyset-paged by cursor. Errors: 22023 with a hint (docs/search.md).';

-- Grants ---------------------------------------------------------------------------------------------------------

revoke all on table private.search_settings from public, anon, authenticated;
grant select on table private.search_settings to service_role;

-- Only public.search_properties (which validates every input and runs as the owner) calls these.
revoke all on function private.decode_search_cursor(text, text),
  private.search_published_listings(date, date, integer, double precision, double precision, double precision,
    double precision, double precision, double precision, double precision, integer, integer, text[],
    public.property_type[], boolean, tsquery, text, integer, text[], uuid)
  from public, anon, authenticated;
grant execute on function private.decode_search_cursor(text, text),
  private.search_published_listings(date, date, integer, double precision, double precision, double precision,
    double precision, double precision, double precision, double precision, integer, integer, text[],
    public.property_type[], boolean, tsquery, text, integer, text[], uuid)
  to service_role;

revoke all on function public.search_properties(date, date, integer, double precision, double precision,
  double precision, double precision, double precision, double precision, double precision, integer, integer, text[],
  public.property_type[], boolean, text, text, integer, text) from public;
grant execute on function public.search_properties(date, date, integer, double precision, double precision,
  double precision, double precision, double precision, double precision, double precision, integer, integer, text[],
  public.property_type[], boolean, text, text, integer, text) to anon, authenticated, service_role;

-- Row-level security ---------------------------------------------------------------------------------------------

alter table private.search_settings enable row level security;
