-- Quotes and calendars: exact prices (seasonal rates, discounts, cleaning, the 14% / 3% fee rule rounded half up),
-- the reasons a stay cannot be booked, and nights judged in the property's own time zone.
--
-- Dates are relative to "today where the property is", (now() at time zone tz)::date, so every expectation holds
-- on any day it runs. The session runs in Pacific/Kiritimati (UTC+14, ahead of every fixture) so that a function
-- using the session's date instead of the property's would be caught. D below is Auckland's today.
begin;
set local search_path = extensions, public;
set local timezone = 'Pacific/Kiritimati';
select plan(49);

-- Fixtures ------------------------------------------------------------------------------------------------------
select tests.create_user('hana');
select tests.create_user('gia');

-- Today where the listing is, plus n days (security definer: the draft's time zone is read whoever acts).
create function pg_temp.day(handle text, n integer) returns date
language sql stable
security definer
as $$ select (now() at time zone p.time_zone)::date + n from public.properties p where p.id = tests.property(handle) $$;
-- The quote for nights [day(from), day(to)) without its nightly breakdown.
create function pg_temp.quote(handle text, from_day integer, to_day integer, guests integer default 2) returns jsonb
language sql stable
as $$
  select to_jsonb(public.quote_stay(tests.property(handle), pg_temp.day(handle, from_day), pg_temp.day(handle, to_day), guests)) - 'nightly'
$$;
create function pg_temp.expected(bookable boolean, reason text, nights integer, currency text, accommodation bigint,
                                 discount bigint, cleaning bigint, service_fee bigint, total bigint, host_fee bigint,
                                 payout bigint) returns jsonb
language sql immutable
as $$
  select jsonb_build_object('bookable', bookable, 'reason', reason, 'nights', nights, 'currency', currency,
    'accommodation_cents', accommodation, 'discount_cents', discount, 'cleaning_fee_cents', cleaning,
    'service_fee_cents', service_fee, 'total_cents', total, 'host_fee_cents', host_fee, 'host_payout_cents', payout)
$$;

-- loft: 100.00 NZD a night, 25.00 cleaning, 10% weekly, 25% monthly, 2..40 nights, up to 4 guests;
--       a seasonal rate of 150.00 for the nights [D+50, D+53); a host block on [D+120, D+122).
-- room: 10.75 NZD a night, no cleaning, 10% weekly, 1..30 nights (prices chosen so fees land on half units).
-- bungalow: 200.00 USD a night in Los Angeles, 1..30 nights.
select tests.create_property(tests.user('hana'), 'Quote Loft', 'Pacific/Auckland', nightly_price_cents => 10000,
  cleaning_fee_cents => 2500, weekly_discount_pct => 10, monthly_discount_pct => 25, min_nights => 2, max_nights => 40,
  max_guests => 4, city => 'Auckland', handle => 'loft');
select tests.create_property(tests.user('hana'), 'Rounding Room', 'Pacific/Auckland', nightly_price_cents => 1075,
  cleaning_fee_cents => 0, weekly_discount_pct => 10, min_nights => 1, max_nights => 30, max_guests => 2,
  city => 'Auckland', latitude => -36.86, handle => 'room');
select tests.create_property(tests.user('hana'), 'LA Bungalow', 'America/Los_Angeles', nightly_price_cents => 20000,
  cleaning_fee_cents => 0, min_nights => 1, max_nights => 30, max_guests => 2, currency => 'USD',
  city => 'Los Angeles', country_code => 'US', latitude => 34.05, longitude => -118.24, handle => 'bungalow');
select tests.create_property(tests.user('hana'), 'Unfinished Draft', 'Pacific/Auckland', nightly_price_cents => 10000,
  cleaning_fee_cents => 0, min_nights => 1, max_nights => 30, max_guests => 2, status => 'draft',
  city => 'Auckland', latitude => -36.87, handle => 'draft');
insert into public.seasonal_rates (property_id, start_date, end_date, nightly_price_cents, label)
values (tests.property('loft'), pg_temp.day('loft', 50), pg_temp.day('loft', 53), 15000, 'festival');
insert into public.availability_blocks (property_id, start_date, end_date)
values (tests.property('loft'), pg_temp.day('loft', 120), pg_temp.day('loft', 122));

select tests.act_as_anon();

-- Seasonal boundaries -------------------------------------------------------------------------------------------
-- D+48 .. D+51: 100.00 + 100.00 + 150.00 = 350.00; subtotal 350.00 + 25.00 = 375.00;
-- service 14% = 52.50; host 3% = 11.25; total 375.00 + 52.50 = 427.50; payout 375.00 - 11.25 = 363.75.
select is(pg_temp.quote('loft', 48, 51), pg_temp.expected(true, null, 3, 'NZD', 35000, 0, 2500, 5250, 42750, 1125, 36375),
  'a stay straddling the start of a seasonal rate pays the seasonal price only for the nights it covers');
select is((to_jsonb(public.quote_stay(tests.property('loft'), pg_temp.day('loft', 48), pg_temp.day('loft', 51), 2)) -> 'nightly'),
  jsonb_build_array(jsonb_build_object('night', pg_temp.day('loft', 48), 'price_cents', 10000),
                    jsonb_build_object('night', pg_temp.day('loft', 49), 'price_cents', 10000),
                    jsonb_build_object('night', pg_temp.day('loft', 50), 'price_cents', 15000)),
  'the quote lists each night with its price, the first seasonal night at the seasonal price');
-- D+52 .. D+55: 150.00 (D+52) + 100.00 (D+53, the rate's exclusive end) + 100.00 = 350.00: same totals as above.
select is(pg_temp.quote('loft', 52, 55), pg_temp.expected(true, null, 3, 'NZD', 35000, 0, 2500, 5250, 42750, 1125, 36375),
  'a stay straddling the end of a seasonal rate pays it only for the nights before its end_date');
select is((to_jsonb(public.quote_stay(tests.property('loft'), pg_temp.day('loft', 52), pg_temp.day('loft', 55), 2)) -> 'nightly' -> 1),
  jsonb_build_object('night', pg_temp.day('loft', 53), 'price_cents', 10000),
  'a seasonal rate''s end_date is exclusive: that night is at the base price');
-- D+50 .. D+53: 3 × 150.00 = 450.00; subtotal 475.00; service 66.50; host 14.25; total 541.50; payout 460.75.
select is(pg_temp.quote('loft', 50, 53), pg_temp.expected(true, null, 3, 'NZD', 45000, 0, 2500, 6650, 54150, 1425, 46075),
  'a stay inside a seasonal rate pays the seasonal price every night');

-- Discount thresholds -------------------------------------------------------------------------------------------
-- 6 nights: 600.00, no discount; subtotal 625.00; service 87.50; host 18.75; total 712.50; payout 606.25.
select is(pg_temp.quote('loft', 60, 66), pg_temp.expected(true, null, 6, 'NZD', 60000, 0, 2500, 8750, 71250, 1875, 60625),
  'six nights get no weekly discount');
-- 7 nights: 700.00, weekly 10% = 70.00; subtotal 700.00 - 70.00 + 25.00 = 655.00; service 91.70; host 19.65;
-- total 746.70; payout 635.35.
select is(pg_temp.quote('loft', 60, 67), pg_temp.expected(true, null, 7, 'NZD', 70000, 7000, 2500, 9170, 74670, 1965, 63535),
  'seven nights get the weekly discount, and fees are charged on the discounted subtotal');
-- 27 nights: 2700.00, weekly 10% = 270.00; subtotal 2455.00; service 343.70; host 73.65; total 2798.70; payout 2381.35.
select is(pg_temp.quote('loft', 60, 87), pg_temp.expected(true, null, 27, 'NZD', 270000, 27000, 2500, 34370, 279870, 7365, 238135),
  'twenty-seven nights still get the weekly discount');
-- 28 nights: 2800.00, monthly 25% = 700.00 (instead of weekly 280.00); subtotal 2125.00; service 297.50;
-- host 63.75; total 2422.50; payout 2061.25.
select is(pg_temp.quote('loft', 60, 88), pg_temp.expected(true, null, 28, 'NZD', 280000, 70000, 2500, 29750, 242250, 6375, 206125),
  'twenty-eight nights get the monthly discount instead of the weekly one');

-- Minimum and maximum nights ------------------------------------------------------------------------------------
-- 1 night: 100.00; subtotal 125.00; service 17.50; host 3.75; total 142.50; payout 121.25 (priced, not bookable).
select is(pg_temp.quote('loft', 60, 61), pg_temp.expected(false, 'below_min_nights', 1, 'NZD', 10000, 0, 2500, 1750, 14250, 375, 12125),
  'a stay shorter than min_nights is not bookable (below_min_nights) but still priced');
select is(pg_temp.quote('loft', 60, 62) ->> 'reason', null, 'a stay of exactly min_nights is bookable');
select is(pg_temp.quote('loft', 60, 100) -> 'bookable', 'true'::jsonb, 'a stay of exactly max_nights is bookable');
select is(pg_temp.quote('loft', 60, 101) ->> 'reason', 'above_max_nights', 'a stay longer than max_nights is not bookable (above_max_nights)');
select is(jsonb_strip_nulls(pg_temp.quote('loft', 60, 1260)),
  jsonb_build_object('bookable', false, 'reason', 'above_max_nights', 'currency', 'NZD'),
  'a stay longer than any listing allows (1125 nights) is refused without pricing it');

-- Guests --------------------------------------------------------------------------------------------------------
select is(pg_temp.quote('loft', 60, 62, 4) ->> 'reason', null, 'a stay for exactly max_guests is bookable');
select is(pg_temp.quote('loft', 60, 62, 5) ->> 'reason', 'too_many_guests', 'more guests than max_guests is not bookable (too_many_guests)');
select is(pg_temp.quote('loft', 60, 62, 0) ->> 'reason', 'invalid_guests', 'zero guests is not a stay (invalid_guests)');
select is(pg_temp.quote('loft', 60, 62, -3) ->> 'reason', 'invalid_guests', 'a negative number of guests is not a stay (invalid_guests)');
select is((to_jsonb(public.quote_stay(tests.property('loft'), pg_temp.day('loft', 60), pg_temp.day('loft', 62))) ->> 'reason'), null,
  'guests defaults to one');

-- Invalid dates -------------------------------------------------------------------------------------------------
select is(jsonb_strip_nulls(pg_temp.quote('loft', 60, 60)),
  jsonb_build_object('bookable', false, 'reason', 'invalid_dates', 'currency', 'NZD'),
  'checking out on the check-in day is invalid_dates, with no price');
select is(pg_temp.quote('loft', 62, 60) ->> 'reason', 'invalid_dates', 'checking out before checking in is invalid_dates');
select is(to_jsonb(public.quote_stay(tests.property('loft'), null, pg_temp.day('loft', 62), 2)) ->> 'reason', 'invalid_dates',
  'a missing check-in date is invalid_dates');

-- Past dates, judged where the property is ------------------------------------------------------------------------
select is(pg_temp.quote('room', -1, 1) ->> 'reason', 'past_dates', 'checking in yesterday (Auckland time) in Auckland is past_dates');
select is(pg_temp.quote('room', 0, 1) ->> 'reason', null, 'checking in today (Auckland time) in Auckland is bookable');
select is(pg_temp.quote('bungalow', -1, 1) ->> 'reason', 'past_dates', 'checking in yesterday (Los Angeles time) in Los Angeles is past_dates');
select is(pg_temp.quote('bungalow', 0, 1) ->> 'reason', null,
  'checking in today (Los Angeles time) in Los Angeles is bookable, although the session''s date (UTC+14) is already later');
select is(to_jsonb(public.quote_stay(tests.property('room'), pg_temp.day('bungalow', 0), pg_temp.day('bungalow', 0) + 1, 1)) ->> 'reason',
  case when pg_temp.day('room', 0) > pg_temp.day('bungalow', 0) then 'past_dates' end,
  'a night that is still today in Los Angeles is past in Auckland whenever Auckland''s date is already the next day');

-- Unavailable nights --------------------------------------------------------------------------------------------
select is(pg_temp.quote('loft', 119, 121) ->> 'reason', 'unavailable', 'a stay over a host block is unavailable');
select is(pg_temp.quote('loft', 118, 120) ->> 'reason', null, 'checking out on the day a block starts is bookable');
select is(pg_temp.quote('loft', 122, 124) ->> 'reason', null, 'checking in on the day a block ends (its end_date) is bookable');
-- D+119 .. D+121: 200.00 + 25.00 = 225.00; service 31.50; total 256.50.
select is(pg_temp.quote('loft', 119, 121) ->> 'total_cents', '25650',
  'an unavailable stay is still priced, so the guest sees what other dates would cost');

-- Not found -----------------------------------------------------------------------------------------------------
select is(jsonb_strip_nulls(to_jsonb(public.quote_stay(gen_random_uuid(), pg_temp.day('loft', 60), pg_temp.day('loft', 62), 2))),
  jsonb_build_object('bookable', false, 'reason', 'not_found'), 'an unknown listing is not_found, with nothing else in the answer');
select is(jsonb_strip_nulls(pg_temp.quote('draft', 60, 62)), jsonb_build_object('bookable', false, 'reason', 'not_found'),
  'a draft is not_found for anon, and its price and currency are not revealed');
select tests.act_as(tests.user('hana'));
select is(pg_temp.quote('draft', 60, 62) ->> 'reason', 'not_found', 'a draft cannot be booked, even by its host (not_found)');
select tests.act_as_anon();

-- Rounding half up ----------------------------------------------------------------------------------------------
-- room, 1 night: subtotal 10.75; service 14% = 1.505 → 1.51 (half up); host 3% = 0.3225 → 0.32; total 12.26;
-- payout 10.43.
select is(pg_temp.quote('room', 30, 31), pg_temp.expected(true, null, 1, 'NZD', 1075, 0, 0, 151, 1226, 32, 1043),
  'a service fee of exactly half a cent rounds up; a host fee below half a cent rounds down');
-- room, 2 nights: subtotal 21.50; service 14% = 3.01; host 3% = 0.645 → 0.65 (half up); total 24.51; payout 20.85.
select is(pg_temp.quote('room', 30, 32), pg_temp.expected(true, null, 2, 'NZD', 2150, 0, 0, 301, 2451, 65, 2085),
  'a host fee of exactly half a cent rounds up');
-- room, 7 nights: 75.25; weekly 10% = 7.525 → 7.53 (half up); subtotal 67.72; service 9.4808 → 9.48;
-- host 2.0316 → 2.03; total 77.20; payout 65.69.
select is(pg_temp.quote('room', 30, 37), pg_temp.expected(true, null, 7, 'NZD', 7525, 753, 0, 948, 7720, 203, 6569),
  'a discount of exactly half a cent rounds up');
-- The nightly sum is computed from overlaps (nights at the listing's price, plus each overlapping rate's nights times
-- its difference): for 117 stays around the loft's seasonal rate (before, across its start, inside, across its end,
-- around all of it, after) it equals the night-by-night sum, and so does the itemized list.
select is(
  (select count(*)::integer
   from generate_series(45, 57) f
   cross join generate_series(2, 10) n
   cross join lateral (select public.quote_stay(tests.property('loft'), pg_temp.day('loft', f), pg_temp.day('loft', f + n)) as q) quote
   cross join lateral (
     select sum(case when d::date >= pg_temp.day('loft', 50) and d::date < pg_temp.day('loft', 53) then 15000 else 10000 end) as cents
     from generate_series(pg_temp.day('loft', f), pg_temp.day('loft', f + n) - 1, interval '1 day') d
   ) night_by_night
   where (quote.q).accommodation_cents is distinct from night_by_night.cents
      or (select sum((x ->> 'price_cents')::integer) from jsonb_array_elements((quote.q).nightly) x) is distinct from night_by_night.cents),
  0, 'the nightly sum equals the night-by-night sum for every stay around a seasonal rate, and so does the itemized list');
select tests.act_as(tests.user('gia'));

-- Currency ------------------------------------------------------------------------------------------------------
-- bungalow, 3 nights: 600.00 USD; service 84.00; host 18.00; total 684.00; payout 582.00.
select is(pg_temp.quote('bungalow', 10, 13), pg_temp.expected(true, null, 3, 'USD', 60000, 0, 0, 8400, 68400, 1800, 58200),
  'a quote is in the listing''s currency (a guest quoting a US listing gets USD)');

-- property_calendar ---------------------------------------------------------------------------------------------
create function pg_temp.calendar(handle text, from_day integer, to_day integer) returns text[]
language sql stable
as $$
  select array_agg((c.night - pg_temp.day(handle, 0)) || ':' || case when c.available then 'free' else 'taken' end || ':' || c.price_cents
                   order by c.night)
  from public.property_calendar(tests.property(handle), pg_temp.day(handle, from_day), pg_temp.day(handle, to_day)) c
$$;

select tests.act_as_anon();
select is(pg_temp.calendar('loft', 49, 54), array['49:free:10000', '50:free:15000', '51:free:15000', '52:free:15000', '53:free:10000'],
  'the calendar prices each night, seasonal nights at the seasonal rate up to its exclusive end');
select is(pg_temp.calendar('loft', 119, 123), array['119:free:10000', '120:taken:10000', '121:taken:10000', '122:free:10000'],
  'the calendar shows blocked nights as unavailable, and the block''s end_date night as free');
select is(pg_temp.calendar('room', -2, 2), array['-2:taken:1075', '-1:taken:1075', '0:free:1075', '1:free:1075'],
  'past nights (Auckland time) are unavailable; tonight is available');
select is(pg_temp.calendar('bungalow', -1, 1), array['-1:taken:20000', '0:free:20000'],
  'tonight in Los Angeles is available even though the session''s date (UTC+14) is later');
select is((select count(*)::int from public.property_calendar(tests.property('loft'), pg_temp.day('loft', 0), pg_temp.day('loft', 366))),
  366, 'a calendar of a full leap year (366 nights) is allowed');
select tests.refuses(format($$ select * from public.property_calendar(%L, %L, %L) $$,
                        tests.property('loft'), pg_temp.day('loft', 0), pg_temp.day('loft', 367)),
  '22023', 'range_too_long', 'a calendar of more than 366 nights is refused (range_too_long)',
  message => 'a calendar spans at most a year (366 nights) per call');
select tests.refuses(format($$ select * from public.property_calendar(%L, %L, %L) $$,
                        tests.property('loft'), pg_temp.day('loft', 5), pg_temp.day('loft', 5)),
  '22023', 'invalid_dates', 'an empty calendar range is refused (invalid_dates)',
  message => 'to_date must be after from_date');
select tests.refuses(format($$ select * from public.property_calendar(%L, current_date, current_date + 7) $$, gen_random_uuid()),
  'PT404', 'not_found', 'the calendar of an unknown listing is not found');
select tests.refuses(format($$ select * from public.property_calendar(%L, current_date, current_date + 7) $$, tests.property('draft')),
  'PT404', 'not_found', 'the calendar of a draft is not found for anon');
select tests.act_as(tests.user('hana'));
select is(array_length(pg_temp.calendar('draft', 0, 7), 1), 7, 'a host reads the calendar of their own draft');

select * from finish();
rollback;
