-- Cancellation refunds at every edge of every policy, measured to the check-in time in the listing's time zone.
-- Fixture stays: 3 nights at 100.00 + 20.00 cleaning: accommodation 30000, subtotal 32000, service fee 14% = 4480,
-- total 36480 (minor units).
begin;
set local search_path = extensions, public;
select plan(22);

select tests.create_user('hana');
select tests.create_user('gus');
-- Next April (the daylight-saving stay below) can be more than a year ahead: this listing takes bookings two years out.
select tests.create_property(tests.user('hana'), 'Flexible Auckland', 'Pacific/Auckland', cancellation_policy => 'flexible',
                             booking_window_days => 730);
select tests.create_property(tests.user('hana'), 'Moderate LA', 'America/Los_Angeles', cancellation_policy => 'moderate');
select tests.create_property(tests.user('hana'), 'Strict Auckland', 'Pacific/Auckland', cancellation_policy => 'strict');
select tests.create_property(tests.user('hana'), 'Weekly moderate', 'Pacific/Auckland', cancellation_policy => 'moderate',
                             nightly_price_cents => 10001, weekly_discount_pct => 10);

-- Confirmed (paid) bookings made by gus, six requested before any is paid.
update private.booking_settings set max_open_requests = 10;
select tests.act_as(tests.user('gus'));
select tests.remember('booking', 'flexible', (public.request_booking(tests.property('Flexible Auckland'),
  tests.local_today('Pacific/Auckland') + 30, tests.local_today('Pacific/Auckland') + 33, 1)).id);
select tests.remember('booking', 'moderate', (public.request_booking(tests.property('Moderate LA'),
  tests.local_today('America/Los_Angeles') + 30, tests.local_today('America/Los_Angeles') + 33, 1)).id);
select tests.remember('booking', 'strict', (public.request_booking(tests.property('Strict Auckland'),
  tests.local_today('Pacific/Auckland') + 20, tests.local_today('Pacific/Auckland') + 23, 1)).id);
select tests.remember('booking', 'strict_soon', (public.request_booking(tests.property('Strict Auckland'),
  tests.local_today('Pacific/Auckland') + 10, tests.local_today('Pacific/Auckland') + 13, 1)).id);
select tests.remember('booking', 'weekly', (public.request_booking(tests.property('Weekly moderate'),
  tests.local_today('Pacific/Auckland') + 30, tests.local_today('Pacific/Auckland') + 37, 1)).id);
-- A week in Auckland across the end of daylight saving time (first Sunday of April: clocks go from +13 to +12).
select tests.remember('booking', 'dst', (public.request_booking(tests.property('Flexible Auckland'),
  make_date(extract(year from now())::int + 1, 4, 1), make_date(extract(year from now())::int + 1, 4, 8), 1)).id);

select tests.act_as_service();
select public.confirm_booking_payment(b.id, (select total_cents from public.bookings x where x.id = b.id), 'NZD')
  from tests.named('booking') b;
select tests.act_as_owner();

create function pg_temp.refund(name text, at_offset interval, from_check_in boolean default true) returns bigint
language sql as $$
  select private.refund_due(bk, case when from_check_in then bk.check_in_at else bk.created_at end + at_offset, false)
  from public.bookings bk where bk.id = tests.booking(refund.name)
$$;

select is((select total_cents from public.bookings where id = tests.booking('flexible')), 36480::bigint,
  'a 3-night fixture stay at 100.00 with 20.00 cleaning costs 36480 in total, service fee included');

-- flexible
select is(pg_temp.refund('flexible', interval '-24 hours'), 36480::bigint,
  'flexible: a full refund up to 24 h before check-in');
select is(pg_temp.refund('flexible', interval '-24 hours' + interval '1 second'), 22000::bigint,
  'flexible: after that, the nights not begun except the next one (2 nights) plus cleaning, no service fee');
select is(pg_temp.refund('flexible', interval '1 hour'), 10000::bigint,
  'flexible: one hour into the first night, the nights not begun except the next one (1 night), no cleaning');
select is(pg_temp.refund('flexible', interval '1 day 1 hour'), 0::bigint,
  'flexible: with only the last night not begun, nothing is refunded');

-- moderate (America/Los_Angeles)
select is(pg_temp.refund('moderate', interval '-5 days'), 36480::bigint,
  'moderate: a full refund up to 5 days before check-in');
select is(pg_temp.refund('moderate', interval '-5 days' + interval '1 second'), 17000::bigint,
  'moderate: after that, 50% of the nights not begun plus cleaning');
select is(pg_temp.refund('moderate', interval '1 hour'), 10000::bigint,
  'moderate: during the stay, 50% of the nights not begun and no cleaning');
select is(pg_temp.refund('weekly', interval '-1 day'), 33503::bigint,
  'moderate: 50% of nights discounted like the stay (7 x 10001 less 10% = 63006 -> 31503, half up) plus cleaning');

-- strict
select is(pg_temp.refund('strict', interval '47 hours', false), 36480::bigint,
  'strict: a full refund within 48 h of booking when check-in is at least 14 days away');
select is(pg_temp.refund('strict', interval '48 hours 1 second', false), 17000::bigint,
  'strict: after 48 h, 50% plus cleaning');
select is(pg_temp.refund('strict', interval '-7 days'), 17000::bigint,
  'strict: 50% plus cleaning up to 7 days before check-in');
select is(pg_temp.refund('strict', interval '-7 days' + interval '1 second'), 2000::bigint,
  'strict: after that only the cleaning fee (refunded in full before check-in)');
select is(pg_temp.refund('strict', interval '1 hour'), 0::bigint,
  'strict: nothing once the stay has begun');
select is(pg_temp.refund('strict_soon', interval '1 hour', false), 17000::bigint,
  'strict: no full refund within 48 h of booking when check-in is less than 14 days away');

-- Time zones: nights begin at the check-in time where the listing is, across a daylight-saving change.
select is((select check_in_at from public.bookings where id = tests.booking('dst')),
  (make_date(extract(year from now())::int + 1, 4, 1) + time '15:00') at time zone 'Pacific/Auckland',
  'check-in is 15:00 Auckland time on the check-in day');
select is((select private.refund_due(bk, ((bk.check_out - 1) + time '15:00') at time zone 'Pacific/Auckland' - interval '30 minutes', false)
           from public.bookings bk where id = tests.booking('dst')),
  0::bigint, 'flexible: half an hour before the last night begins (after the clocks changed), nothing is refunded');
select is((select private.refund_due(bk, ((bk.check_out - 2) + time '15:00') at time zone 'Pacific/Auckland' - interval '30 minutes', false)
           from public.bookings bk where id = tests.booking('dst')),
  10000::bigint, 'flexible: half an hour before the sixth night begins, the last night is refunded (local 15:00 after the DST change)');
select is((select private.refund_due(bk, ((bk.check_out - 2) + time '15:00') at time zone 'Pacific/Auckland' + interval '30 minutes', false)
           from public.bookings bk where id = tests.booking('dst')),
  0::bigint, 'flexible: half an hour after the sixth night began, only the last night is left and nothing is refunded');

-- Through cancel_booking
select tests.act_as(tests.user('gus'));
select is((public.cancel_booking(tests.booking('flexible'), 'Change of plans')).refund_cents, 36480::bigint,
  'a guest cancelling a flexible stay a month ahead gets everything back');
select is((public.cancel_booking(tests.booking('strict_soon'), null)).refund_cents, 17000::bigint,
  'a guest cancelling a strict stay 10 days ahead gets 50% plus cleaning');
select tests.act_as(tests.user('hana'));
select is((public.cancel_booking(tests.booking('moderate'), 'Double-booked elsewhere')).refund_cents, 36480::bigint,
  'a host cancelling refunds everything, whatever the policy');

select * from finish();
rollback;
