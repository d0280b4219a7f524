-- Privacy and retention: erasing a member keeps exactly what must be kept, detached; the jobs delete exactly what
-- their retention says and nothing else.
begin;
set local search_path = extensions, public;
select plan(53);

select tests.create_user('hana');     -- host
select tests.create_user('gus');      -- guest to be erased
select tests.create_user('mei');      -- another guest, untouched
select tests.create_user('busy');     -- a guest with an active hold
select tests.create_property(tests.user('hana'), 'Privacy loft', 'Pacific/Auckland');

-- gus: a past stay with a message and a review each way, and a booking he cancelled with a reason.
select tests.remember('booking', 'gus_stay', tests.create_completed_stay(tests.property('Privacy loft'), tests.user('gus'), current_date - 6, 2, now() - interval '2 days'));
update public.bookings set message = 'We arrive late, sorry!' where id = tests.booking('gus_stay');
select tests.remember('booking', 'mei_stay', tests.create_completed_stay(tests.property('Privacy loft'), tests.user('mei'), current_date - 12, 2, now() - interval '8 days'));
update public.bookings set message = 'Mei says hi' where id = tests.booking('mei_stay');
select tests.act_as(tests.user('gus'));
select public.submit_review(tests.booking('gus_stay'), 5, 'Lovely loft', 5, 5, 5, 5, 5, 5);
select tests.remember('booking', 'gus_cancelled', (public.request_booking(tests.property('Privacy loft'),
  tests.local_today('Pacific/Auckland') + 40, tests.local_today('Pacific/Auckland') + 42, 1)).id);
select public.cancel_booking(tests.booking('gus_cancelled'), 'My personal reasons');
select tests.act_as(tests.user('hana'));
select public.submit_review(tests.booking('gus_stay'), 4, 'Quiet guest');
select tests.act_as(tests.user('busy'));
select tests.remember('booking', 'busy_hold', (public.request_booking(tests.property('Privacy loft'),
  tests.local_today('Pacific/Auckland') + 50, tests.local_today('Pacific/Auckland') + 52, 1)).id);
select tests.act_as_owner();
insert into storage.objects (bucket_id, name, owner) values ('property-photos', tests.photo('Privacy loft', 'by-gus'), tests.user('gus'));
insert into payments.stripe_customers (user_id, stripe_customer_id) values (tests.user('gus'), 'cus_privacygus');
-- hana's listing has a photo (a row and its file, owned by nobody in particular), and mei hosts a listing of her own.
select tests.create_property(tests.user('mei'), 'Mei studio', 'Pacific/Auckland');
insert into public.property_photos (property_id, storage_path, position) values (tests.property('Privacy loft'), tests.photo('Privacy loft', 'living'), 0);
insert into storage.objects (bucket_id, name) values
  ('property-photos', tests.photo('Privacy loft', 'living')), ('property-photos', tests.photo('Mei studio', 'studio'));

-- Refusals ---------------------------------------------------------------------------------------------------------
select tests.refuses($$ select private.erase_member(tests.user('busy')) $$, 'PT409', 'member_has_active_bookings',
  'a member with an active hold cannot be erased',
  message => 'this member has active bookings: cancel or finish them before erasing the account');
select ok(exists (select 1 from auth.users where id = tests.user('busy')), 'a refused erasure leaves the member in place');
select tests.refuses($$ select private.erase_member(gen_random_uuid()) $$, 'PT404', 'member_not_found', 'an unknown member is not found');
select tests.act_as_service();
select tests.refuses($$ select private.erase_member(gen_random_uuid()) $$, 'PT404', 'member_not_found', 'the service role may erase members (an unknown one is not found, not forbidden)');
select tests.act_as(tests.user('gus'));
select throws_ok($$ select private.erase_member(tests.user('mei')) $$, '42501', null, 'a member cannot erase anyone');
select tests.act_as_owner();
-- An admin erases through public.erase_member, with a second factor only.
select tests.create_user('tilly');
select tests.create_admin('privacy-admin');
select tests.act_as(tests.user('gus'));
select tests.refuses($$ select public.erase_member(tests.user('tilly')) $$, '42501', 'not_admin', 'a member cannot erase anyone through the admin RPC');
select tests.act_as(tests.user('privacy-admin'));
select tests.refuses($$ select public.erase_member(tests.user('tilly')) $$, '42501', 'mfa_required',
  'an admin whose session has no second factor (aal1) cannot erase a member');
select tests.act_as_anon();
select throws_ok($$ select public.erase_member(tests.user('tilly')) $$, '42501', null, 'anon cannot call it');
select tests.act_as_owner();
select ok(exists (select 1 from auth.users where id = tests.user('tilly')), 'the refused erasures left the member in place');
select tests.act_as(tests.user('privacy-admin'), aal => 'aal2');
select is(public.erase_member(tests.user('tilly')) ?& array['listings_archived', 'bookings_detached', 'reviews_detached'], true,
  'an admin at aal2 erases a member and reads what was detached');
select tests.act_as_owner();
select ok(not exists (select 1 from auth.users where id = tests.user('tilly')), 'the member is gone');

-- Erasing a guest ---------------------------------------------------------------------------------------------------
select is(private.erase_member(tests.user('gus')),
  '{"listings_archived": 0, "bookings_detached": 2, "reviews_detached": 2}'::jsonb, 'an erasure reports what it detached');
select ok(not exists (select 1 from auth.users where id = tests.user('gus')), 'erasing a member deletes their auth user (e-mail, phone)');
select ok(not exists (select 1 from public.profiles where id = tests.user('gus')), 'erasing a member deletes their profile');
select is((select count(*)::int from public.bookings where id in (tests.booking('gus_stay'), tests.booking('gus_cancelled'))), 2,
  'an erased member''s bookings are kept');
select is((select (guest_id, message)::text from public.bookings where id = tests.booking('gus_stay')), '(,)',
  'a kept booking is detached from the guest and loses the message they wrote');
select is((select (cancelled_by, cancel_reason, refund_cents)::text from public.bookings where id = tests.booking('gus_cancelled')), '(,,0)',
  'a booking they cancelled keeps its refund but not who cancelled or why');
select is((select host_id from public.bookings where id = tests.booking('gus_stay')), tests.user('hana'),
  'the host of an erased guest''s stay stays linked to it');
select is((select (author_id, comment, rating)::text from public.reviews where booking_id = tests.booking('gus_stay') and direction = 'guest_to_host'),
  '(,"Lovely loft",5)', 'a review they wrote stays, signed by nobody (a former member)');
select is((select (subject_id, comment)::text from public.reviews where booking_id = tests.booking('gus_stay') and direction = 'host_to_guest'),
  '(,"Quiet guest")', 'a review about them stays, about nobody');
select is((select message from public.bookings where id = tests.booking('mei_stay')), 'Mei says hi',
  'erasing a member leaves another guest''s booking untouched');
select ok(exists (select 1 from public.profiles where id = tests.user('mei')), 'erasing a member leaves another member''s profile untouched');
select is((select owner from storage.objects where name = tests.photo('Privacy loft', 'by-gus')), null::uuid,
  'files they uploaded are no longer linked to them');
select is(array(select bucket_id || ':' || name from private.storage_removals where name like tests.property('Privacy loft') || '/%' order by name),
  array['property-photos:' || tests.photo('Privacy loft', 'by-gus')],
  'the files an erased member owns are queued for removal through the Storage API, nothing else');
select is(array(select (kind, reason, customer_id, booking_id, amount_cents, status)::text from payments.outbox where customer_id = 'cus_privacygus'),
  array['(customer_deletion,erasure,cus_privacygus,,,pending)'],
  'erasing a member queues one deletion of their Stripe Customer in the payments outbox');
select is((select count(*)::int from payments.stripe_customers where user_id = tests.user('gus')), 0, 'their Stripe Customer link is gone');
-- Counted in this transaction (erased_at is its now()): other tests erase members through the Auth admin API.
select is((select count(*)::int from private.erasures where erased_at = now()), 2,
  'each erasure is recorded (the admin''s above and this one), without the member''s id');

-- Erasing a host ------------------------------------------------------------------------------------------------------
select tests.act_as(tests.user('hana'));
select public.cancel_booking(tests.booking('busy_hold'), null);
select tests.act_as_owner();
select is((private.erase_member(tests.user('hana')) ->> 'listings_archived')::int, 1, 'erasing a host archives their listings');
select is((select (status, host_id)::text from public.properties where id = tests.property('Privacy loft')), '(archived,)',
  'an erased host''s listing stays, archived and detached');
select is((select count(*)::int from public.bookings where property_id = tests.property('Privacy loft') and host_id is not null), 0,
  'the bookings of an erased host''s listing are detached from them');
select is(array(select name from private.storage_removals where bucket_id = 'property-photos' order by name),
  array(select unnest(array[tests.photo('Privacy loft', 'by-gus'), tests.photo('Privacy loft', 'living')]) order by 1),
  'erasing a host queues every photo file of their listings (and only theirs) for removal, once');
select is((select count(*)::int from public.property_photos where property_id = tests.property('Privacy loft')), 0,
  'the photo rows of an erased host''s listings go (nothing names the files being removed)');
select is((select cover_photo from public.properties where id = tests.property('Privacy loft')), null, 'their listing has no cover photo left');
select tests.refuses($$ select private.erase_member(tests.user('hana')) $$, 'PT404', 'member_not_found', 'erasing an erased member again finds nobody');
select is((select count(*)::int from private.storage_removals where name like tests.property('Privacy loft') || '/%') || ' files, ' || (select count(*)::int from payments.outbox where customer_id = 'cus_privacygus') || ' customer deletion',
  '2 files, 1 customer deletion', 'a retried erasure queues nothing new');

-- The storage worker's queue ------------------------------------------------------------------------------------------
select tests.act_as_service();
create temporary table claimed on commit drop as select * from private.claim_storage_removals(100, 60);
select is((select count(*)::int from claimed where name like tests.property('Privacy loft') || '/%'), 2, 'the storage worker claims the due removals');
select is((select count(*)::int from private.claim_storage_removals(100, 60)), 0, 'claimed removals are leased: a second worker gets none');
select is(private.fail_storage_removals(array(select id from claimed where name = tests.photo('Privacy loft', 'living')), 'Storage unavailable'), 1,
  'a failed removal is recorded');
select tests.act_as_owner();
select ok((select next_attempt_at > now() and locked_until is null and last_error = 'Storage unavailable' from private.storage_removals
            where name = tests.photo('Privacy loft', 'living')), 'a failed removal is retried later, with backoff');
select tests.act_as_service();
select is(private.complete_storage_removals(array(select id from claimed where name like tests.property('Privacy loft') || '/%')), 2, 'removals Storage did leave the queue');
select is((select count(*)::int from private.claim_storage_removals(100, 60)), 0, 'an empty queue gives the worker nothing to send');
select tests.act_as_owner();
select is(private.request_storage_removals(), null::bigint, 'the scheduled job asks for no worker run while nothing is due');
select tests.act_as(tests.user('mei'));
select throws_ok($$ select * from private.claim_storage_removals(10, 60) $$, '42501', null, 'members cannot claim Storage removals');
select throws_ok($$ select * from private.storage_removals $$, '42501', null, 'members cannot read the removal queue');
select tests.act_as_owner();

-- Retention jobs ------------------------------------------------------------------------------------------------------
insert into payments.stripe_events (id, type, livemode, stripe_created_at, received_at, processed_at, outcome, error) values
  ('evt_old_processed', 'payment_intent.succeeded', false, now() - interval '100 days', now() - interval '100 days', now() - interval '100 days', 'processed', null),
  ('evt_old_ignored', 'charge.refunded', false, now() - interval '95 days', now() - interval '95 days', now() - interval '95 days', 'ignored', null),
  ('evt_old_failed', 'payment_intent.succeeded', false, now() - interval '100 days', now() - interval '100 days', now() - interval '100 days', 'failed', 'boom'),
  ('evt_recent', 'payment_intent.succeeded', false, now() - interval '10 days', now() - interval '10 days', now() - interval '10 days', 'processed', null);
select is(private.prune_stripe_events(), 2, 'pruning removes the events handled more than 90 days ago');
select is(array(select id from payments.stripe_events where id in ('evt_old_processed', 'evt_old_ignored', 'evt_old_failed', 'evt_recent') order by id),
  array['evt_old_failed', 'evt_recent'],
  'pruning keeps failed events and recent ones');
select is(private.prune_stripe_events(), 0, 'pruning events is idempotent');

insert into payments.outbox (id, kind, reason, dedupe_key, booking_id, amount_cents, currency, destination, status, stripe_object_id, finished_at, depends_on) values
  ('00000000-0000-4000-b000-000000000001', 'payout', 'payout', 'test:old-payout', tests.booking('gus_stay'), 1000, 'NZD', 'acct_1', 'done', 'tr_1', now() - interval '500 days', null),
  ('00000000-0000-4000-b000-000000000002', 'payout_reversal', 'cancellation', 'test:recent-reversal', tests.booking('gus_stay'), 500, 'NZD', 'acct_1', 'done', 'trr_1', now() - interval '1 day', '00000000-0000-4000-b000-000000000001'),
  ('00000000-0000-4000-b000-000000000003', 'payout', 'payout', 'test:old-done', tests.booking('mei_stay'), 1000, 'NZD', 'acct_1', 'done', 'tr_3', now() - interval '500 days', null),
  ('00000000-0000-4000-b000-000000000004', 'payout', 'payout', 'test:old-pending', tests.booking('busy_hold'), 1000, 'NZD', 'acct_1', 'pending', null, null, null);
update payments.outbox set created_at = now() - interval '600 days' where dedupe_key like 'test:%';
select is(private.prune_outbox(), 1, 'pruning the outbox removes finished rows past the retention');
select is(array(select dedupe_key from payments.outbox where dedupe_key like 'test:%' order by dedupe_key),
  array['test:old-payout', 'test:old-pending', 'test:recent-reversal'],
  'pruning the outbox keeps unfinished rows and any row a kept row depends on');

insert into public.property_photos (property_id, storage_path) values (tests.property('Privacy loft'), tests.photo('Privacy loft', 'kept'));
insert into storage.objects (bucket_id, name, created_at) values
  ('property-photos', tests.photo('Privacy loft', 'kept'), now() - interval '3 days'),
  ('property-photos', tests.photo('Privacy loft', 'orphan'), now() - interval '3 days'),
  ('property-photos', tests.photo('Privacy loft', 'uploading'), now() - interval '1 hour');
select is(array(select name from private.orphaned_photo_files() where name like tests.property('Privacy loft') || '/%' order by name),
  array[tests.photo('Privacy loft', 'orphan')],
  'orphaned photo files are the old ones no photo row names (fresh uploads, like by-gus.jpg, are not yet)');
select ok(exists (select 1 from storage.objects where name = tests.photo('Privacy loft', 'orphan')),
  'listing orphans deletes nothing');

select tests.act_as(tests.user('mei'));
select throws_ok($$ select private.prune_outbox() $$, '42501', null, 'members cannot run the retention jobs');
select throws_ok($$ select * from private.erasures $$, '42501', null, 'members cannot read the erasure log');

select * from finish();
rollback;
