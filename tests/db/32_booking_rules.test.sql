-- Booking rules a hostile member would test: no hoarding (open requests per guest, the booking window).
begin;
set local search_path = extensions, public;
select plan(19);

select tests.create_user('rule-host');
select tests.create_user('hoarder');
select tests.create_user('planner');
select tests.create_user('stranger');
select tests.create_property(tests.user('rule-host'), 'Rules loft A', handle => 'a');
select tests.create_property(tests.user('rule-host'), 'Rules loft B', handle => 'b');
select tests.create_property(tests.user('rule-host'), 'Rules loft C', handle => 'c');
select tests.create_property(tests.user('rule-host'), 'Rules loft D', handle => 'd');
select tests.create_property(tests.user('rule-host'), 'Rules request house', instant_book => false, handle => 'request');
select tests.create_property(tests.user('rule-host'), 'Thirty-day cabin', booking_window_days => 30, handle => 'near');

-- Open requests: at most max_open_requests (3 by default) awaiting the host or payment ------------------------------
select tests.act_as(tests.user('hoarder'));
select tests.remember('booking', 'hold-1', (public.request_booking(tests.property('a'), current_date + 10, current_date + 20, 1)).id);
select tests.remember('booking', 'hold-2', (public.request_booking(tests.property('b'), current_date + 10, current_date + 20, 1)).id);
select tests.remember('booking', 'hold-3', (public.request_booking(tests.property('request'), current_date + 10, current_date + 20, 1)).id);
select tests.refuses($$ select public.request_booking(tests.property('c'), current_date + 10, current_date + 20, 1) $$,
  'PT409', 'too_many_open_requests', 'a guest with three requests awaiting an answer or a payment cannot hold a fourth',
  message => 'you have 3 requests awaiting an answer or a payment: wait for them, pay, or cancel one');
select is((select count(*)::int from public.bookings where guest_id = tests.user('hoarder')), 3,
  'the refused request left no booking behind');
select public.cancel_booking(tests.booking('hold-1'));
select lives_ok($$ select tests.remember('booking', 'hold-4', (public.request_booking(tests.property('c'), current_date + 10, current_date + 12, 1)).id) $$,
  'a cancelled request no longer counts');
select tests.act_as_service();
select public.confirm_booking_payment(tests.booking('hold-4'), (select total_cents from public.bookings where id = tests.booking('hold-4')), 'NZD');
select tests.act_as(tests.user('hoarder'));
select lives_ok($$ select tests.remember('booking', 'hold-5', (public.request_booking(tests.property('d'), current_date + 10, current_date + 12, 1)).id) $$,
  'a paid (confirmed) booking is not an open request');
select tests.refuses($$ select public.request_booking(tests.property('d'), current_date + 20, current_date + 22, 1) $$,
  'PT409', 'too_many_open_requests', 'the limit counts requests to book and accepted requests awaiting payment alike');
select tests.act_as_owner();
update public.bookings set expires_at = now() - interval '1 second' where id = tests.booking('hold-2');
select tests.act_as(tests.user('hoarder'));
select lives_ok($$ select public.request_booking(tests.property('d'), current_date + 20, current_date + 22, 1) $$,
  'a hold past its deadline no longer counts, even before the expiry job ran');
select tests.act_as_owner();
update private.booking_settings set max_open_requests = 5;
select tests.act_as(tests.user('hoarder'));
select lives_ok($$ select public.request_booking(tests.property('d'), current_date + 30, current_date + 32, 1) $$,
  'the limit is the one setting private.booking_settings.max_open_requests');
select tests.act_as_owner();
select throws_ok($$ update private.booking_settings set max_open_requests = 0 $$, '23514', null,
  'the limit is at least one request');
select throws_ok($$ insert into private.booking_settings (only_row, max_open_requests) values (false, 1) $$, '23514', null,
  'there is one row of booking settings');
update private.booking_settings set max_open_requests = 3;

-- The booking window: check-in at most booking_window_days ahead (365 by default) --------------------------------------
-- The fixture listings are in UTC: their today is tests.local_today('UTC').
create function pg_temp.day(days integer) returns date language sql stable as $$ select tests.local_today('UTC') + days $$;
select tests.act_as(tests.user('planner'));
select tests.refuses($$ select public.request_booking(tests.property('a'), pg_temp.day(366), pg_temp.day(368), 1) $$,
  '22023', 'beyond_booking_window', 'a check-in more than 365 days ahead is refused by default',
  message => 'this listing takes bookings at most 365 days ahead');
select tests.refuses($$ select public.request_booking(tests.property('a'), '9999-01-01', '9999-01-03', 1) $$,
  '22023', 'beyond_booking_window', 'a stay in the year 9999 is refused');
select lives_ok($$ select public.request_booking(tests.property('a'), pg_temp.day(365), pg_temp.day(367), 1) $$,
  'a check-in exactly 365 days ahead is taken');
select tests.refuses($$ select public.request_booking(tests.property('near'), pg_temp.day(31), pg_temp.day(33), 1) $$,
  '22023', 'beyond_booking_window', 'each listing sets its own window',
  message => 'this listing takes bookings at most 30 days ahead');
select is((select (bookable, reason)::text from public.quote_stay(tests.property('near'), pg_temp.day(31), pg_temp.day(33))),
  '(f,beyond_booking_window)', 'a quote applies the same window');
select is((select (bookable, reason)::text from public.quote_stay(tests.property('near'), pg_temp.day(30), pg_temp.day(32))),
  '(t,)', 'a quote on the window''s last day is bookable');
select is((select array_agg(available order by night) from public.property_calendar(tests.property('near'), pg_temp.day(29), pg_temp.day(32))),
  array[true, true, false], 'the calendar shows nights past the window as unavailable');
select tests.act_as(tests.user('rule-host'));
select throws_ok(format($$ update public.properties set booking_window_days = 731 where id = %L $$, tests.property('near')),
  '23514', null, 'a window is at most 730 days (booking_window_range)');
select throws_ok(format($$ update public.properties set booking_window_days = 0 where id = %L $$, tests.property('near')),
  '23514', null, 'a window is at least one day');
select lives_ok(format($$ update public.properties set booking_window_days = 730 where id = %L $$, tests.property('near')),
  'the host sets the window of their listing');

select * from finish();
rollback;
