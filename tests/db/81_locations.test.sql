-- Locations: who reads and writes a listing's exact place (property_locations), the public point the database derives
-- from it (properties.latitude/longitude), and publishing only once placed.
--
-- Roles: hana hosts the loft; otto hosts the studio in the same building; gus has a confirmed stay at the loft, mei a
-- completed one, pia only an unpaid request, cal a cancelled one; nosy is an unrelated member; ari an admin.
begin;
set local search_path = extensions, public;
select plan(48);

-- Fixtures ------------------------------------------------------------------------------------------------------
select tests.create_user('hana');
select tests.create_user('otto');
select tests.create_user('gus');
select tests.create_user('mei');
select tests.create_user('pia');
select tests.create_user('cal');
select tests.create_user('nosy');
select tests.create_admin('ari');

select tests.create_property(tests.user('hana'), 'Location loft', 'UTC', latitude => -41.2865, longitude => 174.7762,
                             address_line => '12 Secret Lane', handle => 'loft');
select tests.create_property(tests.user('otto'), 'Same building studio', 'UTC', latitude => -41.2865,
                             longitude => 174.7762, address_line => '12 Secret Lane, flat 2', handle => 'studio');

select tests.act_as(tests.user('gus'));
select tests.remember('booking', 'confirmed', (public.request_booking(tests.property('loft'), current_date + 20, current_date + 22, 1)).id);
select tests.act_as(tests.user('pia'));
select tests.remember('booking', 'pending', (public.request_booking(tests.property('loft'), current_date + 30, current_date + 32, 1)).id);
select tests.act_as(tests.user('cal'));
select public.cancel_booking((public.request_booking(tests.property('loft'), current_date + 40, current_date + 42, 1)).id);
select tests.act_as_owner();
update public.bookings set status = 'confirmed', expires_at = null, confirmed_at = now() where id = tests.booking('confirmed');
select tests.create_completed_stay(tests.property('loft'), tests.user('mei'), current_date - 10, 2);

create function pg_temp.readable_addresses() returns text[]
language sql as $$
  select coalesce(array_agg(l.address_line order by l.address_line), '{}') from public.property_locations l
   where l.property_id in (tests.property('loft'), tests.property('studio'))
$$;
-- Great-circle distance in metres (haversine, mean Earth radius), as the search measures it.
create function pg_temp.metres(lat1 float8, lon1 float8, lat2 float8, lon2 float8) returns float8
language sql immutable as $$
  select 2 * 6371008.8 * asin(least(1, sqrt(power(sin(radians(lat2 - lat1) / 2), 2)
                                           + cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2))))
$$;
create function pg_temp.public_offset(handle text) returns float8
language sql as $$
  select pg_temp.metres(l.latitude, l.longitude, p.latitude, p.longitude)
    from public.property_locations l join public.properties p on p.id = l.property_id
   where l.property_id = tests.property(handle)
$$;
grant execute on all functions in schema pg_temp to anon, authenticated, service_role;

-- Who reads the exact place --------------------------------------------------------------------------------------
select tests.act_as_anon();
select throws_ok($$ select * from public.property_locations $$, '42501', null,
  'anon has no privilege on exact locations at all');
select is((select count(*)::int from public.properties where id = tests.property('loft') and latitude is not null), 1,
  'anon reads the listing and its public point');
select tests.act_as(tests.user('nosy'));
select is(pg_temp.readable_addresses(), '{}'::text[], 'an unrelated member reads no exact location');
select tests.act_as(tests.user('pia'));
select is(pg_temp.readable_addresses(), '{}'::text[], 'a guest with only an unpaid request does not read the exact location');
select tests.act_as(tests.user('cal'));
select is(pg_temp.readable_addresses(), '{}'::text[], 'a guest whose booking was cancelled does not read the exact location');
select tests.act_as(tests.user('gus'));
select is(pg_temp.readable_addresses(), array['12 Secret Lane'], 'a guest with a confirmed booking reads that listing''s exact location, and only that one');
select is((select (latitude, longitude)::text from public.property_locations where property_id = tests.property('loft')),
  (-41.2865::float8, 174.7762::float8)::text, 'the confirmed guest reads the exact point');
select tests.act_as(tests.user('mei'));
select is(pg_temp.readable_addresses(), array['12 Secret Lane'], 'a guest whose stay is completed still reads the exact location');
select tests.act_as(tests.user('hana'));
select is(pg_temp.readable_addresses(), array['12 Secret Lane'], 'the host reads their own listing''s exact location, not a neighbour''s');
select tests.act_as(tests.user('otto'));
select is(pg_temp.readable_addresses(), array['12 Secret Lane, flat 2'], 'another host reads only their own');
select tests.act_as(tests.user('ari'));
select is(pg_temp.readable_addresses(), '{}'::text[], 'an admin without a second factor reads what any member reads');
select tests.act_as(tests.user('ari'), aal => 'aal2');
select is(pg_temp.readable_addresses(), array['12 Secret Lane', '12 Secret Lane, flat 2'], 'an admin at aal2 reads every exact location');
select tests.act_as_service();
select is(pg_temp.readable_addresses(), array['12 Secret Lane', '12 Secret Lane, flat 2'], 'the service role reads every exact location');

-- Who writes it --------------------------------------------------------------------------------------------------
select tests.act_as(tests.user('nosy'));
select throws_ok(format($$ insert into public.property_locations (property_id, latitude, longitude) values (%L, 1, 1) $$,
                        tests.create_property(tests.user('nosy'), 'Nosy draft', status => 'draft')),
  '23505', null, 'a listing has one location (the helper placed it already)');
with moved as (update public.property_locations set address_line = 'Elsewhere' where property_id = tests.property('loft') returning 1)
select is(count(*)::int, 0, 'an unrelated member cannot move a listing') from moved;
select tests.act_as(tests.user('gus'));
with moved as (update public.property_locations set address_line = 'Elsewhere' where property_id = tests.property('loft') returning 1)
select is(count(*)::int, 0, 'a confirmed guest reads the location but cannot change it') from moved;
select tests.act_as(tests.user('otto'));
select throws_ok(format($$ insert into public.property_locations (property_id, latitude, longitude) values (%L, 1, 1) $$,
                        tests.property('Nosy draft')),
  '42501', 'new row violates row-level security policy for table "property_locations"',
  'a host cannot place another member''s listing');
select tests.act_as(tests.user('hana'));
select lives_ok(format($$ update public.property_locations set address_line = e' 12 Secret Lane \u200b', postal_code = ' 6011 '
                          where property_id = %L $$, tests.property('loft')),
  'the host edits their listing''s address');
select is((select (address_line, postal_code)::text from public.property_locations where property_id = tests.property('loft')),
  ('12 Secret Lane', '6011')::text, 'an address is stored trimmed');
select tests.refuses(format($$ update public.property_locations set address_line = repeat('a', 201) where property_id = %L $$,
                            tests.property('loft')),
  '22023', 'text_too_long', 'an address line is at most 200 characters', 'address_line has at most 200 characters');
select throws_ok(format($$ delete from public.property_locations where property_id = %L $$, tests.property('loft')),
  '42501', null, 'nobody deletes a location through the API: it goes with its listing');
select throws_ok(format($$ update public.property_locations set property_id = %L where property_id = %L $$,
                        tests.property('studio'), tests.property('loft')),
  '42501', null, 'a location cannot be moved to another listing');

-- The public point is the database's ---------------------------------------------------------------------------------
select throws_ok(format($$ update public.properties set latitude = -41.2865, longitude = 174.7762 where id = %L $$, tests.property('loft')),
  '42501', null, 'the host cannot write the public point');
select throws_ok($$ insert into public.properties (title, city, country_code, time_zone, currency, nightly_price_cents, latitude, longitude)
                   values ('Pinned', 'Wellington', 'NZ', 'UTC', 'NZD', 9000, -41.2865, 174.7762) $$,
  '42501', null, 'nor set it when creating a listing');
select throws_ok($$ select secret from private.location_secret $$, '42501', null, 'a member cannot read the key of the public points');
select throws_ok($$ select * from private.public_point(0, 0) $$, '42501', null, 'nor compute public points');
select tests.act_as_anon();
select throws_ok($$ select secret from private.location_secret $$, '42501', null, 'nor can anon read the key');

select tests.act_as_owner();
select is((select octet_length(secret) from private.location_secret), 32, 'the database keeps one key of 32 random bytes');
select ok(pg_temp.public_offset('loft') between 150 and 500,
  format('the public point is 150-500 m from the exact one (%s m)', round(pg_temp.public_offset('loft'))));
select is((select (p.latitude, p.longitude)::text from public.properties p where p.id = tests.property('loft')),
  (select (pp.latitude, pp.longitude)::text from private.public_point(-41.2865, 174.7762) pp),
  'the public point is derived from the exact point by private.public_point');
select is((select (p.latitude, p.longitude)::text from public.properties p where p.id = tests.property('studio')),
  (select (p.latitude, p.longitude)::text from public.properties p where p.id = tests.property('loft')),
  'listings in one building share one public point, so comparing them reveals nothing');

create temporary table before_edits as select latitude, longitude from public.properties where id = tests.property('loft');
select tests.act_as(tests.user('hana'));
update public.properties set title = 'Location loft, renamed', nightly_price_cents = 12345 where id = tests.property('loft');
-- 11 m north: the same grid row (rows are 0.001 degree; -41.2865 is a row's middle) and column (the same longitude).
update public.property_locations set latitude = -41.2864 where property_id = tests.property('loft');
select tests.act_as_owner();
select is((select (latitude, longitude)::text from public.properties where id = tests.property('loft')),
  (select (latitude, longitude)::text from before_edits),
  'the public point does not move when the listing is edited or its exact point moves within its ~100 m cell');
select tests.act_as(tests.user('hana'));
update public.property_locations set latitude = -41.30, longitude = 174.80 where property_id = tests.property('loft');
select tests.act_as_owner();
select isnt((select (latitude, longitude)::text from public.properties where id = tests.property('loft')),
  (select (latitude, longitude)::text from before_edits), 'moving the listing elsewhere moves its public point');
select ok(pg_temp.public_offset('loft') between 150 and 500, 'and the new public point is again 150-500 m from the new exact point');

-- The bound holds everywhere: random points over the sphere, near both poles, on both sides of the antimeridian,
-- and the extremes themselves.
create temporary table sample as
select lat, lon, pp.latitude as public_lat, pp.longitude as public_lon, pg_temp.metres(lat, lon, pp.latitude, pp.longitude) as metres
from (
  select degrees(asin(2 * random() - 1)) as lat, 360 * random() - 180 as lon from generate_series(1, 3000)
  union all select 90 - random() * 0.02, 360 * random() - 180 from generate_series(1, 500)
  union all select -90 + random() * 0.02, 360 * random() - 180 from generate_series(1, 500)
  union all select 160 * random() - 80, 180 - random() * 0.01 from generate_series(1, 500)
  union all select 160 * random() - 80, -180 + random() * 0.01 from generate_series(1, 500)
  union all values (90::float8, 0::float8), (-90, 0), (0, 180), (0, -180), (89.9999, 180), (-89.9999, -180), (0, 0)
) points(lat, lon)
cross join lateral private.public_point(lat, lon) pp;
select is((select count(*)::int from sample where metres between 150 and 500), (select count(*)::int from sample),
  format('every one of %s points has its public point 150-500 m away (%s to %s m)', (select count(*) from sample),
         (select round(min(metres)) from sample), (select round(max(metres)) from sample)));
select ok((select bool_and(public_lat between -90 and 90 and public_lon >= -180 and public_lon < 180) from sample),
  'public points are valid coordinates, the longitude wrapped into [-180, 180)');
select ok((select count(distinct round(degrees(atan2(public_lon - lon, public_lat - lat)) / 10)) from sample
            where abs(lat) < 60 and abs(lon) < 170) >= 30,
  'the direction of the offset varies from cell to cell (no fixed shift to undo)');
select ok((select stddev(metres) from sample) > 30, 'and so does its distance');
-- Keyed: another key gives other public points (each database has its own key).
create temporary table with_first_key as select pp.* from private.public_point(-41.2865, 174.7762) pp;
update private.location_secret set secret = gen_random_bytes(32);
select isnt((select (pp.latitude, pp.longitude)::text from private.public_point(-41.2865, 174.7762) pp),
  (select (latitude, longitude)::text from with_first_key), 'the public point depends on the secret key');

-- Publishing needs a location ----------------------------------------------------------------------------------------
insert into public.properties (host_id, title, city, country_code, time_zone, currency, nightly_price_cents)
values (tests.user('hana'), 'Unplaced draft', 'Wellington', 'NZ', 'UTC', 'NZD', 9000);
select tests.act_as(tests.user('hana'));
select tests.refuses($$ update public.properties set status = 'published' where title = 'Unplaced draft' $$,
  'PT409', 'location_required', 'a listing without a location cannot be published',
  message => 'add the listing''s location (property_locations) before publishing it');
select is((select (latitude, longitude)::text from public.properties where title = 'Unplaced draft'), (null::float8, null::float8)::text,
  'a listing without a location has no public point');
select lives_ok($$ insert into public.property_locations (property_id, address_line, latitude, longitude)
                   select id, '3 New Road', -41.25, 174.70 from public.properties where title = 'Unplaced draft' $$,
  'the host places their listing');
select lives_ok($$ update public.properties set status = 'published' where title = 'Unplaced draft' $$,
  'and then publishes it');
select tests.act_as_service();
select tests.refuses(format($$ insert into public.properties (host_id, title, city, country_code, time_zone, currency,
                                 nightly_price_cents, status) values (%L, 'Imported', 'Wellington', 'NZ', 'UTC', 'NZD', 9000, 'published') $$,
                            tests.user('hana')),
  'PT409', 'location_required', 'the service role cannot publish an unplaced listing either');

-- Locations go with their listing, and with their host ---------------------------------------------------------------
select tests.act_as_owner();
select lives_ok(format($$ select private.erase_member(%L) $$, tests.user('otto')), 'a host without active bookings is erased');
select is((select (status, latitude, longitude)::text from public.properties where id = tests.property('studio')),
  ('archived', null::float8, null::float8)::text, 'their listing is archived and keeps no public point');
select is((select count(*)::int from public.property_locations where property_id = tests.property('studio')), 0,
  'their listing''s exact location is deleted');
delete from public.properties where title = 'Unplaced draft';
select is((select count(*)::int from public.property_locations where address_line = '3 New Road'), 0,
  'deleting a listing deletes its location');

select * from finish();
rollback;
