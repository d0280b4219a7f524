-- Notifications: each booking, payment, message and review event notifies the right member, in the app and (per
-- their preferences) by e-mail through the outbox; the outbox is claimed, leased and finished exactly once.
begin;
set local search_path = extensions, public;
select plan(42);

select tests.create_user('hana');   -- host
select tests.create_user('gus');    -- guest
select tests.create_user('mei');    -- a guest who wants no e-mail
select tests.create_user('eve');    -- a stranger
select tests.create_property(tests.user('hana'), 'Notice loft', 'Pacific/Auckland', instant_book => false, nightly_price_cents => 12050);

create function pg_temp.kinds(member uuid, booking uuid) returns text[] language sql as $$
  select coalesce(array_agg(n.kind::text order by n.id), '{}') from public.notifications n
   where n.recipient_id = member and n.booking_id is not distinct from booking
$$;

-- Requested, accepted, confirmed, cancelled ------------------------------------------------------------------------
select tests.act_as(tests.user('gus'));
select tests.remember('booking', 'b1', (public.request_booking(tests.property('Notice loft'),
  tests.local_today('Pacific/Auckland') + 30, tests.local_today('Pacific/Auckland') + 32, 2)).id);
select tests.act_as_owner();
select is(pg_temp.kinds(tests.user('hana'), tests.booking('b1')), array['booking_requested'], 'a booking request notifies the host');
select is(pg_temp.kinds(tests.user('gus'), tests.booking('b1')), '{}'::text[], 'the guest is not told of their own request');
select is((select subject from private.email_outbox o join public.notifications n on n.id = o.notification_id
            where n.booking_id = tests.booking('b1') and n.kind = 'booking_requested'),
  'New booking request for Notice loft', 'the request''s e-mail is in the outbox with its template''s subject');
select matches((select text_body from private.email_outbox o join public.notifications n on n.id = o.notification_id
            where n.booking_id = tests.booking('b1') and n.kind = 'booking_requested'),
  '^gus asks to stay at Notice loft, \w{3} \d{1,2} \w{3} \d{4} to \w{3} \d{1,2} \w{3} \d{4} \(NZD \d+\.\d\d\)',
  'the e-mail shows the listing''s local dates and money in its currency');
select is((select to_address from private.email_outbox o join public.notifications n on n.id = o.notification_id
            where n.booking_id = tests.booking('b1') and n.kind = 'booking_requested'),
  'hana@tests.staybase.test', 'the e-mail goes to the recipient''s own address');

select tests.act_as(tests.user('hana'));
select public.respond_to_booking(tests.booking('b1'), true);
select tests.act_as_owner();
select is(pg_temp.kinds(tests.user('gus'), tests.booking('b1')), array['booking_accepted'], 'an accepted request notifies the guest');
select tests.act_as_service();
select is(public.confirm_booking_payment(tests.booking('b1'), (select total_cents from public.bookings where id = tests.booking('b1')), 'NZD'),
  'confirmed'::public.payment_outcome, 'the payment confirms the booking');
select tests.act_as_owner();
select is(pg_temp.kinds(tests.user('gus'), tests.booking('b1')), array['booking_accepted', 'booking_confirmed'], 'a confirmation notifies the guest');
select is(pg_temp.kinds(tests.user('hana'), tests.booking('b1')), array['booking_requested', 'booking_confirmed'], 'a confirmation notifies the host');
select tests.act_as(tests.user('gus'));
select public.cancel_booking(tests.booking('b1'), 'Change of plans');
select tests.act_as_owner();
select is((pg_temp.kinds(tests.user('hana'), tests.booking('b1')))[3], 'booking_cancelled', 'a cancellation notifies the host');
select is((select (data ->> 'refund_cents')::bigint from public.notifications
            where recipient_id = tests.user('gus') and booking_id = tests.booking('b1') and kind = 'booking_cancelled'),
  (select refund_cents from public.bookings where id = tests.booking('b1')), 'the cancellation notice carries the refund');
select matches((select text_body from private.email_outbox o join public.notifications n on n.id = o.notification_id
                 where n.recipient_id = tests.user('gus') and n.kind = 'booking_cancelled'),
  'Refund to the guest: NZD \d+\.\d\d\.$', 'the cancellation e-mail states the refund in the booking''s currency');
select is((select data ->> 'total_cents' from public.notifications where recipient_id = tests.user('hana') and kind = 'booking_requested'),
  (select host_payout_cents::text from public.bookings where id = tests.booking('b1')), 'the host is told their payout, not the guest''s total');

-- Declined, expired ----------------------------------------------------------------------------------------------------
select tests.act_as(tests.user('gus'));
select tests.remember('booking', 'b2', (public.request_booking(tests.property('Notice loft'),
  tests.local_today('Pacific/Auckland') + 40, tests.local_today('Pacific/Auckland') + 42, 1)).id);
select tests.remember('booking', 'b3', (public.request_booking(tests.property('Notice loft'),
  tests.local_today('Pacific/Auckland') + 50, tests.local_today('Pacific/Auckland') + 52, 1)).id);
select tests.act_as(tests.user('hana'));
select public.respond_to_booking(tests.booking('b2'), false);
select tests.act_as_owner();
select is(pg_temp.kinds(tests.user('gus'), tests.booking('b2')), array['booking_declined'], 'a declined request notifies the guest');
select is(pg_temp.kinds(tests.user('hana'), tests.booking('b2')), array['booking_requested'], 'the host is not told of their own decline');
update public.bookings set expires_at = now() - interval '1 minute' where id = tests.booking('b3');
select private.expire_stale_holds();
select is(pg_temp.kinds(tests.user('gus'), tests.booking('b3')), array['booking_expired'], 'an expired request notifies the guest');
select is(pg_temp.kinds(tests.user('hana'), tests.booking('b3')), array['booking_requested', 'booking_expired'], 'an expired request notifies the host');

-- Payment failed --------------------------------------------------------------------------------------------------------
select tests.act_as(tests.user('gus'));
select tests.remember('booking', 'b4', (public.request_booking(tests.property('Notice loft'),
  tests.local_today('Pacific/Auckland') + 60, tests.local_today('Pacific/Auckland') + 62, 1)).id);
select tests.act_as(tests.user('hana'));
select public.respond_to_booking(tests.booking('b4'), true);
select tests.act_as_owner();
insert into payments.payments (booking_id, guest_id, host_id, payment_intent_id, amount_cents, currency)
select id, guest_id, host_id, 'pi_notice_b4', total_cents, currency from public.bookings where id = tests.booking('b4');
update payments.payments set status = 'failed', failed_at = now() where payment_intent_id = 'pi_notice_b4';
select is(pg_temp.kinds(tests.user('gus'), tests.booking('b4')), array['booking_accepted', 'payment_failed'], 'a failed payment notifies the guest');

-- Review window opened, review published -------------------------------------------------------------------------------
select tests.remember('booking', 'past', tests.create_completed_stay(tests.property('Notice loft'), tests.user('mei'), current_date - 10, 2, now() - interval '1 day'));
select is(pg_temp.kinds(tests.user('hana'), tests.booking('past')), '{}'::text[], 'a stay recorded as completed is no request');
update public.bookings set status = 'confirmed', expires_at = null, confirmed_at = now() where id = tests.booking('b4');
update public.bookings set status = 'completed' where id = tests.booking('b4');
select is((pg_temp.kinds(tests.user('gus'), tests.booking('b4')))[4], 'review_window_opened', 'a completed stay opens the guest''s review window');
select is((pg_temp.kinds(tests.user('hana'), tests.booking('b4')))[3], 'review_window_opened', 'a completed stay opens the host''s review window');
select tests.act_as(tests.user('mei'));
select public.submit_review(tests.booking('past'), 5, 'Lovely', 5, 5, 5, 5, 5, 5);
select tests.act_as(tests.user('hana'));
select public.submit_review(tests.booking('past'), 5, 'Great guest');
select tests.act_as_owner();
select is(pg_temp.kinds(tests.user('hana'), tests.booking('past')), array['review_published'], 'a published review notifies its subject (the host)');
select is(pg_temp.kinds(tests.user('mei'), tests.booking('past')), array['review_published'], 'a published review notifies its subject (the guest)');

-- Unread messages --------------------------------------------------------------------------------------------------------
select tests.act_as(tests.user('gus'));
select tests.remember('conversation', 'c', (public.start_conversation(tests.property('Notice loft'), 'Hello, is it sunny? gus@example.com')).id);
select tests.act_as_owner();
select is(private.notify_unread_messages(), 0, 'a fresh message is not yet worth a notification');
update public.conversations set last_message_at = now() - interval '11 minutes' where id = tests.fixture('conversation', 'c');
select is(private.notify_unread_messages(), 1, 'a message unread for ten minutes notifies its recipient');
select is(private.notify_unread_messages(), 0, 'an unread message notifies once');
select is((select kind::text from public.notifications where recipient_id = tests.user('hana') and conversation_id = tests.fixture('conversation', 'c')),
  'message_unread', 'the host is told of the unread message');
select ok((select data::text not like '%example.com%' and data::text not like '%sunny%' from public.notifications
            where conversation_id = tests.fixture('conversation', 'c')), 'the notice carries neither the body nor contact details');

-- Preferences and who reads what ---------------------------------------------------------------------------------------
select tests.act_as(tests.user('mei'));
insert into public.notification_preferences (member_id, email_kinds) values (tests.user('mei'), '{}');
select is((select count(*)::integer from public.notification_preferences), 1, 'a member reads their own preferences');
select tests.act_as(tests.user('eve'));
select throws_ok($$ insert into public.notification_preferences (member_id) values (tests.user('gus')) $$, '42501', null,
  'nobody sets another member''s preferences');
select is((select count(*)::integer from public.notifications), 0, 'a member reads only their own notifications');
select throws_ok($$ insert into public.notifications (recipient_id, kind) values ((select auth.uid()), 'booking_requested') $$, '42501', null,
  'nobody writes notifications directly');
select tests.act_as(tests.user('gus'));
select tests.remember('booking', 'm1', (public.request_booking(tests.property('Notice loft'),
  tests.local_today('Pacific/Auckland') + 70, tests.local_today('Pacific/Auckland') + 72, 1)).id);
select tests.act_as(tests.user('hana'));
insert into public.notification_preferences (member_id, email_kinds) values (tests.user('hana'), array['booking_confirmed']::public.notification_kind[]);
select tests.act_as(tests.user('gus'));
select tests.remember('booking', 'm2', (public.request_booking(tests.property('Notice loft'),
  tests.local_today('Pacific/Auckland') + 80, tests.local_today('Pacific/Auckland') + 82, 1)).id);
select tests.act_as_owner();
select is((select count(*)::integer from private.email_outbox o join public.notifications n on n.id = o.notification_id
            where n.booking_id = tests.booking('m2')), 0, 'a kind the member turned off sends no e-mail');
select is(pg_temp.kinds(tests.user('hana'), tests.booking('m2')), array['booking_requested'], 'the in-app notification is still there');
select tests.act_as(tests.user('hana'));
select ok(public.mark_notifications_read() > 0, 'a member marks their notifications read');
select is((select count(*)::integer from public.notifications where read_at is null), 0, 'nothing is unread after marking all read');

-- The outbox: claim, lease, finish once --------------------------------------------------------------------------------
select tests.act_as_owner();
update private.email_outbox set status = 'sent', finished_at = now();
insert into private.email_outbox (id, recipient_id, to_address, subject, text_body)
values ('00000000-0000-4000-8000-000000000001', tests.user('gus'), 'gus@tests.staybase.test', 'Hi', 'Body');
select tests.act_as_service();
select is((private.claim_email(60)).id, '00000000-0000-4000-8000-000000000001'::uuid, 'the worker claims a due e-mail');
select is((private.claim_email(60)).id, null, 'a leased e-mail is not claimed twice');
select tests.act_as_owner();
update private.email_outbox set locked_until = now() - interval '1 second' where id = '00000000-0000-4000-8000-000000000001';
select tests.act_as_service();
select is((private.claim_email(60)).attempts, 2, 'after the lease a killed worker''s e-mail is claimed again, the same row (same idempotency key)');
select is(private.fail_email('00000000-0000-4000-8000-000000000001', 'provider timeout'), 'pending'::private.email_status, 'a failed send is retried');
select tests.act_as_owner();
update private.email_outbox set next_attempt_at = now() where id = '00000000-0000-4000-8000-000000000001';
select tests.act_as_service();
select private.claim_email(60);
select ok(private.complete_email('00000000-0000-4000-8000-000000000001', 'em_1'), 'the worker marks the e-mail sent');
select ok(not private.complete_email('00000000-0000-4000-8000-000000000001', 'em_2'), 'an e-mail is finished once');

select * from finish();
rollback;
