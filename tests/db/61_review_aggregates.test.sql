-- Review aggregates: a randomized run of a few hundred reviews (both sides submitting in random order, windows
-- closing, the job, hides and unhides), after which the incremental aggregates must equal a rebuild from scratch.
-- The seed is printed, so a failing run can be replayed with setseed().
begin;
set local search_path = extensions, public;
select plan(7);

create temp table run (seed double precision);
insert into run select random() * 2 - 1;
select setseed(seed) from run;
select diag('random seed: ' || seed) from run;

select tests.create_admin('agg-admin');
select tests.create_user('agg-guest-' || g) from generate_series(1, 12) g;
select tests.create_user('agg-host-' || h) from generate_series(1, 3) h;

create temp table stays (n integer primary key, id uuid not null, guest uuid not null, host uuid not null);
grant all on stays to public;

-- 3 hosts with 8 listings each (three time zones), 12 completed stays per listing, checked out in the last 13 days.
do $$
declare
  listing uuid;
  guest uuid;
  n integer := 0;
begin
  for h in 1..3 loop
    for l in 1..8 loop
      listing := tests.create_property(tests.user('agg-host-' || h), 'Aggregate listing ' || h || '-' || l,
        (array['UTC', 'Pacific/Auckland', 'America/Los_Angeles'])[1 + l % 3]);
      for s in 1..12 loop
        n := n + 1;
        guest := tests.user('agg-guest-' || (1 + floor(random() * 12)::integer));
        insert into stays
        values (n, tests.create_completed_stay(listing, guest, date '2020-01-01' + 3 * s, 2,
                                               now() - random() * interval '13 days'),
                guest, tests.user('agg-host-' || h));
      end loop;
    end loop;
  end loop;
end
$$;

-- Every side that reviews (85% of guests, 80% of hosts), in random order, interleaved with windows closing (and the
-- job), hides and unhides.
create temp table outcome (what text);
grant all on outcome to public;
do $$
declare
  action record;
  target uuid;
  refusal text;
begin
  for action in
    select * from (
      select s.id as booking_id, s.guest as author, true as by_guest from stays s where random() < 0.85
      union all
      select s.id, s.host, false from stays s where random() < 0.80
    ) sides
    order by random()
  loop
    perform tests.act_as(action.author);
    begin
      if action.by_guest then
        perform public.submit_review(action.booking_id, 1 + floor(random() * 5)::integer, 'Random stay',
          1 + floor(random() * 5)::integer, 1 + floor(random() * 5)::integer, 1 + floor(random() * 5)::integer,
          1 + floor(random() * 5)::integer, 1 + floor(random() * 5)::integer, 1 + floor(random() * 5)::integer);
      else
        perform public.submit_review(action.booking_id, 1 + floor(random() * 5)::integer, 'Random guest');
      end if;
      insert into outcome values ('submitted');
    exception when others then
      get stacked diagnostics refusal = pg_exception_hint;
      insert into outcome values (sqlstate || ' ' || refusal);
    end;
    perform tests.act_as_owner();

    if random() < 0.06 then
      -- A window closes: move a random stay 14 days back, as time would.
      select s.id into target from stays s order by random() limit 1;
      update public.bookings set check_out_at = check_out_at - interval '14 days' where id = target;
      update private.review_states st set window_closes_at = private.review_window_closes_at(bk.check_out_at, bk.time_zone)
        from public.reviews r join public.bookings bk on bk.id = r.booking_id
       where r.booking_id = target and st.review_id = r.id;
      if random() < 0.5 then
        perform private.publish_due_reviews();
      end if;
    end if;
    if random() < 0.06 then
      select r.id into target from public.reviews r join private.review_states st on st.review_id = r.id
       where r.booking_id in (select id from stays) and st.hidden_at is null
       order by random() limit 1;
      perform tests.act_as(tests.user('agg-admin'), aal => 'aal2');
      perform public.hide_review(target, 'Randomly abusive') where target is not null;
      perform tests.act_as_owner();
    end if;
    if random() < 0.02 then
      select r.id into target from public.reviews r join private.review_states st on st.review_id = r.id
       where r.booking_id in (select id from stays) and st.hidden_at is not null
       order by random() limit 1;
      perform tests.act_as(tests.user('agg-admin'), aal => 'aal2');
      perform public.unhide_review(target, 'Appeal') where target is not null;
      perform tests.act_as_owner();
    end if;
  end loop;
  perform private.publish_due_reviews();
end
$$;

select tests.act_as_owner();
select diag(what || ': ' || count(*)) from outcome group by what order by 1;
select cmp_ok((select count(*)::integer from public.reviews r join stays s on s.id = r.booking_id), '>=', 300,
  'the randomized run writes a few hundred reviews');
select is((select count(*)::integer from outcome where what not in ('submitted', 'PT409 review_window_closed')), 0,
  'every refusal in the run was a closed window');

-- The aggregates, against an independent count of the published, non-hidden reviews.
create temp table expected_listings as
select p.id, count(r.id)::integer as n, coalesce(sum(r.rating), 0) as rating, coalesce(sum(r.cleanliness), 0) as cleanliness,
       coalesce(sum(r.accuracy), 0) as accuracy, coalesce(sum(r.communication), 0) as communication,
       coalesce(sum(r.location), 0) as location, coalesce(sum(r.check_in), 0) as check_in, coalesce(sum(r.value), 0) as value
  from public.properties p
  left join public.reviews r on r.property_id = p.id and r.direction = 'guest_to_host' and r.published_at is not null
   and not exists (select 1 from private.review_states st where st.review_id = r.id and st.hidden_at is not null)
 where p.title like 'Aggregate listing %'
 group by p.id;
select is((select count(*)::integer from public.properties p join expected_listings e on e.id = p.id
            where (p.rating_count, p.rating_sum, p.cleanliness_sum, p.accuracy_sum, p.communication_sum, p.location_sum,
                   p.check_in_sum, p.value_sum, p.rating_avg, p.value_avg)
                  is distinct from (e.n, e.rating, e.cleanliness, e.accuracy, e.communication, e.location, e.check_in,
                                    e.value, round(e.rating::numeric / nullif(e.n, 0), 2), round(e.value::numeric / nullif(e.n, 0), 2))),
  0, 'every listing''s counts, sums and averages are exactly those of its published, non-hidden guest reviews');
select is((select count(*)::integer from public.profiles m
            cross join lateral (
              select count(*) filter (where r.direction = 'guest_to_host')::integer as host_n,
                     coalesce(sum(r.rating) filter (where r.direction = 'guest_to_host'), 0) as host_sum,
                     count(*) filter (where r.direction = 'host_to_guest')::integer as guest_n,
                     coalesce(sum(r.rating) filter (where r.direction = 'host_to_guest'), 0) as guest_sum
                from public.reviews r join private.review_states st on st.review_id = r.id
               where r.subject_id = m.id and r.published_at is not null and st.hidden_at is null) e
           where m.id in (select host from stays union select guest from stays)
             and (m.host_rating_count, m.host_rating_sum, m.host_rating_avg, m.guest_rating_count, m.guest_rating_sum, m.guest_rating_avg)
                 is distinct from (e.host_n, e.host_sum, round(e.host_sum::numeric / nullif(e.host_n, 0), 2),
                                   e.guest_n, e.guest_sum, round(e.guest_sum::numeric / nullif(e.guest_n, 0), 2))),
  0, 'every member''s ratings as host and as guest are exactly those of their published, non-hidden reviews');
select ok((select count(*) from public.properties p join expected_listings e on e.id = p.id where e.n > 0) > 20,
  'most listings end the run with ratings, so the comparisons above are not vacuous');

-- And the two ways agree: the rebuild changes nothing.
create temp table before_recompute as
select id, to_jsonb(p) - 'updated_at' as aggregates from public.properties p
union all select id, to_jsonb(m) - 'updated_at' from public.profiles m;
select is(private.recompute_review_aggregates(), 0, 'private.recompute_review_aggregates() finds nothing to correct');
select is((select count(*)::integer from before_recompute b
            join (select id, to_jsonb(p) - 'updated_at' as aggregates from public.properties p
                  union all select id, to_jsonb(m) - 'updated_at' from public.profiles m) a on a.id = b.id
           where a.aggregates is distinct from b.aggregates),
  0, 'after the rebuild every listing and profile is exactly as the incremental updates left it');

select * from finish();
rollback;
