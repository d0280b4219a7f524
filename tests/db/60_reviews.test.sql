-- Reviews: every refusal, double-blind visibility for every reader, what the public reads (no stay history), replies,
-- the publication job, moderation, the aggregates, and the read paths' plans.
begin;
set local search_path = extensions, public;
select plan(121);

select tests.create_user('hana');   -- host
select tests.create_user('gus');    -- guest
select tests.create_user('mei');    -- another guest
select tests.create_user('tom');    -- another guest
select tests.create_user('sam');    -- stranger
select tests.create_admin('root');
select tests.create_property(tests.user('hana'), 'Review loft');
select tests.create_property(tests.user('hana'), 'Auckland review house', 'Pacific/Auckland');

-- A booking's review by side (whoever acts); how many of a booking's reviews the caller reads in public_reviews (the
-- public's view), and in public.reviews (the full rows, for the parties and admins).
create function pg_temp.review_of(booking text, side public.review_direction) returns uuid
language sql stable security definer set search_path = ''
as $$ select r.id from public.reviews r where r.booking_id = tests.booking(booking) and r.direction = side $$;
create function pg_temp.reviews_of(booking text) returns uuid[]
language sql stable security definer set search_path = ''
as $$ select coalesce(array_agg(r.id), '{}') from public.reviews r where r.booking_id = tests.booking(booking) $$;
create function pg_temp.visible(booking text) returns integer
language sql stable
as $$ select count(*)::integer from public.public_reviews p where p.id = any (pg_temp.reviews_of(booking)) $$;
create function pg_temp.full_rows(booking text) returns integer
language sql stable
as $$ select count(*)::integer from public.reviews r where r.booking_id = tests.booking(booking) $$;

select tests.remember('booking', 'both', tests.create_completed_stay(tests.property('Review loft'), tests.user('gus'), '2020-01-01', 2, now() - interval '1 day'));
select tests.remember('booking', 'solo', tests.create_completed_stay(tests.property('Review loft'), tests.user('mei'), '2020-02-01', 2, now() - interval '2 days'));
select tests.remember('booking', 'late', tests.create_completed_stay(tests.property('Review loft'), tests.user('gus'), '2020-03-01', 2, now() - interval '15 days'));
select tests.remember('booking', 'edge-open', tests.create_completed_stay(tests.property('Review loft'), tests.user('tom'), '2020-04-01', 2, now() - interval '14 days' + interval '1 minute'));
select tests.remember('booking', 'edge-closed', tests.create_completed_stay(tests.property('Review loft'), tests.user('mei'), '2020-05-01', 2, now() - interval '14 days'));
select tests.remember('booking', 'host-only', tests.create_completed_stay(tests.property('Auckland review house'), tests.user('gus'), '2020-01-01', 2, now() - interval '3 days'));
select tests.remember('booking', 'prehidden', tests.create_completed_stay(tests.property('Auckland review house'), tests.user('tom'), '2020-02-01', 2, now() - interval '3 days'));

-- A stay not finished yet, and one whose check-out passed before the completion job ran.
select tests.act_as(tests.user('gus'));
select tests.remember('booking', 'upcoming', (public.request_booking(tests.property('Review loft'), current_date + 10, current_date + 12, 1)).id);
select tests.remember('booking', 'finished', (public.request_booking(tests.property('Review loft'), current_date + 20, current_date + 22, 1)).id);
select tests.act_as_service();
select public.confirm_booking_payment(b.id, (select total_cents from public.bookings where bookings.id = b.id), 'NZD')
  from tests.named('booking') b where b.handle in ('upcoming', 'finished');
select tests.act_as_owner();
update public.bookings set check_out_at = now() - interval '1 hour' where id = tests.booking('finished');

-- Refusals --------------------------------------------------------------------------------------------------------
select tests.act_as_anon();
select throws_ok($$ select public.submit_review(tests.booking('both'), 5, 'Lovely', 5, 5, 5, 5, 5, 5) $$,
  '42501', null, 'anon cannot submit a review');

select tests.act_as(tests.user('sam'));
select tests.refuses($$ select public.submit_review(tests.booking('both'), 5, 'Lovely', 5, 5, 5, 5, 5, 5) $$,
  '42501', 'not_booking_party', 'a stranger cannot review someone else''s stay');
select tests.refuses($$ select public.submit_review(gen_random_uuid(), 5, 'Lovely', 5, 5, 5, 5, 5, 5) $$,
  'PT404', 'booking_not_found', 'an unknown booking is not found');

select tests.act_as(tests.user('gus'));
select tests.refuses($$ select public.submit_review(tests.booking('both'), 0, 'Lovely', 5, 5, 5, 5, 5, 5) $$,
  '22023', 'rating_out_of_range', 'a rating below 1 is refused');
select tests.refuses($$ select public.submit_review(tests.booking('both'), 6, 'Lovely', 5, 5, 5, 5, 5, 5) $$,
  '22023', 'rating_out_of_range', 'a rating above 5 is refused');
select tests.refuses($$ select public.submit_review(tests.booking('both'), null, 'Lovely', 5, 5, 5, 5, 5, 5) $$,
  '22023', 'rating_out_of_range', 'a review needs a rating');
select tests.refuses($$ select public.submit_review(tests.booking('both'), 5, 'Lovely') $$,
  '22023', 'sub_ratings_required', 'a guest review without sub-ratings is refused');
select tests.refuses($$ select public.submit_review(tests.booking('both'), 5, 'Lovely', 5, 5, 5, 5, 5) $$,
  '22023', 'sub_ratings_required', 'a guest review missing one sub-rating (value) is refused');
select tests.refuses($$ select public.submit_review(tests.booking('both'), 5, 'Lovely', 5, 5, 6, 5, 5, 5) $$,
  '22023', 'rating_out_of_range', 'a sub-rating above 5 is refused');
select tests.refuses($$ select public.submit_review(tests.booking('both'), 5, 'Lovely', 5, 0, 5, 5, 5, 5) $$,
  '22023', 'rating_out_of_range', 'a sub-rating below 1 is refused');
select tests.refuses($$ select public.submit_review(tests.booking('both'), 5, '   ', 5, 5, 5, 5, 5, 5) $$,
  '22023', 'comment_required', 'a review needs a comment');
select tests.refuses($$ select public.submit_review(tests.booking('both'), 5, repeat('a', 5001), 5, 5, 5, 5, 5, 5) $$,
  '22023', 'comment_too_long', 'a comment longer than 5000 characters is refused');
select tests.refuses($$ select public.submit_review(tests.booking('upcoming'), 5, 'Lovely', 5, 5, 5, 5, 5, 5) $$,
  'PT409', 'stay_not_completed', 'a stay that has not ended cannot be reviewed');
select tests.refuses($$ select public.submit_review(tests.booking('late'), 5, 'Lovely', 5, 5, 5, 5, 5, 5) $$,
  'PT409', 'review_window_closed', 'a stay that ended more than 14 days ago cannot be reviewed');
select is((public.submit_review(tests.booking('finished'), 4, 'Good', 4, 4, 4, 4, 4, 4)).direction, 'guest_to_host',
  'a confirmed stay past its check-out is reviewable before the completion job runs');
select is((select status from public.bookings where id = tests.booking('finished')), 'completed',
  'reviewing a finished stay completes it');

select tests.act_as(tests.user('hana'));
select tests.refuses($$ select public.submit_review(tests.booking('both'), 4, 'Tidy guest', 4) $$,
  '22023', 'sub_ratings_not_allowed', 'a host review with sub-ratings is refused');

select tests.act_as(tests.user('tom'));
select lives_ok($$ select public.submit_review(tests.booking('edge-open'), 4, 'Late but in time', 4, 4, 4, 4, 4, 4) $$,
  'a review one minute before the 14 days end is accepted');
select tests.act_as(tests.user('mei'));
select tests.refuses($$ select public.submit_review(tests.booking('edge-closed'), 4, 'Too late', 4, 4, 4, 4, 4, 4) $$,
  'PT409', 'review_window_closed', 'a review exactly 14 days after check-out is refused');

select is(private.review_window_closes_at('2026-03-29 22:00:00+00', 'Pacific/Auckland'), '2026-04-12 23:00:00+00'::timestamptz,
  'the window is 14 days on the property''s wall clock: across Auckland''s DST end it lasts 14 days and 1 hour');
select is(private.review_window_closes_at('2026-03-01 19:00:00+00', 'America/Los_Angeles'), '2026-03-15 18:00:00+00'::timestamptz,
  'across Los Angeles'' DST start the window lasts 14 days less 1 hour');

-- Double-blind: one side reviewed ------------------------------------------------------------------------------------
select tests.act_as(tests.user('gus'));
create temp table first_review as select * from public.submit_review(tests.booking('both'), 5, 'Spotless and quiet', 5, 4, 5, 5, 4, 4);
grant all on first_review to public;
select is((select (direction, author_id, subject_id, property_id, published_at)::text from first_review),
  ('guest_to_host', tests.user('gus'), tests.user('hana'), tests.property('Review loft'), null::timestamptz)::text,
  'the guest''s review is of the host and the listing, and unpublished while the host has not reviewed');
select tests.refuses($$ select public.submit_review(tests.booking('both'), 4, 'Again', 4, 4, 4, 4, 4, 4) $$,
  'PT409', 'already_reviewed', 'a side reviews a stay only once');

select is(pg_temp.full_rows('both'), 1, 'the author sees their unpublished review');
select is(pg_temp.visible('both'), 0, 'an unpublished review is not in the public''s reviews, even for its author');
select tests.act_as(tests.user('hana'));
select is(pg_temp.full_rows('both'), 0, 'the counterpart does not see an unpublished review');
select is(pg_temp.visible('both'), 0, 'nor does the counterpart find it among the public''s reviews');
select tests.act_as(tests.user('sam'));
select is(pg_temp.visible('both'), 0, 'a stranger does not see an unpublished review');
select tests.act_as_anon();
select is(pg_temp.visible('both'), 0, 'anon does not see an unpublished review');
select tests.act_as(tests.user('root'), aal => 'aal2');
select is(pg_temp.full_rows('both'), 1, 'an admin sees an unpublished review');

select tests.act_as(tests.user('hana'));
select tests.refuses($$ select public.reply_to_review((select id from first_review), 'Thanks!') $$,
  'PT409', 'review_not_published', 'the reviewed host cannot reply before publication');
select is((select rating_count from public.properties where id = tests.property('Review loft')), 0,
  'unpublished reviews are not in the listing''s aggregates');

-- Both sides reviewed: both published at once ------------------------------------------------------------------------
select is((public.submit_review(tests.booking('both'), 4, 'A considerate guest')).published_at, now(),
  'the second review publishes at once');
select is((select published_at from public.reviews where id = (select id from first_review)), now(),
  'the first review is published in the same transaction');
select is(pg_temp.full_rows('both'), 2, 'once the pair is published, the counterpart reads both reviews in full');
select tests.act_as(tests.user('gus'));
select is(pg_temp.full_rows('both'), 2, 'the guest reads the host''s review in full once published');
select tests.act_as(tests.user('sam'));
select is(pg_temp.visible('both'), 2, 'a stranger reads published reviews');
select is(pg_temp.full_rows('both'), 0, 'a stranger reads no review row in full, published or not');
select tests.act_as_anon();
select is(pg_temp.visible('both'), 2, 'anon reads published reviews');
select is((select (rating_count, rating_avg, cleanliness_avg, accuracy_avg, communication_avg, location_avg, check_in_avg, value_avg)::text
             from public.properties where id = tests.property('Review loft')),
  (1, 5.00, 5.00, 4.00, 5.00, 5.00, 4.00, 4.00)::text,
  'publication updates the listing''s rating and each sub-rating average');
select is((select (host_rating_count, host_rating_avg)::text from public.profiles where id = tests.user('hana')),
  (1, 5.00)::text, 'publication updates the host''s rating as a host');
select is((select (guest_rating_count, guest_rating_avg)::text from public.profiles where id = tests.user('gus')),
  (1, 4.00)::text, 'publication updates the guest''s rating as a guest');

-- Replies ----------------------------------------------------------------------------------------------------------
select tests.act_as(tests.user('gus'));
select tests.refuses($$ select public.reply_to_review((select id from first_review), 'Me again') $$,
  '42501', 'not_review_subject', 'the author cannot reply to their own review');
select tests.refuses($$ select public.reply_to_review(pg_temp.review_of('both', 'host_to_guest'), '  ') $$,
  '22023', 'reply_required', 'an empty reply is refused');
select tests.act_as(tests.user('sam'));
select tests.refuses($$ select public.reply_to_review((select id from first_review), 'Who cares') $$,
  '42501', 'not_review_subject', 'a stranger cannot reply to a published review');
select tests.refuses($$ select public.reply_to_review(pg_temp.review_of('finished', 'guest_to_host'), 'Hi') $$,
  'PT404', 'review_not_found', 'a stranger cannot reply to a review they cannot see');
select tests.act_as(tests.user('hana'));
select is((public.reply_to_review((select id from first_review), '  Thank you, come back soon!  ')).reply, 'Thank you, come back soon!',
  'the reviewed host replies once the review is published');
select is((select replied_at from public.reviews where id = (select id from first_review)), now(), 'the reply is timestamped');
select tests.refuses($$ select public.reply_to_review((select id from first_review), 'Second thoughts') $$,
  'PT409', 'already_replied', 'a review gets one reply');
select tests.act_as_anon();
select is((select reply from public.public_reviews where id = (select id from first_review)), 'Thank you, come back soon!',
  'anon reads the reply');
select throws_ok($$ select public.reply_to_review((select id from first_review), 'anon') $$, '42501', null,
  'anon cannot reply');

-- Clients never write rows --------------------------------------------------------------------------------------------
select tests.act_as(tests.user('gus'));
select throws_ok($$ update public.reviews set rating = 1 where id = (select id from first_review) $$, '42501', null,
  'the author cannot edit their review directly');
select throws_ok($$ delete from public.reviews where id = (select id from first_review) $$, '42501', null,
  'the author cannot delete their review');
select throws_ok($$ insert into public.reviews (booking_id, author_id, subject_id, property_id, direction, rating, comment)
  values (tests.booking('late'), tests.user('hana'), tests.user('gus'), tests.property('Review loft'), 'host_to_guest', 5, 'x') $$,
  '42501', null, 'a member cannot insert a review directly');
select tests.act_as(tests.user('root'), aal => 'aal2');
select throws_ok($$ update public.reviews set published_at = null where id = (select id from first_review) $$, '42501', null,
  'an admin cannot edit reviews directly');
select tests.act_as_service();
select throws_ok($$ update public.reviews set rating = 1 where id = (select id from first_review) $$, '42501', null,
  'the service role cannot edit reviews directly');
select tests.act_as_owner();
select tests.refuses($$ update public.reviews set rating = 1 where id = (select id from first_review) $$,
  'PT409', 'review_immutable', 'no edits after submission, even by the owner');
select tests.refuses($$ update public.reviews set published_at = null where id = (select id from first_review) $$,
  'PT409', 'review_immutable', 'a published review is never unpublished');
select tests.refuses($$ insert into public.reviews (booking_id, author_id, subject_id, property_id, direction, rating, comment)
  values (tests.booking('late'), tests.user('hana'), tests.user('mei'), tests.property('Review loft'), 'host_to_guest', 5, 'x') $$,
  '22023', 'review_does_not_match_booking', 'a review''s subject is its booking''s other party, whoever inserts it');

-- The window closes with one side reviewed ---------------------------------------------------------------------------
select tests.act_as(tests.user('mei'));
create temp table solo_review as select * from public.submit_review(tests.booking('solo'), 2, 'Noisy street', 3, 2, 3, 1, 3, 2);
grant all on solo_review to public;
select tests.act_as_anon();
select is(pg_temp.visible('solo'), 0, 'a one-sided review is hidden while its window is open');
-- Time passes: move the stay 14 days back (the booking, and the deadline its review froze).
select tests.act_as_owner();
update public.bookings set check_out_at = check_out_at - interval '12 days' where id = tests.booking('solo');
update private.review_states s set window_closes_at = private.review_window_closes_at(bk.check_out_at, bk.time_zone)
  from public.bookings bk where bk.id = tests.booking('solo') and s.review_id = (select id from solo_review);
select tests.act_as_anon();
select is(pg_temp.visible('solo'), 1, 'once its window closed, a review is public before any job stamps it');
select tests.act_as(tests.user('hana'));
select is((select published_at from public.reviews where id = (select id from solo_review)), null,
  'a due review stays unstamped (no published_at) until something stamps it');
select is(pg_temp.full_rows('solo'), 1, 'the counterpart reads it in full once the window closed');
select tests.refuses($$ select public.submit_review(tests.booking('solo'), 3, 'Quiet guest') $$,
  'PT409', 'review_window_closed', 'the other side cannot review after the window closed');
select is((select rating_count from public.properties where id = tests.property('Review loft')), 1,
  'a due review joins the aggregates when it is stamped, not before');
select is((public.reply_to_review((select id from solo_review), 'Sorry about the noise')).reply, 'Sorry about the noise',
  'the host replies to a due review that the job has not stamped yet');
select tests.act_as_owner();
select is((select published_at from public.reviews where id = (select id from solo_review)),
  (select window_closes_at from private.review_states where review_id = (select id from solo_review)),
  'a reply stamps a due review, published at the instant its window closed');
select is((select (rating_count, rating_avg, location_avg)::text from public.properties where id = tests.property('Review loft')),
  (2, 3.50, 3.00)::text, 'a reply that stamps a due review folds it into the aggregates in the same transaction');

-- The publication job -----------------------------------------------------------------------------------------------
select tests.act_as(tests.user('hana'));
create temp table host_only_review as select * from public.submit_review(tests.booking('host-only'), 2, 'Left a mess');
grant all on host_only_review to public;
select tests.act_as_owner();
update private.review_states set window_closes_at = now() - interval '1 minute' where review_id = (select id from host_only_review);
select is(private.publish_due_reviews(), 1, 'the job publishes exactly the reviews whose window closed');
select is((select published_at from public.reviews where id = (select id from host_only_review)), now() - interval '1 minute',
  'a review published by the job is stamped with its window''s deadline');
select is((select (guest_rating_count, guest_rating_avg)::text from public.profiles where id = tests.user('gus')),
  (2, 3.00)::text, 'the job folds a host''s review into the guest''s rating');
select is(private.publish_due_reviews(), 0, 'the job is idempotent');
select is((select (guest_rating_count, guest_rating_avg)::text from public.profiles where id = tests.user('gus')),
  (2, 3.00)::text, 'running the job again changes no aggregate');

-- Moderation -------------------------------------------------------------------------------------------------------
select tests.act_as(tests.user('hana'));
select tests.refuses($$ select public.hide_review((select id from solo_review), 'I do not like it') $$,
  '42501', 'not_admin', 'a member cannot hide a review, even one about them');
select tests.act_as_anon();
select throws_ok($$ select public.hide_review((select id from solo_review), 'x') $$, '42501', null, 'anon cannot hide a review');
select tests.act_as(tests.user('root'));
select tests.refuses($$ select public.hide_review((select id from solo_review), 'Abusive language') $$,
  '42501', 'mfa_required', 'an admin whose session has no second factor (aal1) cannot hide a review');
select tests.act_as(tests.user('root'), aal => 'aal2');
select tests.refuses($$ select public.hide_review((select id from solo_review), ' ') $$,
  '22023', 'reason_required', 'hiding needs a reason');
select tests.refuses($$ select public.hide_review(gen_random_uuid(), 'abuse') $$,
  'PT404', 'review_not_found', 'hiding an unknown review is not found');
select lives_ok($$ select public.hide_review((select id from solo_review), 'Abusive language') $$, 'an admin hides an abusive review');
select tests.refuses($$ select public.hide_review((select id from solo_review), 'again') $$,
  'PT409', 'already_hidden', 'a hidden review cannot be hidden again');
select is(pg_temp.full_rows('solo'), 1, 'an admin still reads a hidden review');
select is((select (rating_count, rating_avg, location_avg)::text from public.properties where id = tests.property('Review loft')),
  (1, 5.00, 5.00)::text, 'hiding removes the review from the listing''s aggregates');
select is((select (host_rating_count, host_rating_avg)::text from public.profiles where id = tests.user('hana')),
  (1, 5.00)::text, 'hiding removes it from the host''s rating');
select tests.act_as_anon();
select is(pg_temp.visible('solo'), 0, 'anon does not read a hidden review');
select tests.act_as(tests.user('sam'));
select is(pg_temp.visible('solo'), 0, 'a stranger does not read a hidden review');
select tests.act_as(tests.user('hana'));
select is(pg_temp.full_rows('solo') + pg_temp.visible('solo'), 0, 'the reviewed member does not read a hidden review');
select tests.act_as(tests.user('mei'));
select is(pg_temp.full_rows('solo'), 1, 'the author still reads their hidden review');
select tests.act_as_owner();
select is((select array_agg((action, actor_id, reason)::text) from private.review_moderation_log where review_id = (select id from solo_review)),
  array[('hide', tests.user('root'), 'Abusive language')::text], 'the hide is logged with the admin and the reason');

select tests.act_as(tests.user('root'), aal => 'aal2');
select lives_ok($$ select public.unhide_review((select id from solo_review), 'Appeal accepted') $$, 'an admin unhides a review');
select tests.refuses($$ select public.unhide_review((select id from solo_review)) $$,
  'PT409', 'not_hidden', 'a visible review cannot be unhidden');
select is((select (rating_count, rating_avg)::text from public.properties where id = tests.property('Review loft')),
  (2, 3.50)::text, 'unhiding puts the review back into the aggregates');
select tests.act_as_anon();
select is(pg_temp.visible('solo'), 1, 'anon reads an unhidden review again');
select tests.act_as_owner();
select is((select count(*)::integer from private.review_moderation_log where review_id = (select id from solo_review) and action = 'unhide'), 1,
  'the unhide is logged too');

-- A review hidden before publication never enters the aggregates.
select tests.act_as(tests.user('tom'));
create temp table prehidden_review as select * from public.submit_review(tests.booking('prehidden'), 1, 'Rude words', 1, 1, 1, 1, 1, 1);
grant all on prehidden_review to public;
select tests.act_as(tests.user('root'), aal => 'aal2');
select public.hide_review((select id from prehidden_review), 'Harassment');
select tests.act_as(tests.user('hana'));
select is((public.submit_review(tests.booking('prehidden'), 5, 'Great guest')).published_at, now(), 'the host''s review publishes the pair');
select is((select rating_count from public.properties where id = tests.property('Auckland review house')), 0,
  'a review hidden before publication does not enter the listing''s aggregates');
select is((select (guest_rating_count, guest_rating_avg)::text from public.profiles where id = tests.user('tom')),
  (1, 5.00)::text, 'the other side''s review of the pair still counts');
select tests.act_as(tests.user('sam'));
select is(pg_temp.visible('prehidden'), 1, 'the public reads only the non-hidden review of the pair');

-- What the public reads: no stay history ------------------------------------------------------------------------------
-- The stay 'both' is published (gus -> hana with hana's reply, hana -> gus). Every field of every public row, as
-- anon and as a member who is not a party, must hold no booking id, no member id and no time finer than a month.
create function pg_temp.leaks(booking text) returns text[]
language sql stable
as $$
  select coalesce(array_agg(distinct kv.key || '=' || kv.value order by kv.key || '=' || kv.value), '{}')
    from public.public_reviews p
   cross join lateral jsonb_each_text(to_jsonb(p)) kv
   where p.id = any (pg_temp.reviews_of(booking))
     and (kv.key in ('booking_id', 'author_id', 'subject_id', 'published_at', 'created_at', 'replied_at', 'visible_from')
          or kv.value in (tests.booking(booking)::text, tests.user('gus')::text, tests.user('hana')::text)
          or kv.value ~ '^\d{4}-\d{2}-\d{2}[ T]\d{2}:'                       -- a timestamp
          or (kv.value ~ '^\d{4}-\d{2}-\d{2}$' and right(kv.value, 2) <> '01'))  -- a date finer than a month
$$;
select tests.act_as_anon();
select is(pg_temp.leaks('both'), '{}'::text[], 'anon reads no booking id, member id or timestamp in any field of a public review');
select is((select array_agg((direction, rating, comment, reply, stay_month, author_name)::text order by direction)
             from public.public_reviews where id = any (pg_temp.reviews_of('both'))),
  array[('guest_to_host', 5, 'Spotless and quiet', 'Thank you, come back soon!', date '2020-01-01', 'gus')::text,
        ('host_to_guest', 4, 'A considerate guest', null, date '2020-01-01', 'hana')::text],
  'anon reads the text, the rating, the reply, the author''s display name and the month of the stay');
select is((select (cleanliness, accuracy, communication, location, check_in, value)::text from public.public_reviews
            where id = (select id from first_review)), (5, 4, 5, 5, 4, 4)::text, 'anon reads the sub-ratings');
select throws_ok($$ select * from public.reviews $$, '42501', null, 'anon cannot read public.reviews at all');
select throws_ok($$ select visible_from from private.public_review_rows $$, '42501', null,
  'anon cannot read when a review became visible');
select tests.act_as(tests.user('sam'));
select is(pg_temp.leaks('both'), '{}'::text[], 'a member who is not a party reads no booking id, member id or timestamp either');
select is((select count(*)::integer from public.reviews where booking_id = tests.booking('both') or author_id = tests.user('gus')
             or subject_id = tests.user('gus')), 0, 'nor finds a review row by booking or member in public.reviews');
select tests.act_as_owner();
select is((select array_agg(column_name::text order by ordinal_position) from information_schema.columns
            where table_schema = 'public' and table_name = 'public_reviews'),
  array['id', 'property_id', 'direction', 'rating', 'cleanliness', 'accuracy', 'communication', 'location', 'check_in',
        'value', 'comment', 'reply', 'stay_month', 'author_name', 'author_avatar_url'],
  'public_reviews has exactly the public fields');
select tests.act_as(tests.user('gus'));
select is((select array_agg((booking_id, author_id, subject_id, published_at is not null, created_at is not null)::text order by direction)
             from public.reviews where booking_id = tests.booking('both')),
  array[(tests.booking('both'), tests.user('gus'), tests.user('hana'), true, true)::text,
        (tests.booking('both'), tests.user('hana'), tests.user('gus'), true, true)::text],
  'the guest still reads both reviews of their stay in full: booking, members and timestamps');
select tests.act_as(tests.user('hana'));
select is((select (booking_id, replied_at)::text from public.reviews where id = (select id from first_review)),
  (tests.booking('both'), now())::text, 'the host reads the review of them in full, with their reply''s time');

-- The author's public profile is copied and kept current.
update public.profiles set display_name = 'Hana of the Loft', avatar_url = 'https://example.com/hana.png' where id = tests.user('hana');
select tests.act_as_anon();
select is((select (author_name, author_avatar_url)::text from public.public_reviews where id = pg_temp.review_of('both', 'host_to_guest')),
  ('Hana of the Loft', 'https://example.com/hana.png')::text, 'a new display name and avatar show on the reviews the member wrote');

-- The read paths' plans: the public lists are read from an index (the policy compares a column), not by a function
-- call per review; a member's own reviews are a range of the author and subject indexes.
create function pg_temp.scans(statement text) returns text[]
language plpgsql as $$
declare
  plan jsonb;
begin
  execute 'explain (format json) ' || statement into plan;
  return array(select distinct (n ->> 'Node Type') || ' on ' || (n ->> 'Relation Name')
                 from jsonb_path_query(plan, 'strict $.** ? (exists (@."Relation Name"))') n order by 1);
end $$;
-- Read from an index of the projection only (an index scan, or a bitmap of an index): never a Seq Scan.
create function pg_temp.indexed(statement text) returns boolean
language sql as $$
  select cardinality(pg_temp.scans(statement)) > 0
     and pg_temp.scans(statement) <@ array['Index Scan on public_review_rows', 'Bitmap Heap Scan on public_review_rows']
$$;
set local enable_seqscan = off;
select tests.act_as_anon();
select ok(pg_temp.indexed('select * from public.public_reviews order by stay_month desc, id desc limit 20'),
  'anon''s latest reviews are read from an index');
select ok(pg_temp.indexed(format('select * from public.public_reviews where property_id = %L order by stay_month desc limit 20',
                                 tests.property('Review loft'))),
  'anon''s reviews of a listing are read from an index');
select tests.act_as(tests.user('sam'));
select ok(pg_temp.indexed('select * from public.public_reviews order by stay_month desc, id desc limit 20'),
  'a member''s latest reviews are read from an index');
select tests.act_as(tests.user('gus'));
select ok(not ('Seq Scan on reviews' = any (pg_temp.scans('select * from public.reviews order by created_at desc limit 20'))),
  'a member''s own reviews are read from the indexes, not by reading every review');
reset enable_seqscan;

-- Recompute -----------------------------------------------------------------------------------------------------------
select tests.act_as_owner();
select is(private.recompute_review_aggregates(), 0, 'rebuilding from scratch agrees with every incremental update above');
update public.properties set rating_count = rating_count + 1, rating_sum = rating_sum + 5 where id = tests.property('Review loft');
select is(private.recompute_review_aggregates(), 1, 'a drifted aggregate is found and corrected');
select is((select (rating_count, rating_avg)::text from public.properties where id = tests.property('Review loft')),
  (2, 3.50)::text, 'a corrected aggregate holds the exact values');
select throws_ok($$ update public.properties set rating_sum = 11 where id = tests.property('Review loft') $$,
  '23514', null, 'a sum outside what its count allows is impossible');

select tests.act_as(tests.user('hana'));
select throws_ok($$ update public.properties set rating_count = 100 where id = tests.property('Review loft') $$,
  '42501', null, 'a host cannot write their listing''s rating');
select throws_ok($$ update public.profiles set host_rating_avg = 5 where id = tests.user('hana') $$,
  '42501', null, 'a member cannot write their own rating');
select throws_ok($$ select private.publish_due_reviews() $$, '42501', null, 'a member cannot run the publication job');
select throws_ok($$ select private.recompute_review_aggregates() $$, '42501', null, 'a member cannot run the recompute');

-- Erasure: a former member's reviews stay public, signed by nobody.
select tests.act_as_owner();
select private.erase_member(tests.user('mei'));
select tests.act_as_anon();
select is((select (author_name, author_avatar_url)::text from public.public_reviews where id = (select id from solo_review)),
  ('Former member', null::text)::text, 'a review by an erased member reads as by a former member');

select * from finish();
rollback;
