-- Seed for the local stack: dev users, and a marketplace that feels real (60 published listings in 12 cities
-- across time zones, with photos, amenities, seasonal rates and host blocks). Deterministic: the same seed gives
-- the same data. Users are created as Supabase Auth would create them: their profiles come from the trigger. Dev
-- users sign in with the password staybase-dev-1 (bcrypt, as Supabase Auth stores it); the admin still needs a TOTP
-- factor (or `npm run token -- admin@staybase.test --admin`) for admin powers.

insert into auth.users (id, instance_id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
select u.id::uuid, '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated', u.email,
       extensions.crypt('staybase-dev-1', extensions.gen_salt('bf')), now(),
       ('{"provider":"email","providers":["email"]}'::jsonb || u.app_metadata::jsonb),
       jsonb_build_object('display_name', u.display_name), now(), now()
from (values
  ('00000000-0000-4000-a000-000000000001', 'admin@staybase.test', 'Ada Admin', '{"role":"admin"}'),
  ('00000000-0000-4000-a000-000000000002', 'host.hana@staybase.test', 'Hana Host', '{}'),
  ('00000000-0000-4000-a000-000000000004', 'host.omar@staybase.test', 'Omar Host', '{}'),
  ('00000000-0000-4000-a000-000000000005', 'host.lucia@staybase.test', 'Lucía Host', '{}'),
  ('00000000-0000-4000-a000-000000000003', 'guest.gus@staybase.test', 'Gus Guest', '{}'),
  ('00000000-0000-4000-a000-000000000006', 'guest.mei@staybase.test', 'Mei Guest', '{}'),
  ('00000000-0000-4000-a000-000000000007', 'guest.tom@staybase.test', 'Tom Guest', '{}')
) as u(id, email, display_name, app_metadata)
on conflict (id) do nothing;

-- Sixty listings, placed (property_locations: the exact place only their host, admins and confirmed guests read; the
-- database derives each public point from it) and then published: a listing is published only once placed.
create temporary table seed_listings as
with cities(n, city, region, country_code, time_zone, currency, latitude, longitude, price) as (
  values
    (0, 'Auckland', 'Auckland', 'NZ', 'Pacific/Auckland', 'NZD', -36.8485, 174.7633, 18000),
    (1, 'Los Angeles', 'California', 'US', 'America/Los_Angeles', 'USD', 34.0522, -118.2437, 21000),
    (2, 'New York', 'New York', 'US', 'America/New_York', 'USD', 40.7128, -74.0060, 26000),
    (3, 'Lisbon', 'Lisboa', 'PT', 'Europe/Lisbon', 'EUR', 38.7223, -9.1393, 12000),
    (4, 'Paris', 'Île-de-France', 'FR', 'Europe/Paris', 'EUR', 48.8566, 2.3522, 19000),
    (5, 'London', 'England', 'GB', 'Europe/London', 'GBP', 51.5072, -0.1276, 17000),
    (6, 'Tokyo', 'Tokyo', 'JP', 'Asia/Tokyo', 'JPY', 35.6762, 139.6503, 18000),
    (7, 'Sydney', 'New South Wales', 'AU', 'Australia/Sydney', 'AUD', -33.8688, 151.2093, 22000),
    (8, 'Cape Town', 'Western Cape', 'ZA', 'Africa/Johannesburg', 'ZAR', -33.9249, 18.4241, 150000),
    (9, 'Mexico City', 'CDMX', 'MX', 'America/Mexico_City', 'MXN', 19.4326, -99.1332, 160000),
    (10, 'Reykjavík', 'Capital Region', 'IS', 'Atlantic/Reykjavik', 'ISK', 64.1466, -21.9426, 30000),
    (11, 'Queenstown', 'Otago', 'NZ', 'Pacific/Auckland', 'NZD', -45.0312, 168.6626, 24000)
),
kinds(k, property_type, noun, guests, bedrooms) as (
  values (0, 'apartment'::public.property_type, 'Sunny apartment', 3, 1), (1, 'house', 'Family house', 6, 3),
         (2, 'cabin', 'Quiet cabin', 4, 2), (3, 'loft', 'Design loft', 2, 1), (4, 'room', 'Private room', 1, 1)
)
select c.*, k.*, ('10000000-0000-4000-a000-' || lpad((c.n * 5 + k.k)::text, 12, '0'))::uuid as id
from cities c cross join kinds k;

insert into public.properties (id, host_id, title, description, property_type, status, city, region, country_code,
  time_zone, max_guests, bedrooms, beds, bathrooms, nightly_price_cents, currency, cleaning_fee_cents,
  weekly_discount_pct, monthly_discount_pct, min_nights, max_nights, instant_book, cancellation_policy)
select
  s.id,
  (array['00000000-0000-4000-a000-000000000002', '00000000-0000-4000-a000-000000000004',
         '00000000-0000-4000-a000-000000000005'])[1 + (s.n + s.k) % 3]::uuid,
  s.noun || ' in ' || s.city,
  'A ' || lower(s.noun) || ' in ' || s.city || ', close to cafés, parks and transport. Fast Wi-Fi, fresh linen, and a host who answers.',
  s.property_type, 'draft', s.city, s.region, s.country_code, s.time_zone,
  s.guests, s.bedrooms, s.bedrooms + 1, 1 + (s.k % 2) * 0.5,
  s.price * (4 + s.k) / 5, s.currency, s.price / 4, 10, 25, 1 + s.k % 3, 90,
  s.k % 2 = 0, (array['flexible', 'moderate', 'strict']::public.cancellation_policy[])[1 + (s.n + s.k) % 3]
from seed_listings s
on conflict (id) do nothing;

insert into public.property_locations (property_id, address_line, latitude, longitude)
select s.id, (10 + s.k * 7) || ' Example Street',
       s.latitude + (s.k - 2) * 0.011, s.longitude + ((s.n + s.k) % 5 - 2) * 0.013
from seed_listings s
on conflict (property_id) do nothing;

update public.properties p set status = 'published'
where p.id in (select s.id from seed_listings s) and p.status = 'draft';
drop table seed_listings;

-- Three photos per listing, as rows and as the Storage objects they name: <listing>/<v4 uuid>.jpg as a host's upload
-- names them (here derived from the listing and position, so that seeding twice adds nothing).
insert into public.property_photos (property_id, storage_path, position, caption)
select p.id,
       p.id || '/' || substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-8' || substr(h, 18, 3)
         || '-' || substr(h, 21, 12) || '.jpg',
       i, (array['Living room', 'Bedroom', 'View'])[i + 1]
from public.properties p cross join generate_series(0, 2) i
cross join lateral (select md5(p.id::text || '/photo-' || i) as h) d
on conflict (storage_path) do nothing;

insert into storage.objects (bucket_id, name, owner, metadata)
select 'property-photos', ph.storage_path, p.host_id, '{"mimetype": "image/jpeg", "size": 245760}'
from public.property_photos ph join public.properties p on p.id = ph.property_id
on conflict (bucket_id, name) do nothing;

-- Amenities: every listing has wifi and smoke alarms; the rest vary deterministically.
insert into public.property_amenities (property_id, amenity_code)
select p.id, a.code
from public.properties p cross join public.amenities a
where a.code in ('wifi', 'smoke_alarm')
   or abs(hashtext(p.id::text || a.code)) % 3 = 0
on conflict do nothing;

-- A high-season rate for every third listing, and a host block on every fourth, in the coming months.
insert into public.seasonal_rates (property_id, start_date, end_date, nightly_price_cents, label)
select p.id, date_trunc('month', now())::date + 60, date_trunc('month', now())::date + 90,
       p.nightly_price_cents * 3 / 2, 'High season'
from public.properties p
where p.status = 'published' and get_byte(uuid_send(p.id), 15) % 3 = 0
  and not exists (select 1 from public.seasonal_rates r where r.property_id = p.id);

insert into public.availability_blocks (property_id, start_date, end_date, note)
select p.id, current_date + 20, current_date + 24, 'Owner stay'
from public.properties p
where p.status = 'published' and get_byte(uuid_send(p.id), 15) % 4 = 0
  and not exists (select 1 from public.availability_blocks b where b.property_id = p.id);

-- Reviewed stays, so the local stack shows ratings: up to three past stays per listing by the seeded guests,
-- inserted as completed bookings (past dates cannot be requested), priced like request_booking prices them. The
-- most recent stay ended three days ago: on some listings only the guest has reviewed it yet, so its review is
-- still double-blind (unpublished). Older stays have both reviews, or only the guest's, published when the window
-- closed. The aggregates are then rebuilt from scratch.
with listing as (
  select p, ('x' || right(p.id::text, 8))::bit(32)::integer as n
  from public.properties p
  where p.id::text like '10000000-0000-4000-a000-%' and p.status = 'published'
), stay as (
  select l.p, l.n, s,
         ('20000000-0000-4000-a000-' || lpad((l.n * 10 + s)::text, 12, '0'))::uuid as id,
         (array['00000000-0000-4000-a000-000000000003', '00000000-0000-4000-a000-000000000006',
                '00000000-0000-4000-a000-000000000007'])[1 + (l.n + s) % 3]::uuid as guest_id,
         case when s = 0 then current_date - 5 else current_date - 30 * s - 10 end as check_in,
         case when s = 0 then current_date - 3 else current_date - 30 * s - 10 + 2 + s end as check_out
  from listing l cross join generate_series(0, 2) s
  where s < 1 + l.n % 3
), priced as (
  select st.*, private.price_stay(st.p, st.check_in, st.check_out) as q from stay st
)
insert into public.bookings (id, property_id, guest_id, host_id, check_in, check_out, guests, status, currency, nightly,
  accommodation_cents, discount_cents, cleaning_fee_cents, service_fee_cents, total_cents, host_fee_cents,
  host_payout_cents, cancellation_policy, time_zone, check_in_at, check_out_at, confirmed_at, created_at)
select pr.id, (pr.p).id, pr.guest_id, (pr.p).host_id, pr.check_in, pr.check_out, 1, 'completed', (pr.q).currency,
       (pr.q).nightly, (pr.q).accommodation_cents, (pr.q).discount_cents, (pr.q).cleaning_fee_cents,
       (pr.q).service_fee_cents, (pr.q).total_cents, (pr.q).host_fee_cents, (pr.q).host_payout_cents,
       (pr.p).cancellation_policy, (pr.p).time_zone,
       (pr.check_in + (pr.p).check_in_time) at time zone (pr.p).time_zone,
       (pr.check_out + (pr.p).check_out_time) at time zone (pr.p).time_zone,
       (pr.check_in - 20)::timestamp at time zone (pr.p).time_zone,
       (pr.check_in - 20)::timestamp at time zone (pr.p).time_zone
from priced pr
on conflict (id) do nothing;

with stay as (
  select b.*, abs(hashtext(b.id::text)) as h,
         right(b.id::text, 1)::integer as s,
         private.review_window_closes_at(b.check_out_at, b.time_zone) as closes
  from public.bookings b
  where b.id::text like '20000000-0000-4000-a000-%' and b.status = 'completed'
), side as (
  select st.*, 'guest_to_host'::public.review_direction as direction, st.guest_id as author_id, st.host_id as subject_id,
         3 + st.h % 3 as rating, st.check_out_at + interval '1 day' as written_at
  from stay st
  union all
  -- Hosts review most stays; on a few the guest's review waits for them (recent) or was published alone (old).
  select st.*, 'host_to_guest', st.host_id, st.guest_id, 4 + st.h % 2, st.check_out_at + interval '2 days'
  from stay st
  where st.h % 5 <> 0
)
insert into public.reviews (booking_id, author_id, subject_id, property_id, direction, rating, comment, cleanliness,
  accuracy, communication, location, check_in, value, published_at, created_at)
select sd.id, sd.author_id, sd.subject_id, sd.property_id, sd.direction, sd.rating,
       case when sd.direction = 'guest_to_host'
            then (array['Exactly as pictured, spotless and quiet.', 'Great location, the host answered within minutes.',
                        'Comfortable beds and a well-equipped kitchen.', 'A lovely stay; the street was a bit noisy at night.',
                        'Easy self check-in and thoughtful touches everywhere.'])[1 + sd.h % 5]
            else (array['A considerate guest who left the place tidy.', 'Great communication, welcome back any time.',
                        'Respectful of the house rules. Recommended.'])[1 + sd.h % 3]
       end,
       case when sd.direction = 'guest_to_host' then greatest(1, least(5, sd.rating + (sd.h / 3) % 3 - 1)) end,
       case when sd.direction = 'guest_to_host' then greatest(1, least(5, sd.rating + (sd.h / 9) % 2)) end,
       case when sd.direction = 'guest_to_host' then greatest(1, least(5, sd.rating + (sd.h / 27) % 3 - 1)) end,
       case when sd.direction = 'guest_to_host' then greatest(1, least(5, sd.rating + (sd.h / 81) % 2)) end,
       case when sd.direction = 'guest_to_host' then greatest(1, least(5, sd.rating + (sd.h / 243) % 3 - 1)) end,
       case when sd.direction = 'guest_to_host' then greatest(1, least(5, sd.rating - (sd.h / 729) % 2)) end,
       case
         when sd.h % 5 <> 0 then sd.check_out_at + interval '2 days'   -- both reviewed: published with the second
         when sd.closes <= now() then sd.closes                          -- one side: published when the window closed
       end,
       sd.written_at
from side sd
on conflict on constraint one_review_per_side do nothing;

select private.recompute_review_aggregates();
