-- Payments of bookings and the outbox: the guest and the host read their payments and nobody else does; no client
-- writes; the webhook's functions are idempotent and order-independent; money that leaves is written to the outbox
-- in the transaction that decided it; payouts are enqueued once, 24 h after check-in, when payouts are enabled.
begin;
set local search_path = extensions, public;
select plan(58);

select tests.create_user('pay7-host');
select tests.create_user('pay7-guest');
select tests.create_user('pay7-other-guest');
select tests.create_user('pay7-stranger');
select tests.create_admin('pay7-admin');
select tests.create_property(tests.user('pay7-host'), 'Payments test loft', 'UTC');

create function pg_temp.total(name text) returns bigint language sql as $$ select total_cents from public.bookings where id = tests.booking($1) $$;

-- Bookings of the guest (and one of another guest), on separate dates.
select tests.act_as(tests.user('pay7-guest'));
select tests.remember('booking', 'paid', (public.request_booking(tests.property('Payments test loft'), private.local_today('UTC') + 10, private.local_today('UTC') + 13, 2)).id);
select tests.remember('booking', 'late', (public.request_booking(tests.property('Payments test loft'), private.local_today('UTC') + 20, private.local_today('UTC') + 22, 1)).id);
select tests.remember('booking', 'wrong', (public.request_booking(tests.property('Payments test loft'), private.local_today('UTC') + 30, private.local_today('UTC') + 32, 1)).id);
select tests.remember('booking', 'unpaid', (public.request_booking(tests.property('Payments test loft'), private.local_today('UTC') + 40, private.local_today('UTC') + 42, 1)).id);
select tests.remember('booking', 'payout', (public.request_booking(tests.property('Payments test loft'), private.local_today('UTC') + 50, private.local_today('UTC') + 53, 1)).id);
select tests.remember('booking', 'early-cancel', (public.request_booking(tests.property('Payments test loft'), private.local_today('UTC') + 60, private.local_today('UTC') + 62, 1)).id);
select tests.act_as(tests.user('pay7-other-guest'));
select tests.remember('booking', 'other', (public.request_booking(tests.property('Payments test loft'), private.local_today('UTC') + 70, private.local_today('UTC') + 72, 1)).id);

-- Shape ---------------------------------------------------------------------------------------------------------
select tests.act_as_owner();
select ok((select relrowsecurity from pg_class where oid = 'payments.payments'::regclass), 'RLS is on for payments.payments');
select ok((select relrowsecurity from pg_class where oid = 'payments.outbox'::regclass), 'RLS is on for payments.outbox');
select is((select reloptions from pg_class where oid = 'public.booking_payments'::regclass), '{security_invoker=on}',
  'public.booking_payments runs with the reader''s rights, so the policies on payments.payments decide');
select is((select count(*)::int from information_schema.role_column_grants
           where table_schema = 'payments' and grantee in ('anon', 'authenticated', 'PUBLIC') and privilege_type <> 'SELECT'), 0,
  'no client role may write any column in payments');
select is((select array_agg(column_name::text order by column_name) from information_schema.role_column_grants
           where table_schema = 'payments' and table_name = 'payments' and grantee = 'authenticated'),
  '{amount_cents,booking_id,created_at,currency,disputed,refunded_cents,status,succeeded_at,updated_at}',
  'members may read only the view''s columns of payments.payments (no Stripe ids, flags or failure codes)');
select ok(not has_function_privilege('authenticated', 'private.enqueue_due_payouts()', 'execute'), 'members cannot run the payout job');
select ok(has_function_privilege('service_role', 'private.enqueue_due_payouts()', 'execute'), 'the service role (worker, scheduler) runs the payout job');

-- Webhook functions (service role) ---------------------------------------------------------------------------------
select tests.act_as_service();
select payments.record_payment_intent(tests.booking('paid'), 'pi_pay7paid', pg_temp.total('paid'), 'nzd');
select payments.record_payment_intent(tests.booking('other'), 'pi_pay7other', pg_temp.total('other'), 'nzd');
select is(payments.record_payment_succeeded('pi_pay7paid', tests.booking('paid'), pg_temp.total('paid'), 'nzd', 'ch_pay7paid'), 'confirmed',
  'payment_intent.succeeded with the right amount confirms the booking');
select is((select status::text from public.bookings where id = tests.booking('paid')), 'confirmed', 'a payment that confirms leaves the booking confirmed');
select is(payments.record_payment_succeeded('pi_pay7paid', tests.booking('paid'), pg_temp.total('paid'), 'nzd', 'ch_pay7paid'), null,
  'the same success again does nothing');
select payments.record_payment_succeeded('pi_pay7other', tests.booking('other'), pg_temp.total('other'), 'nzd', 'ch_pay7other');
select is((select count(*)::int from payments.outbox where booking_id in (tests.booking('paid'), tests.booking('other'))), 0,
  'a confirmed payment sends no money anywhere');

select is(payments.record_payment_failed('pi_pay7paid', tests.booking('paid'), pg_temp.total('paid'), 'nzd', 'card_declined'), false,
  'a failure reported after the success changes nothing');
select is(payments.record_charge_refunded('pi_pay7paid', null, 'ch_pay7paid', pg_temp.total('paid'), 'nzd', 700), true,
  'charge.refunded records the refunded total');
select is(payments.record_charge_refunded('pi_pay7paid', null, 'ch_pay7paid', pg_temp.total('paid'), 'nzd', 300), false,
  'an older charge.refunded (smaller total) arriving later changes nothing');
select is(payments.record_dispute(null, 'ch_pay7paid', 'dp_pay7'), true, 'a dispute flags the payment, found by its charge');
select is(payments.record_dispute('pi_pay7paid', 'ch_pay7paid', 'dp_pay7'), false, 'the same dispute again does nothing');
select is((select (refunded_cents, disputed, flags)::text from payments.payments where payment_intent_id = 'pi_pay7paid'),
  (700::bigint, true, '{disputed}'::text[])::text, 'the payment keeps the newest refunded total (700) and one disputed flag');

-- A late payment: the hold expired before the money arrived.
select tests.act_as_owner();
update public.bookings set expires_at = now() - interval '1 second' where id = tests.booking('late');
select tests.act_as_service();
select is(payments.record_payment_succeeded('pi_pay7late', tests.booking('late'), pg_temp.total('late'), 'nzd', 'ch_pay7late'), 'hold_expired',
  'a payment after the hold expired is not a confirmation (recorded even though the checkout never recorded it)');
select is((select (kind, reason, amount_cents, payment_intent_id)::text from payments.outbox where booking_id = tests.booking('late')),
  ('refund', 'late_payment', pg_temp.total('late'), 'pi_pay7late')::text, 'a late payment''s full refund is written to the outbox in the same transaction');
select payments.record_payment_succeeded('pi_pay7late', tests.booking('late'), pg_temp.total('late'), 'nzd', 'ch_pay7late');
select is((select count(*)::int from payments.outbox where booking_id = tests.booking('late')), 1, 'a replay writes no second refund');
select is((select status::text from public.bookings where id = tests.booking('late')), 'expired', 'a late payment leaves its booking expired, not revived');

-- A wrong amount.
select is(payments.record_payment_succeeded('pi_pay7wrong', tests.booking('wrong'), pg_temp.total('wrong') - 1, 'nzd', 'ch_pay7wrong'), 'amount_mismatch',
  'a payment of another amount does not confirm');
select is((select status::text from public.bookings where id = tests.booking('wrong')), 'pending_payment', 'a payment of another amount leaves the booking waiting for its payment');
select is((select flags from payments.payments where payment_intent_id = 'pi_pay7wrong'), '{amount_mismatch}', 'a payment of another amount is flagged for a human');
select is((select (reason, amount_cents)::text from payments.outbox where booking_id = tests.booking('wrong')),
  ('amount_mismatch', pg_temp.total('wrong') - 1)::text, 'a payment of another amount is refunded in full');
select tests.refuses($$ select payments.checkout_booking(tests.user('pay7-guest'), tests.booking('wrong')) $$, 'PT409', 'payment_under_review',
  'checkout refuses a booking whose payment is under review');

-- Who reads what ------------------------------------------------------------------------------------------------
select tests.act_as(tests.user('pay7-guest'));
select is((select array_agg(status order by status) from public.booking_payments), '{succeeded,succeeded,succeeded}',
  'the guest reads the payments of their bookings (paid, late, wrong)');
select is((select count(*)::int from public.booking_payments where booking_id = tests.booking('other')), 0, 'a guest does not read the payments of another guest''s bookings');
select throws_ok($$ select payment_intent_id from payments.payments $$, '42501', null, 'a member cannot read the Stripe ids');
select throws_ok($$ select * from payments.outbox $$, '42501', null, 'a member cannot read the outbox');
select throws_ok($$ insert into public.booking_payments (booking_id, amount_cents, currency) values (tests.booking('unpaid'), 1, 'NZD') $$,
  '42501', null, 'a member cannot insert a payment');
select throws_ok($$ update public.booking_payments set refunded_cents = 0 $$, '42501', null, 'a member cannot change a payment');
select throws_ok($$ delete from public.booking_payments $$, '42501', null, 'a member cannot delete a payment');
select throws_ok($$ select payments.record_payment_succeeded('pi_x', tests.booking('unpaid'), 1, 'nzd', null) $$, '42501', null,
  'a member cannot report a payment');
select tests.act_as(tests.user('pay7-host'));
select is((select count(*)::int from public.booking_payments), 4, 'the host reads the payments of their listing''s bookings');
select throws_ok($$ update payments.payments set refunded_cents = 0 $$, '42501', null, 'the host cannot change a payment');
select tests.act_as(tests.user('pay7-stranger'));
select is((select count(*)::int from public.booking_payments), 0, 'a stranger reads no payment');
select tests.act_as(tests.user('pay7-admin'), aal => 'aal2');
select is((select count(*)::int from public.booking_payments), 0, 'an admin, who reads every booking, reads no payment');
select tests.act_as_anon();
select throws_ok($$ select * from public.booking_payments $$, '42501', null, 'anon cannot read payments at all');

-- Cancellations write their refund in the cancelling transaction ---------------------------------------------------
select tests.act_as(tests.user('pay7-guest'));
savepoint before_cancel;
select public.cancel_booking(tests.booking('paid'));
select tests.act_as_owner();
select is((select (kind, reason, amount_cents)::text from payments.outbox where booking_id = tests.booking('paid')),
  ('refund', 'cancellation', (select refund_cents from public.bookings where id = tests.booking('paid')))::text,
  'cancelling a paid booking writes its refund (refund_cents) to the outbox in the same transaction');
rollback to savepoint before_cancel;
select tests.act_as_owner();
select is((select count(*)::int from payments.outbox where booking_id = tests.booking('paid')), 0,
  'a cancellation that rolls back leaves no refund behind');
select tests.act_as(tests.user('pay7-guest'));
select public.cancel_booking(tests.booking('unpaid'));
select tests.act_as_owner();
select is((select count(*)::int from payments.outbox where booking_id = tests.booking('unpaid')), 0, 'cancelling an unpaid booking sends no money');

-- Payouts ---------------------------------------------------------------------------------------------------------
select tests.act_as_service();
select payments.record_payment_succeeded('pi_pay7payout', tests.booking('payout'), pg_temp.total('payout'), 'nzd', 'ch_pay7payout');
select payments.record_payment_succeeded('pi_pay7early', tests.booking('early-cancel'), pg_temp.total('early-cancel'), 'nzd', 'ch_pay7early');
select payments.record_connected_account(tests.user('pay7-host'), 'acct_pay7host');
select tests.act_as_owner();
update public.bookings set check_in_at = now() - interval '23 hours' where id in (tests.booking('payout'), tests.booking('early-cancel'));
select is(private.enqueue_due_payouts(), 0, 'no payout before 24 h after check-in');
update public.bookings set check_in_at = now() - interval '24 hours' where id in (tests.booking('payout'), tests.booking('early-cancel'));
select is(private.enqueue_due_payouts(), 0, 'no payout while the host''s payouts are not enabled');
select payments.record_account_update('acct_pay7host', true, true, true, now());
select is(private.enqueue_due_payouts(), 2, 'exactly 24 h after check-in with payouts enabled: the payouts are enqueued');
select is(private.enqueue_due_payouts(), 0, 'enqueuing again adds nothing (one payout per booking)');
select is((select (kind, amount_cents, destination, source_transaction)::text from payments.outbox where booking_id = tests.booking('payout')),
  ('payout', (select host_payout_cents from public.bookings where id = tests.booking('payout')), 'acct_pay7host', 'ch_pay7payout')::text,
  'the payout sends host_payout_cents to the host''s connected account, from the booking''s charge');

-- The worker ------------------------------------------------------------------------------------------------------
update payments.outbox set next_attempt_at = now() + interval '1 day' where booking_id <> tests.booking('payout') and status = 'pending';
select tests.act_as_service();
select is((payments.claim_outbox(60)).booking_id, tests.booking('payout'), 'the worker claims the due payout');
select is((payments.claim_outbox(60)).id, null, 'a claimed row is leased: no second worker gets it');

-- Cancellations and payouts: the unsent payout is cancelled; the attempted one is reversed.
select tests.act_as(tests.user('pay7-guest'));
select public.cancel_booking(tests.booking('early-cancel'));
select public.cancel_booking(tests.booking('payout'));
select tests.act_as_owner();
select is((select array_agg((kind, status)::text order by kind) from payments.outbox where booking_id = tests.booking('early-cancel')),
  array[('refund', 'pending')::text, ('payout', 'cancelled')::text], 'a cancellation before any payout attempt: the payout is cancelled, the refund goes');
select is((select (status, depends_on = (select id from payments.outbox where dedupe_key = 'payout:' || tests.booking('payout')))::text
             from payments.outbox where booking_id = tests.booking('payout') and kind = 'payout_reversal'),
  ('pending', true)::text, 'a cancellation after the payout was attempted enqueues its reversal');
update payments.outbox set next_attempt_at = now() + interval '1 day' where kind = 'refund' and status = 'pending';
select tests.act_as_service();
select is((payments.claim_outbox(60)).id, null, 'the reversal waits while its payout is not done');
select ok(payments.complete_outbox((select id from payments.outbox where dedupe_key = 'payout:' || tests.booking('payout')), 'tr_pay7'),
  'the worker marks the payout done with its transfer');
select is((payments.claim_outbox(60)).transfer_id, 'tr_pay7', 'once its payout is done, the reversal is claimed with the transfer it reverses');
select is(payments.fail_outbox((select id from payments.outbox where dedupe_key = 'payout_reversal:' || tests.booking('payout')), 'Stripe 500'), 'pending',
  'a failed call leaves the row pending');
select ok((select next_attempt_at > now() and locked_until is null from payments.outbox where dedupe_key = 'payout_reversal:' || tests.booking('payout')),
  'a failed row is released and retried later, with backoff');
select is(payments.fail_outbox((select id from payments.outbox where dedupe_key = 'refund:late_payment:pi_pay7late'), 'No such charge', true), 'dead',
  'a refusal that retrying cannot fix marks the row dead');
select is((select flags from payments.payments where payment_intent_id = 'pi_pay7late'), '{refund_failed}', 'a dead refund flags its payment for a human');

select * from finish();
rollback;
