-- Payments accounts and the Stripe event ledger: out of every client's reach, written only through the service
-- role's functions, each event recorded once, account updates applied in Stripe's order whatever the delivery order.
begin;
set local search_path = extensions, public;
select plan(40);

select tests.create_user('pay-host');
select tests.create_user('pay-guest');
select tests.create_user('pay-stranger');

-- Shape
select has_schema('payments', 'the payments schema exists');
select ok((select relrowsecurity from pg_class where oid = 'payments.stripe_customers'::regclass), 'RLS is on for payments.stripe_customers');
select ok((select relrowsecurity from pg_class where oid = 'payments.connected_accounts'::regclass), 'RLS is on for payments.connected_accounts');
select ok((select relrowsecurity from pg_class where oid = 'payments.stripe_events'::regclass), 'RLS is on for payments.stripe_events');
select is((select count(*)::int from pg_policies where schemaname = 'payments' and not (roles = '{service_role}')
             and tablename <> 'payments'), 0,
  'no policy in payments applies to a client role (but the guests'' and hosts'' read of payments.payments, 70_payments)');
select ok(not has_schema_privilege('anon', 'payments', 'usage'), 'anon cannot use the payments schema');
select ok(not has_schema_privilege('authenticated', 'payments', 'create'),
  'authenticated cannot create in the payments schema (it uses it only to read payments.payments through public.booking_payments)');
select is((select count(*)::int from information_schema.role_table_grants
           where table_schema = 'payments' and grantee in ('anon', 'authenticated', 'PUBLIC')), 0,
  'no client role holds any privilege on a payments table');
select is((select count(*)::int from information_schema.role_table_grants
           where table_schema = 'payments' and grantee = 'service_role' and privilege_type <> 'SELECT'), 0,
  'the service role only reads payments tables: it writes through the functions');
select is((select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
           where n.nspname = 'payments'
             and (has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute'))), 0,
  'no payments function is executable by anon or authenticated');
select is((select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
           where n.nspname = 'payments' and p.prosecdef
             and not coalesce(p.proconfig @> array['search_path=""'], false)), 0,
  'every security definer function in payments pins search_path to empty');

-- Client roles are refused
select tests.act_as(tests.user('pay-host'));
select throws_ok($$ select * from payments.connected_accounts $$, '42501', null, 'a member cannot read connected accounts, not even their own');
select throws_ok($$ select * from payments.stripe_customers $$, '42501', null, 'a member cannot read Stripe customers');
select throws_ok($$ select * from payments.stripe_events $$, '42501', null, 'a member cannot read the event ledger');
select throws_ok($$ insert into payments.connected_accounts (user_id, stripe_account_id) values ((select auth.uid()), 'acct_forged') $$,
  '42501', null, 'a member cannot insert a connected account');
select throws_ok($$ select payments.record_connected_account((select auth.uid()), 'acct_forged') $$, '42501', null,
  'a member cannot call record_connected_account');
select throws_ok($$ select payments.record_account_update('acct_forged', true, true, true, now()) $$, '42501', null,
  'a member cannot call record_account_update to enable their own payouts');
select throws_ok($$ select payments.record_stripe_event('evt_forged', 'account.updated', null, null, false, now()) $$, '42501', null,
  'a member cannot record a Stripe event');
select throws_ok($$ select payments.connected_account(tests.user('pay-stranger')) $$, '42501', null,
  'a member cannot look up another member''s connected account');

select tests.act_as_anon();
select throws_ok($$ select * from payments.stripe_events $$, '42501', null, 'anon cannot read the event ledger');
select throws_ok($$ select payments.stripe_customer_id(tests.user('pay-guest')) $$, '42501', null, 'anon cannot look up a Stripe customer');
select throws_ok($$ select payments.finish_stripe_event('evt_x', 'processed') $$, '42501', null, 'anon cannot finish a Stripe event');

-- The service role, through the functions
select tests.act_as_service();
select is((payments.record_connected_account(tests.user('pay-host'), 'acct_host1')).stripe_account_id, 'acct_host1',
  'the service role records a host''s connected account');
select is((payments.record_connected_account(tests.user('pay-host'), 'acct_other')).stripe_account_id, 'acct_host1',
  'recording a second account for the same host keeps the first (one account per host)');
select throws_ok($$ select payments.record_connected_account(tests.user('pay-stranger'), 'acct_host1') $$, '23505', null,
  'an account id belongs to one host only (stripe_account_id_belongs_to_one_host)');
select throws_ok($$ select payments.record_connected_account(tests.user('pay-stranger'), 'cus_wrong') $$, '23514', null,
  'a connected account id must look like acct_... (stripe_account_id_format)');
select is(payments.record_stripe_customer(tests.user('pay-guest'), 'cus_guest1'), 'cus_guest1', 'the service role records a guest''s Stripe customer');
select is(payments.record_stripe_customer(tests.user('pay-guest'), 'cus_guest2'), 'cus_guest1', 'a guest keeps one Stripe customer');
select throws_ok($$ select * from payments.stripe_events for update $$, '42501', null, 'the service role cannot lock or write ledger rows directly');

select is(payments.record_stripe_event('evt_one', 'account.updated', 'acct_host1', null, false, now()), true,
  'the first delivery of an event must be handled');
select is(payments.record_stripe_event('evt_one', 'account.updated', 'acct_host1', null, false, now()), false,
  'a replayed event is recognised: nothing to handle');
select payments.finish_stripe_event('evt_one', 'processed');
select is(payments.record_stripe_event('evt_one', 'account.updated', 'acct_host1', null, false, now()), false,
  'a replay after the event was processed is still recognised');
select is((select count(*)::int from payments.stripe_events where id = 'evt_one'), 1, 'an event id is recorded once');

select payments.record_stripe_event_failure('evt_two', 'payment_intent.succeeded', 'pi_1', null, false, now(), 'database hiccup');
select is((select outcome || ':' || error from payments.stripe_events where id = 'evt_two'), 'failed:database hiccup',
  'a failed handling is recorded with its error');
select is(payments.record_stripe_event('evt_two', 'payment_intent.succeeded', 'pi_1', null, false, now()), true,
  'an event whose handling failed is handled again on the next delivery');
select is((select attempts from payments.stripe_events where id = 'evt_two'), 2, 'a retried event counts as a second attempt');

-- account.updated, in Stripe's order
select is(payments.record_account_update('acct_host1', true, true, true, '2031-01-01 12:00Z'), true,
  'an account update for a known account is applied');
select is(payments.record_account_update('acct_host1', false, false, true, '2031-01-01 11:00Z'), false,
  'an older account update arriving later is not applied');
select is((select payouts_enabled and charges_enabled from payments.connected_accounts where stripe_account_id = 'acct_host1'), true,
  'the host keeps the newer account state (payouts and charges enabled)');
select is(payments.record_account_update('acct_unknown', true, true, true, now()), false,
  'an update for an account Staybase does not know changes nothing');

select * from finish();
rollback;
