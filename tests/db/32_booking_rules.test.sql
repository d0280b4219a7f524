-- Booking rules a hostile member would test: no hoarding (open requests per guest, the booking window), a stay past
-- check-out is completed for every purpose, dates are calendar days, an answer is true or false, refunds are exact
-- at the largest price and the longest stay, and a null (an erased guest or host) is never "the caller".
begin;
set local search_path = extensions, public;
select plan(50);

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

-- Dates are calendar days ------------------------------------------------------------------------------------------
select tests.act_as(tests.user('planner'));
select tests.refuses($$ select public.request_booking(tests.property('a'), current_date + 40, 'infinity', 1) $$,
  '22023', 'invalid_dates', 'a stay cannot end at infinity', message => 'dates are calendar days up to 9999-12-31');
select tests.refuses($$ select public.request_booking(tests.property('a'), '-infinity', current_date + 40, 1) $$,
  '22023', 'invalid_dates', 'a stay cannot begin at -infinity');
select tests.refuses($$ select public.request_booking(tests.property('a'), '9999-12-30', '10000-01-02', 1) $$,
  '22023', 'invalid_dates', 'a stay cannot reach past the year 9999');
select tests.act_as_anon();
select tests.refuses($$ select public.quote_stay(tests.property('a'), current_date + 40, 'infinity') $$,
  '22023', 'invalid_dates', 'a quote to infinity is refused as invalid_dates');
select tests.refuses($$ select public.quote_stay(tests.property('a'), '-infinity', current_date + 40) $$,
  '22023', 'invalid_dates', 'a quote from -infinity is refused as invalid_dates');
select tests.refuses($$ select public.quote_stay(tests.property('a'), '10000-01-01', '10000-01-03') $$,
  '22023', 'invalid_dates', 'a quote past the year 9999 is refused as invalid_dates');
select tests.refuses($$ select * from public.property_calendar(tests.property('a'), current_date, 'infinity') $$,
  '22023', 'invalid_dates', 'a calendar to infinity is refused as invalid_dates');
select tests.refuses($$ select * from public.property_calendar(tests.property('a'), '9999-12-30', '10000-01-02') $$,
  '22023', 'invalid_dates', 'a calendar past the year 9999 is refused as invalid_dates');

-- The host's answer is true or false ----------------------------------------------------------------------------------
select tests.act_as(tests.user('rule-host'));
select tests.refuses($$ select public.respond_to_booking(tests.booking('hold-3'), null) $$,
  '22023', 'answer_required', 'a null answer is refused, not taken as a decline',
  message => 'answer true (accept) or false (decline)');
select is((select status::text from public.bookings where id = tests.booking('hold-3')), 'awaiting_host',
  'after a null answer the request still awaits the host');

-- A confirmed stay past check-out is completed for every purpose ---------------------------------------------------------
select tests.act_as_owner();
update public.bookings set check_out_at = now() - interval '1 minute' where id = tests.booking('hold-4');
select tests.act_as(tests.user('hoarder'));
select tests.refuses($$ select public.cancel_booking(tests.booking('hold-4'), 'too late') $$,
  'PT409', 'invalid_transition', 'the guest cannot cancel a stay whose check-out passed, though the completion job did not run',
  message => 'a completed booking cannot be cancelled');
select tests.act_as(tests.user('rule-host'));
select tests.refuses($$ select public.cancel_booking(tests.booking('hold-4')) $$,
  'PT409', 'invalid_transition', 'nor can the host');
select tests.act_as_owner();
select tests.refuses($$ update public.bookings set status = 'cancelled', cancelled_at = now(), refund_cents = 0 where id = tests.booking('hold-4') $$,
  'PT409', 'invalid_transition', 'the state machine refuses it whoever writes',
  message => 'a completed booking cannot become cancelled');
select is((select status::text from public.bookings where id = tests.booking('hold-4')), 'confirmed',
  'the stay stays confirmed until the job completes it');

-- Refunds are exact at the largest price and the longest stay the schema allows -------------------------------------------
select tests.create_property(tests.user('rule-host'), 'Palace', currency => 'KRW', nightly_price_cents => 100000000,
                             cleaning_fee_cents => 100000000, cancellation_policy => 'moderate', max_nights => 1125,
                             monthly_discount_pct => 13, handle => 'palace');
select tests.create_property(tests.user('rule-host'), 'Seoul flat', currency => 'KRW', nightly_price_cents => 10000000,
                             cancellation_policy => 'moderate', max_nights => 60, handle => 'flat');
select tests.act_as(tests.user('stranger'));
select tests.remember('booking', 'palace', (public.request_booking(tests.property('palace'), current_date + 2, current_date + 1127, 1)).id);
select tests.remember('booking', 'flat', (public.request_booking(tests.property('flat'), current_date + 2, current_date + 62, 1)).id);
select tests.act_as_service();
select public.confirm_booking_payment(b.id, b.total_cents, 'KRW') from public.bookings b
 where b.id in (tests.booking('palace'), tests.booking('flat'));
select tests.act_as_owner();
-- 1,125 nights at 100,000,000: accommodation 112,500,000,000, monthly discount 13 % = 14,625,000,000, cleaning
-- 100,000,000, subtotal 97,975,000,000, service fee 14 % = 13,716,500,000.
select is((select (accommodation_cents, discount_cents, total_cents)::text from public.bookings where id = tests.booking('palace')),
  (112500000000, 14625000000, 111691500000)::text, 'the longest stay at the largest price is priced exactly');
select tests.act_as(tests.user('stranger'));
-- Within 5 days of check-in (moderate): half of every night not begun, discounted like the stay, plus cleaning.
select is((public.cancel_booking(tests.booking('palace'))).refund_cents, 48937500000::bigint + 100000000,
  'cancelling the longest stay at the largest price refunds exactly half its nights after discount, plus cleaning');
select is((public.cancel_booking(tests.booking('flat'))).refund_cents, 300000000::bigint + 2000,
  'cancelling a 60-night moderate stay at 10,000,000 a night refunds exactly (it overflowed bigint before)');

-- A null is nobody: an erased guest or host never matches the caller ---------------------------------------------------
-- Erasure sets guest_id or host_id to null; the owner writes the same nulls here to put every verb in front of them.
select tests.act_as(tests.user('planner'));
select tests.remember('booking', 'orphan-request', (public.request_booking(tests.property('request'), current_date + 50, current_date + 52, 1)).id);
select tests.remember('booking', 'orphan-hold', (public.request_booking(tests.property('b'), current_date + 150, current_date + 152, 1)).id);
select tests.act_as_owner();
update public.bookings set host_id = null where id = tests.booking('orphan-request');
update public.bookings set guest_id = null where id = tests.booking('orphan-hold');
select tests.act_as(tests.user('stranger'));
select tests.refuses($$ select public.respond_to_booking(tests.booking('orphan-request'), true) $$,
  'PT404', 'booking_not_found', 'nobody answers a request whose host is null (a stranger does not even see it)');
select tests.refuses($$ select public.cancel_booking(tests.booking('orphan-request')) $$,
  'PT404', 'booking_not_found', 'a stranger cannot cancel a booking whose host is null');
select tests.refuses($$ select public.cancel_booking(tests.booking('orphan-hold')) $$,
  'PT404', 'booking_not_found', 'a stranger cannot cancel a booking whose guest is null');
select tests.act_as(tests.user('planner'));
select tests.refuses($$ select public.respond_to_booking(tests.booking('orphan-request'), true) $$,
  '42501', 'not_booking_host', 'the guest cannot answer their request when its host is null');
select tests.act_as_service();
select tests.refuses(format($$ select payments.checkout_booking(%L, %L) $$, tests.user('stranger'), tests.booking('orphan-hold')),
  'PT404', 'booking_not_found', 'a stranger cannot pay a booking whose guest is null');
select tests.refuses(format($$ select payments.checkout_booking(%L, %L) $$, tests.user('rule-host'), tests.booking('orphan-hold')),
  '42501', 'not_booking_guest', 'the host cannot pay a booking whose guest is null');
select tests.act_as_owner();
select is((select (status, guest_id)::text from public.bookings where id = tests.booking('orphan-hold')), ('pending_payment', null)::text,
  'the booking with a null guest was left alone');

-- A listing whose host is null takes no bookings.
update public.properties set host_id = null where id = tests.property('c');
select tests.act_as(tests.user('planner'));
select tests.refuses($$ select public.request_booking(tests.property('c'), current_date + 200, current_date + 202, 1) $$,
  'PT404', 'listing_not_found', 'a listing whose host is null cannot be booked');

-- A really erased guest: a confirmed stay past check-out, the guest erased, then a stranger tries every verb.
select tests.create_user('gone-guest');
select tests.act_as(tests.user('gone-guest'));
select tests.remember('booking', 'gone', (public.request_booking(tests.property('a'), current_date + 60, current_date + 62, 1)).id);
select tests.act_as_service();
select public.confirm_booking_payment(tests.booking('gone'), (select total_cents from public.bookings where id = tests.booking('gone')), 'NZD');
select tests.act_as_owner();
update public.bookings set check_out_at = now() - interval '1 day' where id = tests.booking('gone');
select private.erase_member(tests.user('gone-guest'));
select tests.act_as(tests.user('stranger'));
select tests.refuses($$ select public.cancel_booking(tests.booking('gone')) $$,
  'PT404', 'booking_not_found', 'a stranger cannot cancel an erased guest''s stay');
select tests.refuses($$ select public.submit_review(tests.booking('gone'), 1, 'I was never there') $$,
  '42501', 'not_booking_party', 'a stranger cannot review an erased guest''s stay as its guest');
select tests.act_as(tests.user('rule-host'));
select lives_ok($$ select public.submit_review(tests.booking('gone'), 4, 'Quiet guest') $$,
  'the host still reviews the stay of an erased guest');

-- A review whose subject was erased: nobody replies to it.
select tests.create_user('gone-host');
select tests.create_user('reviewer');
select tests.create_property(tests.user('gone-host'), 'Gone host flat', handle => 'gone-flat');
select tests.remember('booking', 'reviewed', tests.create_completed_stay(tests.property('gone-flat'), tests.user('reviewer'), current_date - 20, 2, now() - interval '15 days'));
select tests.act_as_owner();
insert into public.reviews (booking_id, author_id, subject_id, property_id, direction, rating, comment,
                            cleanliness, accuracy, communication, location, check_in, value)
values (tests.booking('reviewed'), tests.user('reviewer'), tests.user('gone-host'), tests.property('gone-flat'),
        'guest_to_host', 2, 'Not as described', 2, 2, 2, 2, 2, 2);
select private.publish_due_reviews(tests.property('gone-flat'));
select private.erase_member(tests.user('gone-host'));
select is((select subject_id from public.reviews where booking_id = tests.booking('reviewed')), null,
  'the erased host''s review has no subject');
select tests.act_as(tests.user('stranger'));
select tests.refuses(format($$ select public.reply_to_review(%L, 'It was great actually') $$,
                            (select id from public.public_reviews where property_id = tests.property('gone-flat'))),
  '42501', 'not_review_subject', 'a stranger cannot reply to a review whose subject was erased');
select tests.act_as_owner();
select is((select reply from public.reviews where booking_id = tests.booking('reviewed')), null,
  'the review has no reply');

select * from finish();
rollback;
