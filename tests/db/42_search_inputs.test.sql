-- Search inputs a hostile client would send: dates that are not calendar days, dates past every booking window,
-- huge arrays, empty arrays, text that only excludes, a cursor of megabytes, and searches too broad to sort within
-- the read budget. Each is refused with 22023 and a hint, or served by a plan whose cost does not grow with them.
begin;
set local search_path = extensions, public;
select plan(28);

select tests.create_user('inputs-host');
-- Far from every other fixture: a bay at 60.3 S, 100.3 E.
select tests.create_property(tests.user('inputs-host'), 'Quokka bay hut', latitude => -60.3, longitude => 100.3,
                             max_nights => 30, handle => 'hut');
select tests.create_property(tests.user('inputs-host'), 'Quokka bay shed', latitude => -60.31, longitude => 100.31,
                             booking_window_days => 30, handle => 'shed');
update public.properties set property_type = 'cabin' where id = tests.property('hut');
update public.properties set property_type = 'other' where id = tests.property('shed');

-- The listings a search returns, by handle.
create function pg_temp.found(args text) returns text[]
language plpgsql as $$
declare result text[];
begin
  execute format($q$ select coalesce(array_agg(f.handle order by f.handle), '{}') from public.search_properties(%s) r
                     join tests.named('property') f on f.id = r.id $q$, args) into result;
  return result;
end $$;
create function pg_temp.day(days integer) returns date language sql stable as $$ select tests.local_today('UTC') + days $$;

select tests.act_as_anon();

-- Dates ------------------------------------------------------------------------------------------------------------
select tests.refuses($$ select * from public.search_properties(check_in => current_date + 5, check_out => 'infinity') $$,
  '22023', 'invalid_dates', 'a stay to infinity is refused as invalid_dates',
  message => 'dates are calendar days up to 9999-12-31');
select tests.refuses($$ select * from public.search_properties(check_in => '-infinity', check_out => current_date + 5) $$,
  '22023', 'invalid_dates', 'a stay from -infinity is refused as invalid_dates');
select tests.refuses($$ select * from public.search_properties(check_in => '10000-01-01', check_out => '10000-01-03') $$,
  '22023', 'invalid_dates', 'a stay past the year 9999 is refused as invalid_dates');
select tests.refuses($$ select * from public.search_properties(check_in => current_date + 800, check_out => current_date + 803) $$,
  '22023', 'beyond_booking_window', 'a check-in past every booking window (730 days) is refused',
  message => 'no listing takes bookings more than 730 days ahead');
select is(pg_temp.found(format('min_latitude => -61, max_latitude => -60, min_longitude => 100, max_longitude => 101, check_in => %L, check_out => %L',
                               pg_temp.day(30), pg_temp.day(32))),
  array['hut', 'shed'], 'a check-in on the last day of a listing''s window finds it');
select is(pg_temp.found(format('min_latitude => -61, max_latitude => -60, min_longitude => 100, max_longitude => 101, check_in => %L, check_out => %L',
                               pg_temp.day(31), pg_temp.day(33))),
  array['hut'], 'a check-in past a listing''s window (30 days) does not find it: search applies the booking window');

-- Arrays: bounded, and empty means no filter ------------------------------------------------------------------------
select tests.refuses($$ select * from public.search_properties(amenities => array_fill('wifi'::text, array[200000])) $$,
  '22023', 'too_many_amenities', '200,000 amenities are refused before any is read', message => 'at most 50 amenities');
select tests.refuses($$ select * from public.search_properties(amenities => array_fill('wifi'::text, array[51])) $$,
  '22023', 'too_many_amenities', 'more than 50 amenities are refused');
select tests.refuses($$ select * from public.search_properties(property_types => array_fill('cabin'::public.property_type, array[200000])) $$,
  '22023', 'too_many_property_types', '200,000 property types are refused before any is read',
  message => 'at most 50 property types');
select is(pg_temp.found($$ min_latitude => -61, max_latitude => -60, min_longitude => 100, max_longitude => 101,
                           property_types => array_fill('cabin'::public.property_type, array[50]) $$),
  array['hut'], '50 property types are accepted');
select is(pg_temp.found($$ min_latitude => -61, max_latitude => -60, min_longitude => 100, max_longitude => 101, property_types => '{}' $$),
  array['hut', 'shed'], 'an empty property_types array is no filter, like null');
select is(pg_temp.found($$ min_latitude => -61, max_latitude => -60, min_longitude => 100, max_longitude => 101, amenities => '{}' $$),
  array['hut', 'shed'], 'an empty amenities array is no filter, like null (one rule for both)');

-- Text ---------------------------------------------------------------------------------------------------------------
select tests.refuses($$ select * from public.search_properties(query => '-a1 -a2 -b3 -c4 -d5 -e6 -f5') $$,
  '22023', 'query_needs_a_word', 'a query that only excludes words is refused (it would read every listing)',
  message => 'a text query needs a word to look for; words with - only exclude');
select tests.refuses($$ select * from public.search_properties(query => 'quokka or -shed') $$,
  '22023', 'query_needs_a_word', 'a query that matches a listing without any of its words is refused');
select is(pg_temp.found($$ query => 'quokka -shed' $$), array['hut'], 'a word to look for and a word to exclude is a query');
select is(pg_temp.found($$ query => 'the of and' $$ || ', min_latitude => -61, max_latitude => -60, min_longitude => 100, max_longitude => 101'),
  array['hut', 'shed'], 'a query of stop words only is still no text filter');

-- Cursor -------------------------------------------------------------------------------------------------------------
select tests.refuses($$ select * from public.search_properties(after => repeat('A', 10000000)) $$,
  '22023', 'invalid_cursor', 'a cursor of ten million characters is refused without decoding it');

-- Searches too broad to sort within the budget ----------------------------------------------------------------------
-- The read budgets, lowered for this suite (private.search_settings; 2,000, 5,000 and 20,000 by default), and 1,001
-- bunks in the bay: more than the search ranks by relevance (100) or sorts by distance (200), and more than it
-- examines in a sort index's order (1,000).
select tests.act_as_owner();
update private.search_settings set rank_budget = 100, candidate_budget = 200, scan_budget = 1000;
-- Each bunk is placed (its exact location; the database derives its public point), then published.
with bunks as (
  insert into public.properties (host_id, title, city, country_code, time_zone, currency, nightly_price_cents,
                                 property_type)
  select tests.user('inputs-host'), 'Quokka bay bunk ' || n, 'Bunkville', 'AU', 'UTC', 'AUD', 20000 + n, 'room'
  from generate_series(1, 1001) n
  returning id, nightly_price_cents - 20000 as n
)
insert into public.property_locations (property_id, latitude, longitude)
select id, -60.2 - (n % 100) * 0.001, 100.2 + (n / 100) * 0.001 from bunks;
update public.properties set status = 'published' where title like 'Quokka bay bunk %';
select tests.act_as_anon();
select tests.refuses($$ select * from public.search_properties(query => 'quokka') $$,
  '22023', 'search_too_broad', 'text matching more listings than the rank budget is refused rather than ranked',
  message => 'more than 100 listings match before dates, too many to sort by relevance: add a place, a smaller radius or more words, or sort by price or rating');
select tests.refuses($$ select * from public.search_properties(latitude => -60.2, longitude => 100.2, radius_km => 50) $$,
  '22023', 'search_too_broad', 'a radius holding more listings than the candidate budget is refused rather than sorted by distance');
select tests.refuses($$ select * from public.search_properties(latitude => -60.2, longitude => 100.2) $$,
  '22023', 'search_too_broad', 'a point without a radius, over more listings than the candidate budget, is refused rather than sorted by distance');
select is((select array_agg(r.nightly_price_cents order by r.ordinality) from public.search_properties(
             query => 'quokka', sort => 'price_asc', page_size => 3) with ordinality r),
  array[10000, 10000, 20001], 'the same text sorted by price is served (read in price order)');
select is((select array_agg(r.id order by r.ordinality) from public.search_properties(
             latitude => -60.2, longitude => 100.2, radius_km => 50, sort => 'price_desc', page_size => 5) with ordinality r),
  (select array_agg(p.id order by p.nightly_price_cents desc, p.id desc) from (
     select id, nightly_price_cents from public.properties where title like 'Quokka bay bunk %'
      order by nightly_price_cents desc, id desc limit 5) p),
  'a radius too large for the location index, sorted by price, is read in price order and answers exactly');
select is((select count(*)::int from public.search_properties(
             min_latitude => -61, max_latitude => -60, min_longitude => 100, max_longitude => 101, sort => 'rating', page_size => 100)),
  100, 'a box too large for the location index, sorted by rating, is served a page at a time');
select is((select count(*)::int from public.search_properties(query => 'quokka bay hut')), 1,
  'a narrower text is ranked as usual');
select tests.refuses($$ select * from public.search_properties(guests => 50, sort => 'rating') $$,
  '22023', 'search_too_narrow', 'conditions no index narrows, matching none of the listings the scan budget reads in the order, are refused rather than read to the end',
  message => 'these conditions match too few of the first 1000 listings in this order to find a page within the time budget: add a place, a word or an amenity, or drop a condition');
select is(pg_temp.found($$ property_types => '{other}', sort => 'price_asc', page_size => 1 $$), array['shed'],
  'a rare condition found within the scan budget fills its page');
select is((select count(*)::int from public.search_properties(guests => 50, sort => 'rating', min_latitude => -60.32, max_latitude => -60.295,
                                                            min_longitude => 100.29, max_longitude => 100.32)), 0,
  'a place small enough for the location index answers even when nothing in it fits');
select is((select count(*)::int from public.search_properties(latitude => -60.3, longitude => 100.3, radius_km => 2)), 2,
  'a small radius is sorted by distance as usual');


select * from finish();
rollback;
