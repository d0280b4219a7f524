-- Reviews: double-blind reviews of completed stays, sub-ratings, replies, moderation and exact rating aggregates.
--
-- Rules enforced here (docs/reviews.md has the whole story and the errors table):
--   * clients never write reviews: they call submit_review and reply_to_review; admins call hide_review and
--     unhide_review; the scheduler calls private.publish_due_reviews();
--   * a review is written by the guest or the host of a booking, once per side, for a completed stay, within
--     14 days after check-out (wall-clock days in the property's time zone), and never edited afterwards;
--   * a guest's review rates the stay 1..5 and every aspect (cleanliness, accuracy, communication, location,
--     check_in, value) 1..5; a host's review rates the guest 1..5 and has no sub-ratings;
--   * double-blind: a review is hidden from the other side and the public until both sides have reviewed (then
--     both are published in the same transaction) or its window has closed. The read path compares the instant a
--     review becomes visible (a plain indexed column, the window's deadline from submission) with now(), so a late
--     scheduler never delays a review that is due; its author always sees it;
--   * reviews never reveal where and when a named member stayed: the public (anon, and members who are not a party)
--     reads public.public_reviews, which carries the text, the ratings, the reply, the author's display name and
--     avatar and the month of the stay, never the booking, the members' ids or an exact timestamp; public.reviews,
--     with all of those, is read only by the review's author, its subject (once the review is public) and admins;
--   * aggregates (listing ratings and sub-ratings, member ratings as host and as guest: columns of properties and
--     profiles, listings.sql and profiles.sql) are sums and counts over
--     published, non-hidden reviews, changed by atomic increments in the transaction that publishes, hides or
--     unhides; private.recompute_review_aggregates() rebuilds them from scratch and says how many rows it fixed;
--   * locks are always taken in one order (review rows, then listings by id, then profiles by id), so concurrent
--     publications never deadlock and never lose an increment;
--   * an admin hides an abusive review (and may unhide it); both actions are logged.
--
-- public.reviews holds the columns the parties read. The per-review state that only the database needs (the window
-- deadline, the moderation state) lives in private.review_states, next to the moderation log. What the public reads
-- is a projection, private.public_review_rows, kept by triggers from the review, its state, its booking and its
-- author's profile, and read through the view public.public_reviews (docs/reviews.md says why).

-- Types ----------------------------------------------------------------------------------------------------------

create type public.review_direction as enum ('guest_to_host', 'host_to_guest');
comment on type public.review_direction is 'Who reviews whom: the guest reviews the host (and the stay), or the host reviews the guest.';

-- Tables ---------------------------------------------------------------------------------------------------------

create table public.reviews (
  id uuid primary key default gen_random_uuid(),
  booking_id uuid not null references public.bookings (id),
  author_id uuid references public.profiles (id) on delete set null,
  subject_id uuid references public.profiles (id) on delete set null,
  property_id uuid not null references public.properties (id),
  direction public.review_direction not null,
  rating smallint not null constraint rating_range check (rating between 1 and 5),
  comment text not null
    constraint comment_length check (char_length(comment) between 1 and 5000),
  cleanliness smallint constraint cleanliness_range check (cleanliness between 1 and 5),
  accuracy smallint constraint accuracy_range check (accuracy between 1 and 5),
  communication smallint constraint communication_range check (communication between 1 and 5),
  location smallint constraint location_range check (location between 1 and 5),
  check_in smallint constraint check_in_range check (check_in between 1 and 5),
  value smallint constraint value_range check (value between 1 and 5),
  reply text constraint reply_length check (char_length(reply) between 1 and 2000),
  replied_at timestamptz,
  published_at timestamptz,
  created_at timestamptz not null default now(),
  constraint one_review_per_side unique (booking_id, direction),
  constraint author_is_not_subject check (author_id <> subject_id),
  constraint guest_reviews_rate_every_aspect check (
    direction <> 'guest_to_host' or num_nulls(cleanliness, accuracy, communication, location, check_in, value) = 0),
  constraint host_reviews_have_no_sub_ratings check (
    direction <> 'host_to_guest' or num_nonnulls(cleanliness, accuracy, communication, location, check_in, value) = 0),
  constraint reply_recorded check ((reply is null) = (replied_at is null)),
  constraint reply_after_publication check (replied_at is null or published_at is not null)
);
comment on table public.reviews is 'A review of a completed stay, by its guest (of the host and the listing) or its host (of the guest). Double-blind until both sides reviewed or the 14-day window closed. Written only by the review functions.';
comment on column public.reviews.author_id is 'The writing member; null once they were erased (shown as a former member).';
comment on column public.reviews.subject_id is 'The reviewed member: the host for guest_to_host, the guest for host_to_guest.';
comment on column public.reviews.rating is 'Overall rating, 1..5.';
comment on column public.reviews.cleanliness is 'Guest reviews only (required there), 1..5; likewise accuracy, communication, location, check_in, value.';
comment on column public.reviews.reply is 'The reviewed member''s one public answer, after publication.';
comment on column public.reviews.published_at is 'When the review became public: the second side''s submission, or the window''s close. Null on a review that is visible because its window closed but that the job has not stamped yet.';

-- The state only the database needs, one row per review.
create table private.review_states (
  review_id uuid primary key references public.reviews (id) on delete cascade,
  window_closes_at timestamptz not null,
  hidden_at timestamptz,
  hidden_by uuid references public.profiles (id) on delete set null,
  hidden_reason text constraint hidden_reason_length check (char_length(hidden_reason) <= 1000),
  -- hidden_by may be null on a hidden review only once the admin who hid it has been erased
  constraint hiding_recorded check (
    (hidden_at is null) = (hidden_reason is null) and (hidden_by is null or hidden_at is not null))
);
comment on table private.review_states is 'Per review: the deadline of its booking''s review window (frozen at submission) and whether an admin hid it.';
comment on column private.review_states.window_closes_at is 'Check-out plus 14 days on the wall clock of the property''s time zone. At this instant the review is public, stamped or not.';

create table private.review_moderation_log (
  id bigint generated always as identity primary key,
  review_id uuid not null references public.reviews (id) on delete cascade,
  action text not null constraint moderation_action_known check (action in ('hide', 'unhide')),
  actor_id uuid references public.profiles (id) on delete set null,
  reason text constraint hide_has_reason check (action <> 'hide' or char_length(reason) >= 1)
    constraint moderation_reason_length check (char_length(reason) <= 1000),
  created_at timestamptz not null default now()
);
comment on table private.review_moderation_log is 'Every hide and unhide of a review: who, when, why. Append-only.';

-- The public's copy of each review: only what anyone may read, plus visible_from, which the policy compares and no
-- client may read. Written only by the triggers below.
create table private.public_review_rows (
  id uuid primary key references public.reviews (id) on delete cascade,
  property_id uuid not null references public.properties (id),
  direction public.review_direction not null,
  rating smallint not null,
  cleanliness smallint,
  accuracy smallint,
  communication smallint,
  location smallint,
  check_in smallint,
  value smallint,
  comment text not null,
  reply text,
  stay_month date not null constraint stay_month_is_first_day check (extract(day from stay_month) = 1),
  author_name text not null,
  author_avatar_url text,
  visible_from timestamptz
);
comment on table private.public_review_rows is 'What the public reads of each review (through public.public_reviews): no booking, no member id, no exact time. Kept by triggers from public.reviews, private.review_states, the booking and the author''s profile.';
comment on column private.public_review_rows.stay_month is 'The first day of the month of the stay''s check-in (the listing''s local date).';
comment on column private.public_review_rows.author_name is 'The author''s display name, kept current from their profile; ''Former member'' once they were erased.';
comment on column private.public_review_rows.visible_from is 'When the review becomes public: its window''s deadline, or its publication when both sides reviewed earlier; null while hidden. Compared by the policy, readable by no client.';

-- Indexes --------------------------------------------------------------------------------------------------------

create index reviews_property_id_idx on public.reviews (property_id, created_at desc);
create index reviews_subject_id_idx on public.reviews (subject_id, created_at desc);
create index reviews_author_id_idx on public.reviews (author_id);
create index reviews_unpublished_idx on public.reviews (property_id) where published_at is null;
create index review_states_window_idx on private.review_states (window_closes_at);
create index review_states_hidden_by_idx on private.review_states (hidden_by) where hidden_by is not null;
create index review_moderation_log_review_id_idx on private.review_moderation_log (review_id, created_at);
create index review_moderation_log_actor_id_idx on private.review_moderation_log (actor_id);
-- The public's two lists: the latest reviews, and a listing's reviews, newest stay first; the policy
-- (visible_from <= now()) filters the rows these indexes return in order, so a page stops after its rows.
create index public_review_rows_latest_idx on private.public_review_rows (stay_month, id);
create index public_review_rows_property_idx on private.public_review_rows (property_id, stay_month, id);

-- Functions ------------------------------------------------------------------------------------------------------

-- 14 days on the property's wall clock: across a DST change the window is an hour longer or shorter in UTC.
create function private.review_window_closes_at(check_out_at timestamptz, time_zone text) returns timestamptz
language sql stable
set search_path = ''
as $$
  select ((check_out_at at time zone time_zone) + interval '14 days') at time zone time_zone
$$;
comment on function private.review_window_closes_at(timestamptz, text) is 'When a stay''s review window closes: 14 days after check-out on the property''s wall clock.';

create function private.rating_average(total bigint, how_many integer) returns numeric
language sql immutable
set search_path = ''
as $$
  select round(total::numeric / nullif(how_many, 0), 2)
$$;
comment on function private.rating_average(bigint, integer) is 'An average to two decimals from a sum and a count; null when nothing is counted.';

-- The subject's read path of double-blind (and reply_to_review's): one primary-key probe of the projection.
create function private.review_is_public(review_id uuid) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from private.public_review_rows p
    where p.id = review_is_public.review_id and p.visible_from <= pg_catalog.now()
  )
$$;
comment on function private.review_is_public(uuid) is 'True when everyone may read the review: not hidden, and published or past its window''s deadline.';

-- Writes the public projection of reviews from each review, its state, its booking and its author's profile.
-- visible_from is the earlier of the publication stamp and the window's deadline (the job stamps the deadline
-- itself), null while an admin hides the review.
create function private.project_reviews(review_ids uuid[]) returns void
language sql
security definer
set search_path = ''
as $$
  insert into private.public_review_rows as p (id, property_id, direction, rating, cleanliness, accuracy, communication,
    location, check_in, value, comment, reply, stay_month, author_name, author_avatar_url, visible_from)
  select r.id, r.property_id, r.direction, r.rating, r.cleanliness, r.accuracy, r.communication, r.location,
         r.check_in, r.value, r.comment, r.reply, date_trunc('month', b.check_in)::date,
         coalesce(m.display_name, 'Former member'), m.avatar_url,
         case when s.hidden_at is null then least(r.published_at, s.window_closes_at) end
    from public.reviews r
    join private.review_states s on s.review_id = r.id
    join public.bookings b on b.id = r.booking_id
    left join public.profiles m on m.id = r.author_id
   where r.id = any (project_reviews.review_ids)
  on conflict (id) do update
    set reply = excluded.reply, author_name = excluded.author_name, author_avatar_url = excluded.author_avatar_url,
        visible_from = excluded.visible_from
$$;
comment on function private.project_reviews(uuid[]) is 'Writes (or refreshes) the public projection of reviews: their public fields, their author''s display name and avatar, and the instant each becomes visible.';

-- Of the given reviews, those the aggregates count: published and not hidden. Call it in its own statement after
-- the reviews are locked, so that it sees every committed hide and publication.
create function private.counted_reviews(review_ids uuid[]) returns uuid[]
language sql stable
security definer
set search_path = ''
as $$
  select coalesce(array_agg(r.id), '{}')
  from public.reviews r join private.review_states s on s.review_id = r.id
  where r.id = any (review_ids) and r.published_at is not null and s.hidden_at is null
$$;
comment on function private.counted_reviews(uuid[]) is 'The reviews among review_ids that the aggregates count (published, not hidden).';

-- Adds (sign = 1) or removes (sign = -1) reviews from every aggregate they belong to, with atomic increments.
-- Listings are locked by id, then profiles by id: every writer of aggregates takes them in this order.
create function private.fold_reviews(review_ids uuid[], sign integer) returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if sign not in (-1, 1) then
    raise exception 'fold_reviews: sign must be 1 or -1, not %', sign;
  end if;
  if coalesce(cardinality(review_ids), 0) = 0 then
    return;
  end if;

  perform 1 from public.properties p
   where p.id in (select r.property_id from public.reviews r
                  where r.id = any (review_ids) and r.direction = 'guest_to_host')
   order by p.id
   for no key update;
  perform 1 from public.profiles p
   where p.id in (select r.subject_id from public.reviews r where r.id = any (review_ids))
   order by p.id
   for no key update;

  update public.properties p
     set rating_count = p.rating_count + d.n,
         rating_sum = p.rating_sum + d.rating,
         cleanliness_sum = p.cleanliness_sum + d.cleanliness,
         accuracy_sum = p.accuracy_sum + d.accuracy,
         communication_sum = p.communication_sum + d.communication,
         location_sum = p.location_sum + d.location,
         check_in_sum = p.check_in_sum + d.check_in,
         value_sum = p.value_sum + d.value,
         rating_avg = private.rating_average(p.rating_sum + d.rating, p.rating_count + d.n),
         cleanliness_avg = private.rating_average(p.cleanliness_sum + d.cleanliness, p.rating_count + d.n),
         accuracy_avg = private.rating_average(p.accuracy_sum + d.accuracy, p.rating_count + d.n),
         communication_avg = private.rating_average(p.communication_sum + d.communication, p.rating_count + d.n),
         location_avg = private.rating_average(p.location_sum + d.location, p.rating_count + d.n),
         check_in_avg = private.rating_average(p.check_in_sum + d.check_in, p.rating_count + d.n),
         value_avg = private.rating_average(p.value_sum + d.value, p.rating_count + d.n)
    from (select r.property_id, sign * count(*)::integer as n, sign * sum(r.rating) as rating,
                 sign * sum(r.cleanliness) as cleanliness, sign * sum(r.accuracy) as accuracy,
                 sign * sum(r.communication) as communication, sign * sum(r.location) as location,
                 sign * sum(r.check_in) as check_in, sign * sum(r.value) as value
            from public.reviews r
           where r.id = any (review_ids) and r.direction = 'guest_to_host'
           group by r.property_id) d
   where p.id = d.property_id;

  update public.profiles p
     set host_rating_count = p.host_rating_count + d.host_n,
         host_rating_sum = p.host_rating_sum + d.host_sum,
         host_rating_avg = private.rating_average(p.host_rating_sum + d.host_sum, p.host_rating_count + d.host_n),
         guest_rating_count = p.guest_rating_count + d.guest_n,
         guest_rating_sum = p.guest_rating_sum + d.guest_sum,
         guest_rating_avg = private.rating_average(p.guest_rating_sum + d.guest_sum, p.guest_rating_count + d.guest_n)
    from (select r.subject_id,
                 sign * (count(*) filter (where r.direction = 'guest_to_host'))::integer as host_n,
                 sign * coalesce(sum(r.rating) filter (where r.direction = 'guest_to_host'), 0) as host_sum,
                 sign * (count(*) filter (where r.direction = 'host_to_guest'))::integer as guest_n,
                 sign * coalesce(sum(r.rating) filter (where r.direction = 'host_to_guest'), 0) as guest_sum
            from public.reviews r
           where r.id = any (review_ids)
           group by r.subject_id) d
   where p.id = d.subject_id;
end
$$;
comment on function private.fold_reviews(uuid[], integer) is 'Adds (1) or removes (-1) reviews from the listing and member aggregates, by atomic increments under ordered row locks.';

-- Stamps published_at on the reviews whose window has closed (of one listing, or all), at the window's deadline
-- (the instant they became public), skipping rows another transaction is publishing. Returns the stamped ids.
create function private.stamp_due_reviews(property_id uuid default null) returns uuid[]
language sql
security definer
set search_path = ''
as $$
  with due as (
    select r.id, s.window_closes_at
      from public.reviews r join private.review_states s on s.review_id = r.id
     where r.published_at is null
       and s.window_closes_at <= pg_catalog.now()
       and (stamp_due_reviews.property_id is null or r.property_id = stamp_due_reviews.property_id)
     order by r.id
       for update of r skip locked
  ), stamped as (
    update public.reviews r set published_at = due.window_closes_at
      from due
     where r.id = due.id
    returning r.id
  )
  select coalesce(array_agg(stamped.id), '{}') from stamped
$$;
comment on function private.stamp_due_reviews(uuid) is 'Stamps published_at (= window deadline) on due, unstamped reviews of one listing or all; returns their ids.';

create function private.publish_due_reviews(property_id uuid default null) returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  stamped uuid[] := private.stamp_due_reviews(property_id);
begin
  perform private.fold_reviews(private.counted_reviews(stamped), 1);
  return cardinality(stamped);
end
$$;
comment on function private.publish_due_reviews(uuid) is 'Job (every minute): stamps reviews whose window closed and folds them into the aggregates in the same transaction. Idempotent; returns how many it published.';

-- Rebuilds every aggregate from the reviews. Locks listings then profiles (by id) before reading, so a concurrent
-- publication either committed before (and is read) or waits and adds its increment after.
create function private.recompute_review_aggregates() returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  fixed_listings integer;
  fixed_members integer;
begin
  perform 1 from public.properties p order by p.id for no key update;
  perform 1 from public.profiles p order by p.id for no key update;

  with counted as (
    select r.* from public.reviews r join private.review_states s on s.review_id = r.id
    where r.published_at is not null and s.hidden_at is null
  ), totals as (
    select p.id, count(c.id)::integer as n, coalesce(sum(c.rating), 0) as rating,
           coalesce(sum(c.cleanliness), 0) as cleanliness, coalesce(sum(c.accuracy), 0) as accuracy,
           coalesce(sum(c.communication), 0) as communication, coalesce(sum(c.location), 0) as location,
           coalesce(sum(c.check_in), 0) as check_in, coalesce(sum(c.value), 0) as value
      from public.properties p
      left join counted c on c.property_id = p.id and c.direction = 'guest_to_host'
     group by p.id
  )
  update public.properties p
     set rating_count = t.n, rating_sum = t.rating, cleanliness_sum = t.cleanliness, accuracy_sum = t.accuracy,
         communication_sum = t.communication, location_sum = t.location, check_in_sum = t.check_in,
         value_sum = t.value,
         rating_avg = private.rating_average(t.rating, t.n),
         cleanliness_avg = private.rating_average(t.cleanliness, t.n),
         accuracy_avg = private.rating_average(t.accuracy, t.n),
         communication_avg = private.rating_average(t.communication, t.n),
         location_avg = private.rating_average(t.location, t.n),
         check_in_avg = private.rating_average(t.check_in, t.n),
         value_avg = private.rating_average(t.value, t.n)
    from totals t
   where p.id = t.id
     and (p.rating_count, p.rating_sum, p.cleanliness_sum, p.accuracy_sum, p.communication_sum, p.location_sum,
          p.check_in_sum, p.value_sum, p.rating_avg, p.cleanliness_avg, p.accuracy_avg, p.communication_avg,
          p.location_avg, p.check_in_avg, p.value_avg)
         is distinct from
         (t.n, t.rating, t.cleanliness, t.accuracy, t.communication, t.location, t.check_in, t.value,
          private.rating_average(t.rating, t.n), private.rating_average(t.cleanliness, t.n),
          private.rating_average(t.accuracy, t.n), private.rating_average(t.communication, t.n),
          private.rating_average(t.location, t.n), private.rating_average(t.check_in, t.n),
          private.rating_average(t.value, t.n));
  get diagnostics fixed_listings = row_count;

  with counted as (
    select r.* from public.reviews r join private.review_states s on s.review_id = r.id
    where r.published_at is not null and s.hidden_at is null
  ), totals as (
    select m.id,
           (count(c.id) filter (where c.direction = 'guest_to_host'))::integer as host_n,
           coalesce(sum(c.rating) filter (where c.direction = 'guest_to_host'), 0) as host_sum,
           (count(c.id) filter (where c.direction = 'host_to_guest'))::integer as guest_n,
           coalesce(sum(c.rating) filter (where c.direction = 'host_to_guest'), 0) as guest_sum
      from public.profiles m
      left join counted c on c.subject_id = m.id
     group by m.id
  )
  update public.profiles m
     set host_rating_count = t.host_n, host_rating_sum = t.host_sum,
         host_rating_avg = private.rating_average(t.host_sum, t.host_n),
         guest_rating_count = t.guest_n, guest_rating_sum = t.guest_sum,
         guest_rating_avg = private.rating_average(t.guest_sum, t.guest_n)
    from totals t
   where m.id = t.id
     and (m.host_rating_count, m.host_rating_sum, m.host_rating_avg, m.guest_rating_count, m.guest_rating_sum,
          m.guest_rating_avg)
         is distinct from
         (t.host_n, t.host_sum, private.rating_average(t.host_sum, t.host_n), t.guest_n, t.guest_sum,
          private.rating_average(t.guest_sum, t.guest_n));
  get diagnostics fixed_members = row_count;

  return fixed_listings + fixed_members;
end
$$;
comment on function private.recompute_review_aggregates() is 'Rebuilds every listing and member rating aggregate from the reviews; returns how many rows it had to correct (0 when the incremental aggregates were exact).';

create function public.submit_review(
  booking_id uuid, rating integer, comment text,
  cleanliness integer default null, accuracy integer default null, communication integer default null,
  location integer default null, check_in integer default null, value integer default null
) returns public.reviews
language plpgsql
security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  booking public.bookings;
  side public.review_direction;
  sub_ratings integer[] := array[cleanliness, accuracy, communication, location, check_in, value];
  review public.reviews;
  due uuid[];
  pair uuid[] := '{}';
begin
  if caller is null then
    raise exception 'sign in to review a stay' using errcode = '42501', hint = 'not_signed_in';
  end if;
  -- Locking the booking serializes its guest's and its host's submissions: the second one sees the first and
  -- publishes both.
  select b.* into booking from public.bookings b where b.id = submit_review.booking_id for update;
  if booking.id is null then
    raise exception 'no booking %', submit_review.booking_id using errcode = 'PT404', hint = 'booking_not_found';
  end if;
  -- An erased guest or host is null: nobody else is that party.
  if not coalesce(caller in (booking.guest_id, booking.host_id), false) then
    raise exception 'only the guest or the host of a stay reviews it' using errcode = '42501', hint = 'not_booking_party';
  end if;
  side := case when caller = booking.guest_id then 'guest_to_host' else 'host_to_guest' end;

  if rating is null or rating not between 1 and 5 then
    raise exception 'a rating is a whole number from 1 to 5' using errcode = '22023', hint = 'rating_out_of_range';
  end if;
  if side = 'guest_to_host' and array_position(sub_ratings, null) is not null then
    raise exception 'a guest rates cleanliness, accuracy, communication, location, check-in and value'
      using errcode = '22023', hint = 'sub_ratings_required';
  end if;
  if side = 'host_to_guest' and num_nonnulls(variadic sub_ratings) > 0 then
    raise exception 'a host rates the guest overall only, without sub-ratings'
      using errcode = '22023', hint = 'sub_ratings_not_allowed';
  end if;
  if exists (select 1 from unnest(sub_ratings) s where s not between 1 and 5) then
    raise exception 'a rating is a whole number from 1 to 5' using errcode = '22023', hint = 'rating_out_of_range';
  end if;
  if comment is null or private.trimmed(comment) = '' then
    raise exception 'a review needs a comment' using errcode = '22023', hint = 'comment_required';
  end if;
  if char_length(private.trimmed(comment)) > 5000 then
    raise exception 'a review comment has at most 5000 characters' using errcode = '22023', hint = 'comment_too_long';
  end if;

  -- A confirmed stay whose check-out has passed is completed, whether or not the completion job ran yet.
  if booking.status = 'confirmed' and booking.check_out_at <= now() then
    update public.bookings b set status = 'completed' where b.id = booking.id returning * into booking;
  end if;
  if booking.status <> 'completed' then
    raise exception 'only a completed stay can be reviewed (this one is %)', booking.status
      using errcode = 'PT409', hint = 'stay_not_completed';
  end if;
  if now() >= private.review_window_closes_at(booking.check_out_at, booking.time_zone) then
    raise exception 'reviews are written within 14 days after check-out; this window closed at %',
        private.review_window_closes_at(booking.check_out_at, booking.time_zone)
      using errcode = 'PT409', hint = 'review_window_closed';
  end if;
  if exists (select 1 from public.reviews r where r.booking_id = booking.id and r.direction = side) then
    raise exception 'you already reviewed this stay; reviews cannot be edited'
      using errcode = 'PT409', hint = 'already_reviewed';
  end if;

  -- The next write on a listing publishes its due reviews (the job does it for quiet listings).
  due := private.stamp_due_reviews(booking.property_id);
  begin
    insert into public.reviews (booking_id, author_id, subject_id, property_id, direction, rating, comment,
                                cleanliness, accuracy, communication, location, check_in, value)
    values (booking.id, caller, case when side = 'guest_to_host' then booking.host_id else booking.guest_id end,
            booking.property_id, side, rating, private.trimmed(comment),
            cleanliness, accuracy, communication, location, check_in, value)
    returning * into review;
  exception when unique_violation then
    raise exception 'you already reviewed this stay; reviews cannot be edited'
      using errcode = 'PT409', hint = 'already_reviewed';
  end;

  -- Both sides have now reviewed: publish both at once.
  if exists (select 1 from public.reviews r where r.booking_id = booking.id and r.direction <> side) then
    with published as (
      update public.reviews r set published_at = now()
       where r.booking_id = booking.id and r.published_at is null
      returning r.id
    )
    select coalesce(array_agg(published.id), '{}') into pair from published;
  end if;
  perform private.fold_reviews(private.counted_reviews(due || pair), 1);

  select r.* into review from public.reviews r where r.id = review.id;
  return review;
end
$$;
comment on function public.submit_review(uuid, integer, text, integer, integer, integer, integer, integer, integer) is
  'The guest (with all six sub-ratings) or the host (without) reviews a completed stay, once, within 14 days after check-out. Hidden from the other side until both reviewed or the window closed. Errors: docs/reviews.md.';

create function public.reply_to_review(review_id uuid, reply text) returns public.reviews
language plpgsql
security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  review public.reviews;
  state private.review_states;
begin
  if caller is null then
    raise exception 'sign in to reply to a review' using errcode = '42501', hint = 'not_signed_in';
  end if;
  select r.* into review from public.reviews r where r.id = reply_to_review.review_id for update;
  if review.id is null
     or not (coalesce(caller in (review.author_id, review.subject_id), false) or private.is_admin()
             or private.review_is_public(review.id)) then
    raise exception 'no review % that you can see', reply_to_review.review_id
      using errcode = 'PT404', hint = 'review_not_found';
  end if;
  -- A review whose subject was erased has nobody to reply: null never matches the caller.
  if review.subject_id is null or caller <> review.subject_id then
    raise exception 'only the reviewed member replies to a review' using errcode = '42501', hint = 'not_review_subject';
  end if;
  select s.* into state from private.review_states s where s.review_id = review.id;
  if state.hidden_at is not null then
    raise exception 'this review was hidden by moderation' using errcode = 'PT409', hint = 'review_hidden';
  end if;
  if review.published_at is null then
    if state.window_closes_at > now() then
      raise exception 'you can reply once the review is published' using errcode = 'PT409', hint = 'review_not_published';
    end if;
    -- Due but not stamped yet: publish the listing's due reviews now.
    perform private.publish_due_reviews(review.property_id);
  end if;
  if review.reply is not null then
    raise exception 'this review already has a reply' using errcode = 'PT409', hint = 'already_replied';
  end if;
  if reply_to_review.reply is null or private.trimmed(reply_to_review.reply) = '' then
    raise exception 'a reply needs some text' using errcode = '22023', hint = 'reply_required';
  end if;
  if char_length(private.trimmed(reply_to_review.reply)) > 2000 then
    raise exception 'a reply has at most 2000 characters' using errcode = '22023', hint = 'reply_too_long';
  end if;
  update public.reviews r set reply = private.trimmed(reply_to_review.reply), replied_at = now()
   where r.id = review.id
  returning * into review;
  return review;
end
$$;
comment on function public.reply_to_review(uuid, text) is 'The reviewed member answers a published review, once. Errors: docs/reviews.md.';

-- The admin checks shared by hide_review and unhide_review: the review, locked.
create function private.review_for_moderation(review_id uuid, reason text, hiding boolean) returns public.reviews
language plpgsql
security definer
set search_path = ''
as $$
declare
  review public.reviews;
begin
  perform private.require_admin();
  if hiding and (reason is null or private.trimmed(reason) = '') then
    raise exception 'say why the review is hidden' using errcode = '22023', hint = 'reason_required';
  end if;
  if char_length(private.trimmed(reason)) > 1000 then
    raise exception 'a moderation reason has at most 1000 characters' using errcode = '22023', hint = 'reason_too_long';
  end if;
  select r.* into review from public.reviews r where r.id = review_for_moderation.review_id for update;
  if review.id is null then
    raise exception 'no review %', review_for_moderation.review_id using errcode = 'PT404', hint = 'review_not_found';
  end if;
  return review;
end
$$;
comment on function private.review_for_moderation(uuid, text, boolean) is 'Admin only: locks and returns a review to hide or unhide (a hide needs a reason).';

create function public.hide_review(review_id uuid, reason text) returns public.reviews
language plpgsql
security definer
set search_path = ''
as $$
declare
  review public.reviews := private.review_for_moderation(review_id, reason, true);
begin
  update private.review_states s
     set hidden_at = now(), hidden_by = (select auth.uid()), hidden_reason = private.trimmed(reason)
   where s.review_id = review.id and s.hidden_at is null;
  if not found then
    raise exception 'this review is already hidden' using errcode = 'PT409', hint = 'already_hidden';
  end if;
  insert into private.review_moderation_log (review_id, action, actor_id, reason)
  values (review.id, 'hide', (select auth.uid()), private.trimmed(reason));
  if review.published_at is not null then
    perform private.fold_reviews(array[review.id], -1);
  end if;
  return review;
end
$$;
comment on function public.hide_review(uuid, text) is 'Admin only: hides an abusive review from everyone but its author and admins, and removes it from the aggregates. Logged.';

create function public.unhide_review(review_id uuid, reason text default null) returns public.reviews
language plpgsql
security definer
set search_path = ''
as $$
declare
  review public.reviews := private.review_for_moderation(review_id, reason, false);
begin
  update private.review_states s
     set hidden_at = null, hidden_by = null, hidden_reason = null
   where s.review_id = review.id and s.hidden_at is not null;
  if not found then
    raise exception 'this review is not hidden' using errcode = 'PT409', hint = 'not_hidden';
  end if;
  insert into private.review_moderation_log (review_id, action, actor_id, reason)
  values (review.id, 'unhide', (select auth.uid()), nullif(private.trimmed(reason), ''));
  if review.published_at is not null then
    perform private.fold_reviews(array[review.id], 1);
  end if;
  return review;
end
$$;
comment on function public.unhide_review(uuid, text) is 'Admin only: restores a hidden review (and its place in the aggregates). Logged.';

-- Whoever inserts a review (the functions, or the owner seeding), it must match its booking.
create function private.check_review_matches_booking() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  booking public.bookings;
begin
  select b.* into booking from public.bookings b where b.id = new.booking_id;
  if booking.property_id is distinct from new.property_id
     or (new.direction = 'guest_to_host' and (new.author_id, new.subject_id) is distinct from (booking.guest_id, booking.host_id))
     or (new.direction = 'host_to_guest' and (new.author_id, new.subject_id) is distinct from (booking.host_id, booking.guest_id)) then
    raise exception 'a review''s author, subject and listing are its booking''s'
      using errcode = '22023', hint = 'review_does_not_match_booking';
  end if;
  return new;
end
$$;
comment on function private.check_review_matches_booking() is 'Trigger: a review''s author, subject and listing must be its booking''s guest/host and listing.';

create function private.open_review_state() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.review_states (review_id, window_closes_at)
  select new.id, private.review_window_closes_at(b.check_out_at, b.time_zone)
    from public.bookings b where b.id = new.booking_id;
  return null;
end
$$;
comment on function private.open_review_state() is 'Trigger: records the review''s window deadline (frozen from its booking) in private.review_states.';

create function private.guard_review_update() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- A member's erasure detaches their reviews (author_id or subject_id becomes null): the only other change allowed.
  if (to_jsonb(new) - 'published_at' - 'reply' - 'replied_at' - 'author_id' - 'subject_id')
       <> (to_jsonb(old) - 'published_at' - 'reply' - 'replied_at' - 'author_id' - 'subject_id')
     or (new.author_id is distinct from old.author_id and new.author_id is not null)
     or (new.subject_id is distinct from old.subject_id and new.subject_id is not null)
     or (old.published_at is not null and new.published_at is distinct from old.published_at)
     or (old.reply is not null and (new.reply, new.replied_at) is distinct from (old.reply, old.replied_at)) then
    raise exception 'a review cannot be edited after submission' using errcode = 'PT409', hint = 'review_immutable';
  end if;
  return new;
end
$$;
comment on function private.guard_review_update() is 'Trigger: a review only ever gains its publication stamp and one reply (and loses its member links on erasure); nothing else changes.';

create function private.project_changed_review() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_table_name = 'review_states' then
    perform private.project_reviews(array[new.review_id]);
  else
    perform private.project_reviews(array[new.id]);
  end if;
  return null;
end
$$;
comment on function private.project_changed_review() is 'Trigger: refreshes the public projection of a review whose row or state changed (submission, publication, reply, hide, unhide, erasure of a member).';

create function private.project_author_profile() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update private.public_review_rows p
     set author_name = new.display_name, author_avatar_url = new.avatar_url
   where p.id in (select r.id from public.reviews r where r.author_id = new.id);
  return null;
end
$$;
comment on function private.project_author_profile() is 'Trigger: a member''s new display name or avatar shows on the public copies of the reviews they wrote.';

-- Triggers -------------------------------------------------------------------------------------------------------

create trigger reviews_match_booking before insert on public.reviews
  for each row execute function private.check_review_matches_booking();
create trigger reviews_open_state after insert on public.reviews
  for each row execute function private.open_review_state();
create trigger reviews_guard_update before update on public.reviews
  for each row execute function private.guard_review_update();
create trigger reviews_project after update on public.reviews
  for each row execute function private.project_changed_review();
create trigger review_states_project after insert or update on private.review_states
  for each row execute function private.project_changed_review();
create trigger profiles_project_review_author after update of display_name, avatar_url on public.profiles
  for each row when ((old.display_name, old.avatar_url) is distinct from (new.display_name, new.avatar_url))
  execute function private.project_author_profile();

-- Views ----------------------------------------------------------------------------------------------------------

-- As the reader (security_invoker): the projection's policy decides which rows; the view leaves out visible_from.
create view public.public_reviews with (security_invoker = true) as
select p.id, p.property_id, p.direction, p.rating, p.cleanliness, p.accuracy, p.communication, p.location, p.check_in,
       p.value, p.comment, p.reply, p.stay_month, p.author_name, p.author_avatar_url
  from private.public_review_rows p;
comment on view public.public_reviews is 'Published, non-hidden reviews as everyone reads them: text, ratings, reply, the author''s display name and avatar, the month of the stay. No booking, member id or exact time. Latest first: order=stay_month.desc,id.desc.';

-- Grants ---------------------------------------------------------------------------------------------------------

revoke all on function private.review_window_closes_at(timestamptz, text), private.rating_average(bigint, integer),
  private.review_is_public(uuid), private.counted_reviews(uuid[]), private.fold_reviews(uuid[], integer),
  private.stamp_due_reviews(uuid), private.publish_due_reviews(uuid), private.recompute_review_aggregates(),
  private.review_for_moderation(uuid, text, boolean), private.check_review_matches_booking(),
  private.open_review_state(), private.guard_review_update(), private.project_reviews(uuid[]),
  private.project_changed_review(), private.project_author_profile()
  from public, anon, authenticated;
-- The reviews policy calls review_is_public as the reader.
grant execute on function private.review_is_public(uuid) to authenticated, service_role;
grant execute on function private.review_window_closes_at(timestamptz, text), private.rating_average(bigint, integer)
  to anon, authenticated, service_role;
grant execute on function private.publish_due_reviews(uuid), private.recompute_review_aggregates() to service_role;

revoke all on function public.submit_review(uuid, integer, text, integer, integer, integer, integer, integer, integer),
  public.reply_to_review(uuid, text), public.hide_review(uuid, text), public.unhide_review(uuid, text)
  from public, anon;
grant execute on function public.submit_review(uuid, integer, text, integer, integer, integer, integer, integer, integer),
  public.reply_to_review(uuid, text), public.hide_review(uuid, text), public.unhide_review(uuid, text)
  to authenticated;

-- Reviews are read through the policies and written only by the functions above, for every client role. Anon reads
-- public_reviews only; visible_from is not among the projection's columns any client may read.
revoke all on table public.reviews from anon, authenticated, service_role;
grant select on table public.reviews to authenticated, service_role;

revoke all on table private.public_review_rows from public, anon, authenticated, service_role;
grant select (id, property_id, direction, rating, cleanliness, accuracy, communication, location, check_in, value,
              comment, reply, stay_month, author_name, author_avatar_url)
  on table private.public_review_rows to anon, authenticated;
grant select on table private.public_review_rows to service_role;
revoke all on table public.public_reviews from anon, authenticated, service_role;
grant select on table public.public_reviews to anon, authenticated, service_role;

revoke all on table private.review_states, private.review_moderation_log from public, anon, authenticated;
grant select on table private.review_states, private.review_moderation_log to service_role;

-- Row-level security ---------------------------------------------------------------------------------------------

alter table public.reviews enable row level security;
alter table private.review_states enable row level security;
alter table private.review_moderation_log enable row level security;
alter table private.public_review_rows enable row level security;

-- The parties' arms are index ranges (reviews_author_id_idx, reviews_subject_id_idx, and the primary key for admins:
-- private.admin_id_floor), so a member's reviews are a BitmapOr of their own rows; the subject's one function call
-- runs only on the rows about them.
create policy "authors, subjects once public, and admins read reviews" on public.reviews
  for select to authenticated
  using (author_id = (select auth.uid())
         or (subject_id = (select auth.uid()) and private.review_is_public(id))
         or id >= private.admin_id_floor());

create policy "everyone reads reviews once they are public" on private.public_review_rows
  for select to anon, authenticated
  using (visible_from <= now());
