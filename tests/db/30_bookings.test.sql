-- Bookings: the state machine, every refusal, who sees what, the jobs, and the no-double-booking guarantee.
begin;
set local search_path = extensions, public;
select plan(62);

select tests.create_user('hana');   -- host
select tests.create_user('gus');    -- guest
select tests.create_user('mei');    -- another guest
select tests.create_user('sam');    -- stranger
select tests.create_admin('root');
select tests.create_property(tests.user('hana'), 'Auckland instant loft', 'Pacific/Auckland', instant_book => true);
select tests.create_property(tests.user('hana'), 'LA request house', 'America/Los_Angeles', instant_book => false,
                             cancellation_policy => 'moderate', max_guests => 3, min_nights => 2, max_nights => 10);
select tests.create_property(tests.user('hana'), 'Draft cabin', status => 'draft');

-- Requesting ----------------------------------------------------------------------------------------------------
select tests.act_as(tests.user('gus'));
select tests.remember('booking', 'instant', (public.request_booking(tests.property('Auckland instant loft'),
  private.local_today('Pacific/Auckland') + 10, private.local_today('Pacific/Auckland') + 13, 2, 'Hello!')).id);
select is((select status from public.bookings where id = tests.booking('instant')), 'pending_payment',
  'an instant-book listing gives a pending_payment hold');
select is((select expires_at from public.bookings where id = tests.booking('instant')), now() + interval '30 minutes',
  'an instant booking holds the dates for 30 minutes');
select is((select total_cents from public.bookings where id = tests.booking('instant')),
  (public.quote_stay(tests.property('Auckland instant loft'), private.local_today('Pacific/Auckland') + 10,
                     private.local_today('Pacific/Auckland') + 13, 2)).total_cents,
  'the booking freezes exactly the quoted total');
select is((select (host_id, cancellation_policy, time_zone)::text from public.bookings where id = tests.booking('instant')),
  (tests.user('hana'), 'flexible', 'Pacific/Auckland')::text, 'the host, the policy and the time zone are frozen on the booking');
select is((select check_in_at from public.bookings where id = tests.booking('instant')),
  ((private.local_today('Pacific/Auckland') + 10) + time '15:00') at time zone 'Pacific/Auckland',
  'check_in_at is the check-in time on the check-in day in Pacific/Auckland');

select tests.remember('booking', 'request', (public.request_booking(tests.property('LA request house'),
  private.local_today('America/Los_Angeles') + 20, private.local_today('America/Los_Angeles') + 23, 2)).id);
select is((select (status, expires_at)::text from public.bookings where id = tests.booking('request')),
  ('awaiting_host', now() + interval '24 hours')::text, 'a request-to-book listing waits 24 h for the host');
select is((select check_in_at from public.bookings where id = tests.booking('request')),
  ((private.local_today('America/Los_Angeles') + 20) + time '15:00') at time zone 'America/Los_Angeles',
  'check_in_at is the check-in time on the check-in day in America/Los_Angeles');

select tests.act_as(tests.user('mei'));
select tests.refuses($$ select public.request_booking(tests.property('Auckland instant loft'),
  private.local_today('Pacific/Auckland') + 12, private.local_today('Pacific/Auckland') + 15, 1) $$,
  'PT409', 'dates_unavailable', 'a stay overlapping a pending hold is refused as dates_unavailable',
  message => 'those dates are not available');
select tests.refuses($$ select public.request_booking(tests.property('LA request house'),
  private.local_today('America/Los_Angeles') + 19, private.local_today('America/Los_Angeles') + 21, 1) $$,
  'PT409', 'dates_unavailable', 'a stay overlapping a request awaiting the host is refused as dates_unavailable',
  message => 'those dates are not available');
select lives_ok($$ select tests.remember('booking', 'adjacent', (public.request_booking(tests.property('Auckland instant loft'),
  private.local_today('Pacific/Auckland') + 13, private.local_today('Pacific/Auckland') + 15, 1)).id) $$,
  'check-out day is free for the next check-in (half-open stays)');

select tests.refuses($$ select public.request_booking(tests.property('Auckland instant loft'),
  private.local_today('Pacific/Auckland') - 1, private.local_today('Pacific/Auckland') + 2, 1) $$,
  '22023', 'past_dates', 'a check-in before today in the listing''s time zone is refused',
  message => 'check-in is in the past where the listing is');
select tests.refuses($$ select public.request_booking(tests.property('LA request house'),
  private.local_today('America/Los_Angeles') + 40, private.local_today('America/Los_Angeles') + 42, 4) $$,
  '22023', 'too_many_guests', 'more guests than the listing hosts are refused',
  message => 'this listing hosts at most 3 guests');
select tests.refuses($$ select public.request_booking(tests.property('LA request house'),
  private.local_today('America/Los_Angeles') + 40, private.local_today('America/Los_Angeles') + 41, 1) $$,
  '22023', 'below_min_nights', 'fewer nights than the minimum are refused',
  message => 'this listing needs at least 2 nights');
select tests.refuses($$ select public.request_booking(tests.property('LA request house'),
  private.local_today('America/Los_Angeles') + 40, private.local_today('America/Los_Angeles') + 51, 1) $$,
  '22023', 'above_max_nights', 'more nights than the maximum are refused',
  message => 'this listing takes at most 10 nights');
select tests.refuses($$ select public.request_booking(tests.property('LA request house'),
  private.local_today('America/Los_Angeles') + 40, private.local_today('America/Los_Angeles') + 40, 1) $$,
  '22023', 'invalid_dates', 'an empty or reversed date range is refused',
  message => 'check-out must be after check-in');
select tests.refuses($$ select public.request_booking(tests.property('LA request house'),
  private.local_today('America/Los_Angeles') + 40, private.local_today('America/Los_Angeles') + 42, 0) $$,
  '22023', 'invalid_guests', 'zero guests are refused',
  message => 'a stay is for at least one guest');
select tests.refuses($$ select public.request_booking(tests.property('Draft cabin'), current_date + 40, current_date + 42, 1) $$,
  'PT404', 'listing_not_found', 'an unpublished listing cannot be booked');
select tests.refuses($$ select public.request_booking(gen_random_uuid(), current_date + 40, current_date + 42, 1) $$,
  'PT404', 'listing_not_found', 'an unknown listing is not found');

select tests.act_as(tests.user('hana'));
select tests.refuses($$ select public.request_booking(tests.property('LA request house'),
  private.local_today('America/Los_Angeles') + 40, private.local_today('America/Los_Angeles') + 42, 1) $$,
  '42501', 'own_listing', 'a host cannot book their own listing',
  message => 'you cannot book your own listing');
insert into public.availability_blocks (property_id, start_date, end_date)
values (tests.property('LA request house'), private.local_today('America/Los_Angeles') + 60, private.local_today('America/Los_Angeles') + 65);
select tests.act_as(tests.user('mei'));
select tests.refuses($$ select public.request_booking(tests.property('LA request house'),
  private.local_today('America/Los_Angeles') + 64, private.local_today('America/Los_Angeles') + 66, 1) $$,
  'PT409', 'dates_unavailable', 'a stay overlapping a host block is refused as dates_unavailable',
  message => 'those dates are not available');
select tests.act_as(tests.user('hana'));
select throws_ok($$ insert into public.availability_blocks (property_id, start_date, end_date)
  values (tests.property('LA request house'), private.local_today('America/Los_Angeles') + 21, private.local_today('America/Los_Angeles') + 22) $$,
  '23P01', null, 'a host cannot block nights an active booking holds');

select tests.act_as_anon();
select throws_ok($$ select public.request_booking(tests.property('LA request house'), current_date + 40, current_date + 42, 1) $$,
  '42501', null, 'anon cannot request a booking');

-- Direct writes are never allowed --------------------------------------------------------------------------------
select tests.act_as(tests.user('gus'));
select throws_ok($$ insert into public.bookings (property_id, guest_id, host_id, check_in, check_out, guests, status, currency,
  nightly, accommodation_cents, discount_cents, cleaning_fee_cents, service_fee_cents, total_cents, host_fee_cents,
  host_payout_cents, cancellation_policy, time_zone, check_in_at, check_out_at)
  values (tests.property('LA request house'), tests.user('gus'), tests.user('hana'), current_date + 80, current_date + 82, 1,
  'confirmed', 'NZD', '[]', 1, 0, 0, 0, 1, 0, 1, 'flexible', 'UTC', now(), now()) $$,
  '42501', null, 'a guest cannot insert a booking directly');
select throws_ok($$ update public.bookings set status = 'confirmed' where id = tests.booking('instant') $$,
  '42501', null, 'a guest cannot update a booking directly');
select throws_ok($$ delete from public.bookings where id = tests.booking('instant') $$,
  '42501', null, 'a guest cannot delete a booking');

-- Who sees a booking -----------------------------------------------------------------------------------------------
select is((select count(*)::int from public.bookings where id = tests.booking('instant')), 1, 'the guest sees their booking');
select tests.act_as(tests.user('hana'));
select is((select count(*)::int from public.bookings where id = tests.booking('instant')), 1, 'the host sees bookings of their listing');
select tests.act_as(tests.user('sam'));
select is((select count(*)::int from public.bookings), 0, 'a stranger sees no bookings');
select tests.act_as(tests.user('root'));
select is((select count(*)::int from public.bookings where id in (select id from tests.named('booking'))), 0,
  'an admin whose session has no second factor (aal1) reads no one else''s bookings');
select tests.act_as(tests.user('root'), aal => 'aal2');
select is((select count(*)::int from public.bookings where id in (select id from tests.named('booking'))), 3, 'an admin sees every booking');
select tests.act_as_anon();
select throws_ok($$ select count(*) from public.bookings $$, '42501', null, 'anon cannot read bookings at all');

-- The host's answer --------------------------------------------------------------------------------------------------
select tests.act_as(tests.user('gus'));
select tests.refuses($$ select public.respond_to_booking(tests.booking('request'), true) $$,
  '42501', 'not_booking_host', 'the guest cannot answer their own request',
  message => 'only the host answers a booking request');
select tests.act_as(tests.user('sam'));
select tests.refuses($$ select public.respond_to_booking(tests.booking('request'), true) $$,
  'PT404', 'booking_not_found', 'a stranger cannot see the request to answer it');
select tests.act_as(tests.user('hana'));
select is((public.respond_to_booking(tests.booking('request'), true)).status, 'pending_payment',
  'the host accepts a request: the guest now has a payment hold');
select is((select expires_at from public.bookings where id = tests.booking('request')), now() + interval '24 hours',
  'an accepted request holds the dates 24 h for payment');
select tests.refuses($$ select public.respond_to_booking(tests.booking('request'), false) $$,
  'PT409', 'invalid_transition', 'a request is answered only once');
select tests.refuses($$ select public.respond_to_booking(tests.booking('instant'), true) $$,
  'PT409', 'invalid_transition', 'an instant booking awaits no answer');

select tests.act_as(tests.user('mei'));
select tests.remember('booking', 'declined', (public.request_booking(tests.property('LA request house'),
  private.local_today('America/Los_Angeles') + 30, private.local_today('America/Los_Angeles') + 33, 1)).id);
select tests.act_as(tests.user('hana'));
select is((public.respond_to_booking(tests.booking('declined'), false)).status, 'declined', 'the host declines a request');
select tests.act_as(tests.user('gus'));
select lives_ok($$ select public.request_booking(tests.property('LA request house'),
  private.local_today('America/Los_Angeles') + 30, private.local_today('America/Los_Angeles') + 33, 1) $$,
  'a declined request frees its dates');

-- Payment confirmation (service role only) -----------------------------------------------------------------------
select throws_ok($$ select public.confirm_booking_payment(tests.booking('instant'), 1, 'NZD') $$,
  '42501', null, 'a guest cannot confirm a payment');
select tests.act_as_service();
select is(public.confirm_booking_payment(tests.booking('instant'), 1, 'NZD'), 'amount_mismatch',
  'a payment of the wrong amount does not confirm');
select is(public.confirm_booking_payment(tests.booking('instant'),
  (select total_cents from public.bookings where id = tests.booking('instant')), 'usd'), 'amount_mismatch',
  'a payment in the wrong currency does not confirm');
select is(public.confirm_booking_payment(tests.booking('instant'),
  (select total_cents from public.bookings where id = tests.booking('instant')), 'nzd'), 'confirmed',
  'the right amount and currency confirm the booking');
select is(public.confirm_booking_payment(tests.booking('instant'),
  (select total_cents from public.bookings where id = tests.booking('instant')), 'NZD'), 'already_confirmed',
  'a replayed confirmation changes nothing');
select is(public.confirm_booking_payment(gen_random_uuid(), 1, 'NZD'), 'not_found', 'an unknown booking is not_found');

-- Stale holds never block ----------------------------------------------------------------------------------------
select tests.act_as_owner();
update public.bookings set expires_at = now() - interval '1 minute' where id = tests.booking('adjacent');
select tests.act_as(tests.user('gus'));
select lives_ok($$ select tests.remember('booking', 'after_stale', (public.request_booking(tests.property('Auckland instant loft'),
  private.local_today('Pacific/Auckland') + 13, private.local_today('Pacific/Auckland') + 15, 1)).id) $$,
  'a hold past its deadline does not block a new booking, even before any job ran');
select tests.act_as_owner();
select is((select status from public.bookings where id = tests.booking('adjacent')), 'expired',
  'a stale hold is expired on the way by the next request for its nights');
select tests.act_as_service();
select is(public.confirm_booking_payment(tests.booking('adjacent'), 1, 'NZD'), 'hold_expired',
  'a payment for an expired hold is reported so it can be refunded');

-- Cancelling -----------------------------------------------------------------------------------------------------------
select tests.act_as(tests.user('sam'));
select tests.refuses($$ select public.cancel_booking(tests.booking('after_stale'), 'no') $$,
  'PT404', 'booking_not_found', 'a stranger cannot cancel someone''s booking');
select tests.act_as(tests.user('gus'));
select is((select (status, refund_cents)::text from public.cancel_booking(tests.booking('after_stale'), 'Plans changed')),
  '(cancelled,0)', 'an unpaid booking cancels with nothing to refund');
select tests.refuses($$ select public.cancel_booking(tests.booking('after_stale'), 'again') $$,
  'PT409', 'invalid_transition', 'a cancelled booking cannot be cancelled again');
select tests.act_as(tests.user('hana'));
select is((select (status, refund_cents = total_cents, cancelled_by = tests.user('hana'))::text
           from public.cancel_booking(tests.booking('instant'), 'Burst pipe')),
  '(cancelled,t,t)', 'a host who cancels a paid booking refunds everything');
select tests.act_as_service();
select is(public.confirm_booking_payment(tests.booking('instant'), 1, 'NZD'), 'cancelled',
  'a payment arriving for a cancelled booking is reported so it can be refunded');

-- The state machine holds even for the owner -------------------------------------------------------------------------
select tests.act_as_owner();
select tests.refuses($$ update public.bookings set status = 'confirmed' where id = tests.booking('instant') $$,
  'PT409', 'invalid_transition', 'a cancelled booking never comes back',
  message => 'a cancelled booking cannot become confirmed');
select tests.refuses($$ update public.bookings set status = 'completed' where id = tests.booking('request') $$,
  'PT409', 'invalid_transition', 'an unpaid booking cannot be completed');

-- Jobs -------------------------------------------------------------------------------------------------------------------
-- Suites running beside this one on the same database (the payment function tests) commit stale holds of their own:
-- the job sweeps them first, so the count below is this suite's.
select private.expire_stale_holds();
update public.bookings set expires_at = now() - interval '1 second' where id = tests.booking('request');
select is(private.expire_stale_holds(), 1, 'the expiry job expires exactly the holds past their deadline');
select is((select status from public.bookings where id = tests.booking('request')), 'expired',
  'an unpaid accepted request expires after its 24 h');
select is(private.expire_stale_holds(), 0, 'the expiry job is idempotent');

select tests.act_as(tests.user('mei'));
select tests.remember('booking', 'stay', (public.request_booking(tests.property('Auckland instant loft'),
  private.local_today('Pacific/Auckland') + 40, private.local_today('Pacific/Auckland') + 42, 1)).id);
select tests.act_as_service();
select public.confirm_booking_payment(tests.booking('stay'),
  (select total_cents from public.bookings where id = tests.booking('stay')), 'NZD');
select tests.act_as_owner();
update public.bookings set check_out_at = now() - interval '1 minute' where id = tests.booking('stay');
select is(private.complete_finished_stays(), 1, 'the completion job completes confirmed stays whose check-out time has passed');
select is((select status from public.bookings where id = tests.booking('stay')), 'completed',
  'a finished stay is completed');
select ok(not private.nights_are_free(tests.property('Auckland instant loft'),
  private.local_today('Pacific/Auckland') + 40, private.local_today('Pacific/Auckland') + 42),
  'a completed stay keeps its nights claimed');

-- Listings with bookings are archived, not deleted -------------------------------------------------------------------
select tests.act_as(tests.user('hana'));
select tests.refuses($$ delete from public.properties where id = tests.property('Auckland instant loft') $$,
  'PT409', 'listing_has_bookings', 'a listing that ever had a booking cannot be deleted',
  message => 'this listing has bookings and cannot be deleted: archive it instead');

select * from finish();
rollback;
