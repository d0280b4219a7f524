// The benchmark's data, as set-based SQL statements (bench/run.mjs runs them and shows a progress bar over them).
// Deterministic (setseed), fast on 2 cores: listings with their photos and amenities, then their bookings with their
// claims, each batch one statement of data-modifying CTEs (no batch rescans a table), batches spread over two
// connections; bookings are the rows request_booking would have made, priced by one call of private.price_stays per
// stay (dates), not per booking.

/** The marketplace's size: 100,000 listings unless run.mjs calls scale(). */
export let LISTINGS = 100_000;
/** Cities grow with the listings (240 per 100,000): a larger marketplace has more places at the same density. */
export let CITIES = 240;
export let HOSTS = 2_000;
export let GUESTS = 4_000;
/** Batches of 10,000 listings. */
export let BATCHES = 10;
export function scale(listings) {
  LISTINGS = listings;
  CITIES = Math.max(1, Math.round((listings * 240) / 100_000));
  HOSTS = Math.max(1, Math.round(listings / 50));
  GUESTS = Math.max(1, Math.round(listings / 25));
  BATCHES = Math.ceil(listings / 10_000);
}
/** The listings of batch b: [from, to). */
export const batchRange = (b) => [Math.floor((b * LISTINGS) / BATCHES), Math.floor(((b + 1) * LISTINGS) / BATCHES)];
/** Bookings per listing: one in each of these 30-day slots from tomorrow (so they never overlap), 2..6 nights. */
export const SLOTS = 6;

export const WORDS = [
  'bright', 'cosy', 'quiet', 'spacious', 'modern', 'rustic', 'charming', 'sunny', 'historic', 'elegant',
  'harbour', 'garden', 'terrace', 'balcony', 'fireplace', 'courtyard', 'rooftop', 'library', 'studio', 'attic',
  'beach', 'river', 'forest', 'mountain', 'lake', 'vineyard', 'market', 'park', 'museum', 'station',
  'bakery', 'cathedral', 'canal', 'bridge', 'harbourfront', 'oldtown', 'boulevard', 'square', 'orchard', 'meadow',
  'sauna', 'piano', 'hammock', 'bicycle', 'skylight', 'veranda', 'patio', 'greenhouse', 'woodstove', 'bathtub',
  'sunset', 'sunrise', 'stars', 'birds', 'waves', 'snow', 'vines', 'olives', 'lavender', 'jasmine',
];

// Listing j's id: its first half is pseudo-random (md5 of j), like gen_random_uuid's, and its last 12 digits are j.
// Not 'c0000000-0000-4000-8000-<j>': btree_gist reads a uuid as a double dominated by its first 8 bytes, so ids that
// share them are all the same to the penalty function of the exclusion constraint's GiST index on calendar_claims
// (property_id with =, nights with &&); that index then degenerates (~150 buffers a probe instead of ~3), which
// production ids (gen_random_uuid) never do.
// A photo's Storage name as a host's upload makes it: <listing>/<v4 uuid>.jpg (the uuid derived from the listing and
// position, so the data set is the same on every run).
const photoName = (id, i) => `(${id} || '/' || substr(md5(${id} || '/photo-' || ${i}), 1, 8) || '-' || substr(md5(${id} || '/photo-' || ${i}), 9, 4) || '-4' || substr(md5(${id} || '/photo-' || ${i}), 14, 3) || '-8' || substr(md5(${id} || '/photo-' || ${i}), 18, 3) || '-' || substr(md5(${id} || '/photo-' || ${i}), 21, 12) || '.jpg')`;
const listingId = (j) => `(substr(md5('listing ' || ${j}), 1, 8) || '-' || substr(md5('listing ' || ${j}), 9, 4) || '-4' || substr(md5('listing ' || ${j}), 14, 3) || '-8000-' || lpad(${j}::text, 12, '0'))::uuid`;
/** The published listings of the batch [from, to), read by primary key. */
const batchListings = (from, to) => `generate_series(${from}, ${to - 1}) j join public.properties p on p.id = ${listingId('j')} and p.status = 'published'`;

// Helper objects the statements below use.
export const setup = () => `
select setseed(0.42);
create schema bench;
create table bench.city as
select i as n,
       initcap((array['ka','lo','mi','sa','te','ro','vi','na','do','pe','lu','ba'])[1 + i % 12]
         || (array['ra','len','mo','si','tar','vo','ne','gal','po','ri','da','fen'])[1 + (i / 12) % 12]
         || (array['ton','ville','burg','ia','mar','haven','stad','polis','vik','ford','mouth','field'])[1 + (i / 144) % 12])
         || case when i >= 1728 then ' ' || to_char(1 + i / 1728, 'FMRN') else '' end as name,
       -- spread over the inhabited latitudes and every longitude, some next to the antimeridian
       -45 + ((i * 7919) % 1000) * 0.11 as latitude,
       -179.5 + ((i * 104729) % 3590) * 0.1 as longitude,
       (array['USD','EUR','GBP','JPY','AUD','NZD','CAD','CHF','SEK','NOK','MXN','BRL','ZAR','SGD','INR','THB'])[1 + i % 16] as currency
from generate_series(0, ${CITIES - 1}) i;
alter table bench.city add column time_zone text;
update bench.city set time_zone = case when round(longitude / 15) = 0 then 'Etc/GMT'
  when round(longitude / 15) > 0 then 'Etc/GMT-' || round(longitude / 15)::int else 'Etc/GMT+' || (-round(longitude / 15))::int end;
create table bench.word as select ordinality::int - 1 as n, w from unnest(array[${WORDS.map((w) => `'${w}'`).join(',')}]) with ordinality w;
-- bench.unit(j, k): a uniform draw in [0, 1) that depends on j and k alone (listing j's exact place is near its city:
-- the sum of three such draws, ~10 km; see listings()).
create function bench.unit(j bigint, k integer) returns float8
language sql immutable as $$ select ('x' || substr(md5(j || ':' || k), 1, 8))::bit(32)::bigint / 4294967296.0 $$;
`;

export const users = () => `
insert into auth.users (id, instance_id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
select ('b0000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, '00000000-0000-0000-0000-000000000000',
       'authenticated', 'authenticated',
       case when i < ${HOSTS} then 'host' || i else 'guest' || i end || '@bench.staybase.test', now(),
       '{"provider": "email", "providers": ["email"]}', jsonb_build_object('display_name', 'Bench user ' || i), now(), now()
from generate_series(0, ${HOSTS + GUESTS - 1}) i;
`;

// One batch of listings: [from, to), with their photos and amenity rows.
export function listings(from, to) {
  return `
select setseed(${(from / LISTINGS).toFixed(6)});
with point as materialized (
  -- Each listing's exact place: its public point and its location row are written from it.
  select j, least(89.9, greatest(-89.9, c.latitude + (bench.unit(j, 1) + bench.unit(j, 2) + bench.unit(j, 3) - 1.5) * 0.09))::float8 as latitude,
         ((c.longitude + (bench.unit(j, 4) + bench.unit(j, 5) + bench.unit(j, 6) - 1.5) * 0.09 / cos(radians(c.latitude)) + 540)::numeric % 360 - 180)::float8 as longitude
  from generate_series(${from}, ${to - 1}) j join bench.city c on c.n = j % ${CITIES}
), listing as (
insert into public.properties (id, host_id, title, description, property_type, status, city, region,
  country_code, latitude, longitude, time_zone, max_guests, bedrooms, beds, bathrooms, nightly_price_cents, currency,
  cleaning_fee_cents, weekly_discount_pct, monthly_discount_pct, min_nights, max_nights, instant_book,
  cancellation_policy, rating_avg, rating_count, rating_sum, cleanliness_sum, accuracy_sum, communication_sum,
  location_sum, check_in_sum, value_sum, amenity_codes, cover_photo)
select ${listingId('j')},
       ('b0000000-0000-4000-8000-' || lpad((j % ${HOSTS})::text, 12, '0'))::uuid,
       initcap(w1.w) || ' ' || t.type::text || ' in ' || c.name,
       'A ' || w2.w || ' ' || t.type::text || ' with ' || w3.w || ' and ' || w4.w || ', near the ' || w5.w || ' and the '
         || w6.w || '. ' || initcap(w7.w) || ' mornings, ' || w8.w || ' evenings.',
       t.type, case when j % 100 = 99 then 'draft' else 'published' end::public.listing_status,
       c.name, 'Region ' || (c.n % 20), 'ZZ',
       -- the public point, as the location trigger derives it (off during the load, like the publishing check)
       pp.latitude, pp.longitude,
       c.time_zone, 1 + (r.g * 8)::int, 1 + (r.g * 4)::int, 1 + (r.g * 6)::int, 1 + (r.g * 3)::int,
       (3000 + r.h * 57000)::int, c.currency, (r.h * 8000)::int, 10, 20,
       case when r.i < 0.7 then 1 when r.i < 0.9 then 2 else 3 end, case when r.i < 0.5 then 365 else 30 end,
       r.ib < 0.5, (array['flexible', 'moderate', 'strict']::public.cancellation_policy[])[1 + j % 3],
       -- ratings as the reviews chapter keeps them: the totals, and the average derived from them
       round(rt.total::numeric / nullif(rt.n, 0), 2), rt.n, rt.total, 4 * rt.n, 4 * rt.n, 4 * rt.n, 4 * rt.n, 4 * rt.n,
       4 * rt.n,
       array(select a.code from public.amenities a
             where random() < case a.code when 'wifi' then 0.9 when 'kitchen' then 0.7 when 'heating' then 0.6
                                          when 'washer' then 0.5 when 'tv' then 0.5 when 'smoke_alarm' then 0.8
                                          when 'pool' then 0.1 when 'hot_tub' then 0.08 else 0.2 end + j * 0
             order by a.code),
       -- the photos below, position 0 first (the statement trigger that derives cover_photo is off during the load)
       ${photoName(`${listingId('j')}::text`, 0)}
from point e
cross join lateral (select random() a, random() b, random() c, random() d, random() e, random() f, random() g,
                           random() h, random() i, random() ib, random() k, random() l, random() m, j as jj) r
cross join lateral (select n, round((3 + r.l * 2) * n)::bigint as total
                    from (select case when r.k < 0.85 then 1 + (r.m * 300)::int else 0 end as n) c) rt
join bench.city c on c.n = j % ${CITIES}
join lateral (select (enum_range(null::public.property_type))[1 + (random() * 7 + j * 0)::int] as type) t on true
join bench.word w1 on w1.n = (j * 7 + 1) % 60 join bench.word w2 on w2.n = (j * 13 + 3) % 60
join bench.word w3 on w3.n = (j * 17 + 5) % 60 join bench.word w4 on w4.n = (j * 31 + 7) % 60
join bench.word w5 on w5.n = (j * 37 + 11) % 60 join bench.word w6 on w6.n = (j * 41 + 13) % 60
join bench.word w7 on w7.n = (j * 43 + 17) % 60 join bench.word w8 on w8.n = (j * 47 + 19) % 60
cross join lateral private.public_point(e.latitude, e.longitude) pp
returning id, host_id, amenity_codes
), location as (
-- The exact places (the table only their hosts, admins and confirmed guests read).
insert into public.property_locations (property_id, address_line, latitude, longitude)
select ${listingId('e.j')}, (1 + e.j % 200) || ' Bench Street', e.latitude, e.longitude
from point e
), photo as (
insert into public.property_photos (property_id, storage_path, position)
select l.id, ${photoName('l.id::text', 'i')}, i
from listing l cross join generate_series(0, 1) i
), photo_object as (
-- Their files in Storage: the storage.objects rows the Storage API writes on upload (owner: the host).
-- (Named from the listing as the photos are, not joined to them: the planner expects one row of each CTE.)
insert into storage.objects (bucket_id, name, owner, owner_id, metadata)
select 'property-photos', ${photoName('l.id::text', 'i')}, l.host_id, l.host_id::text,
       '{"mimetype": "image/jpeg", "size": 245760, "cacheControl": "max-age=3600"}'::jsonb
from listing l cross join generate_series(0, 1) i
)
-- The same amenity sets as rows (the statement trigger that derives amenity_codes is off during the load).
insert into public.property_amenities (property_id, amenity_code)
select l.id, code
from listing l cross join unnest(l.amenity_codes) code;

`;
}

// One batch of bookings for the listings [from, to): confirmed stays, plus a few live and a few stale holds, priced
// by private.price_stays (the fee rule lives only there) once per stay's dates for every listing of the batch booked
// on them, with the claims the claim trigger would have made.
export function bookings(from, to) {
  return `
select setseed(${(0.5 + from / LISTINGS / 2).toFixed(6)});
-- The batch's stays in a temporary table with statistics, so that the join below is planned for their real number.
create temporary table stay as
  select p.id as property_id, p.host_id, p.cancellation_policy, p.time_zone,
         ('b0000000-0000-4000-8000-' || lpad((${HOSTS} + (random() * ${GUESTS - 1})::int)::text, 12, '0'))::uuid as guest_id,
         b.check_in, b.check_in + b.nights as check_out,
         case when b.roll < 0.02 then 'pending_payment' else 'confirmed' end::public.booking_status as status,
         b.roll < 0.01 as stale
  from ${batchListings(from, to)}
  cross join generate_series(0, ${SLOTS - 1}) k
  -- p.id in the lateral subquery makes it depend on the listing: with k alone, the planner may evaluate it once per
  -- slot and join it to every listing of the batch (then every listing shares the same six stays).
  cross join lateral (select current_date + 1 + k * 30 + (random() * 19)::int as check_in, 2 + (random() * 4)::int as nights,
                             random() as roll, k as kk, p.id as pid) b;
analyze stay;
with quote as materialized (
  -- Priced by the one pricing rule, as request_booking would have frozen them.
  select q.property_id, d.check_in, d.check_out, q.quote
  from (select check_in, check_out, array_agg(property_id) as ids from stay group by check_in, check_out) d
  cross join lateral private.price_stays(d.ids, d.check_in, d.check_out) q
), booking as (
insert into public.bookings (property_id, guest_id, host_id, check_in, check_out, guests, status, currency, nightly,
  accommodation_cents, discount_cents, cleaning_fee_cents, service_fee_cents, total_cents, host_fee_cents,
  host_payout_cents, cancellation_policy, time_zone, check_in_at, check_out_at, expires_at, confirmed_at)
select s.property_id, s.guest_id, s.host_id, s.check_in, s.check_out, 1, s.status, (q.quote).currency, (q.quote).nightly,
       (q.quote).accommodation_cents, (q.quote).discount_cents, (q.quote).cleaning_fee_cents, (q.quote).service_fee_cents,
       (q.quote).total_cents, (q.quote).host_fee_cents, (q.quote).host_payout_cents,
       s.cancellation_policy, s.time_zone,
       (s.check_in + time '15:00') at time zone s.time_zone, (s.check_out + time '11:00') at time zone s.time_zone,
       case when s.status = 'pending_payment' then case when s.stale then now() - interval '2 hours' else now() + interval '1 day' end end,
       case when s.status = 'confirmed' then now() end
from stay s join quote q using (property_id, check_in, check_out)
returning *
), claim as (
-- The claims the claim trigger would have made, set-based; the exclusion constraint checks every one of them.
insert into private.calendar_claims (property_id, nights, booking_id, expires_at)
select b.property_id, daterange(b.check_in, b.check_out), b.id, b.expires_at
from booking b
), conversation as (
-- Each guest's conversation about the listing, linked to their latest booking of it (the messaging trigger's work).
insert into public.conversations (property_id, guest_id, host_id, booking_id)
select distinct on (b.property_id, b.guest_id) b.property_id, b.guest_id, b.host_id, b.id
from booking b
order by b.property_id, b.guest_id, b.check_in desc
on conflict on constraint one_conversation_per_guest_and_listing do update set booking_id = excluded.booking_id
)
-- The host's notice of each payment hold (the notifications trigger's work).
select count(private.notify(b.host_id, 'booking_requested', b.id, null, private.booking_notice(row(b.*)::public.bookings, b.host_id)))
from booking b
where b.status = 'pending_payment';
drop table stay;

-- Host blocks in the gap at the end of a slot (days 26..28), through the normal path (their trigger claims).
insert into public.availability_blocks (property_id, start_date, end_date, note)
select p.id, current_date + 1 + 30 * (1 + (hashtext(p.id::text) & 3)) + 26, current_date + 1 + 30 * (1 + (hashtext(p.id::text) & 3)) + 29, 'bench'
from ${batchListings(from, to)}
where hashtext(p.id::text) % 20 = 0;
`;
}

/** Past stays per published listing: one, and a second (a year earlier) on every other listing. */
export const PAST_STAYS = 1.5;
/** Who reviews a past stay: guests of 85% of stays, hosts of 60% (about 1.45 reviews a stay, ~215,000 in all). */
export const GUEST_REVIEWS = 0.85;
export const HOST_REVIEWS = 0.6;

// One batch of reviewed past stays for the listings [from, to): completed bookings over the last two years (the
// most recent ended two days ago, so some reviews are still double-blind), their claims, and their reviews,
// published as submit_review and the job would have published them; 0.5% hidden by an admin. One statement of
// data-modifying CTEs writes them all from the batch's own rows (no table is scanned, so a batch costs the same at
// any size); the stays are priced once per stay's dates, like the bookings above. In load mode the reviews' row
// triggers are off: their states are inserted beside them, and their public projection is written by the reviews
// chapter's own private.project_reviews. The listings' rating columns stay as the listings step made them (a longer
// history than these stays).
export function reviews(from, to) {
  return `
select setseed(${(0.25 + from / LISTINGS / 4).toFixed(6)});
create temporary table past_stay as
  select p.id as property_id, p.host_id, p.cancellation_policy, p.time_zone,
         ('b0000000-0000-4000-8000-' || lpad((${HOSTS} + (random() * ${GUESTS - 1})::int)::text, 12, '0'))::uuid as guest_id,
         b.check_in, b.check_in + b.nights as check_out
  from ${batchListings(from, to)}
  cross join generate_series(0, 1) k
  cross join lateral (select current_date - 2 - 6 - k * 400 - (random() * 380)::int as check_in,
                             2 + (random() * 4)::int as nights, k as kk, p.id as pid) b
  where k = 0 or hashtext(p.id::text) % 2 = 0;
analyze past_stay;
create temporary table batch_review (id uuid);
with quote as materialized (
  select q.property_id, d.check_in, d.check_out, q.quote
  from (select check_in, check_out, array_agg(property_id) as ids from past_stay group by check_in, check_out) d
  cross join lateral private.price_stays(d.ids, d.check_in, d.check_out) q
), booking as (
insert into public.bookings (property_id, guest_id, host_id, check_in, check_out, guests, status, currency, nightly,
  accommodation_cents, discount_cents, cleaning_fee_cents, service_fee_cents, total_cents, host_fee_cents,
  host_payout_cents, cancellation_policy, time_zone, check_in_at, check_out_at, confirmed_at, created_at)
select s.property_id, s.guest_id, s.host_id, s.check_in, s.check_out, 1, 'completed', (q.quote).currency, (q.quote).nightly,
       (q.quote).accommodation_cents, (q.quote).discount_cents, (q.quote).cleaning_fee_cents, (q.quote).service_fee_cents,
       (q.quote).total_cents, (q.quote).host_fee_cents, (q.quote).host_payout_cents, s.cancellation_policy, s.time_zone,
       (s.check_in + time '15:00') at time zone s.time_zone, (s.check_out + time '11:00') at time zone s.time_zone,
       (s.check_in - 20 + time '12:00') at time zone s.time_zone, (s.check_in - 20 + time '12:00') at time zone s.time_zone
from past_stay s join quote q using (property_id, check_in, check_out)
returning *
), claim as (
insert into private.calendar_claims (property_id, nights, booking_id)
select b.property_id, daterange(b.check_in, b.check_out), b.id
from booking b
), stay as materialized (
  select b.*, random() < ${GUEST_REVIEWS} as guest_writes, random() < ${HOST_REVIEWS} as host_writes,
         private.review_window_closes_at(b.check_out_at, b.time_zone) as closes
  from booking b
), review as (
insert into public.reviews (booking_id, author_id, subject_id, property_id, direction, rating, comment, cleanliness,
  accuracy, communication, location, check_in, value, published_at, created_at)
select st.id, case when sd.direction = 'guest_to_host' then st.guest_id else st.host_id end,
       case when sd.direction = 'guest_to_host' then st.host_id else st.guest_id end,
       st.property_id, sd.direction, sd.rating,
       case when sd.direction = 'guest_to_host'
            then (array['Exactly as pictured, spotless and quiet.', 'Great location, the host answered within minutes.',
                        'Comfortable beds and a well-equipped kitchen.', 'A lovely stay; the street was a bit noisy at night.',
                        'Easy self check-in and thoughtful touches everywhere.'])[1 + (sd.roll * 5)::int % 5]
            else (array['A considerate guest who left the place tidy.', 'Great communication, welcome back any time.',
                        'Respectful of the house rules. Recommended.'])[1 + (sd.roll * 3)::int % 3]
       end,
       ${['cleanliness', 'accuracy', 'communication', 'location', 'check_in', 'value'].map((aspect, i) =>
         `case when sd.direction = 'guest_to_host' then greatest(1, least(5, sd.rating + (sd.roll * ${7 + i * 3})::int % 3 - 1)) end`).join(',\n       ')},
       case when st.guest_writes and st.host_writes then least(st.check_out_at + interval '3 days', now())
            when st.closes <= now() then st.closes end,
       least(st.check_out_at + sd.after, now())
from stay st
cross join lateral (
  select 'guest_to_host'::public.review_direction as direction, 3 + (random() * 2)::int as rating, random() as roll,
         interval '1 day' as after, st.id as sid
  where st.guest_writes
  union all
  select 'host_to_guest', 3 + (random() * 2)::int, random(), interval '2 days', st.id
  where st.host_writes
) sd
returning id, booking_id, created_at
), state as (
-- Their states, as the insert trigger would have opened them (the window frozen from the booking); a few hidden.
insert into private.review_states (review_id, window_closes_at, hidden_at, hidden_reason)
select r.id, st.closes,
       case when hashtext(r.id::text) % 200 = 0 then r.created_at + interval '1 day' end,
       case when hashtext(r.id::text) % 200 = 0 then 'bench: abusive' end
from review r join stay st on st.id = r.booking_id
)
insert into batch_review select id from review;
select private.project_reviews(array(select id from batch_review));
drop table past_stay, batch_review;
`;
}
