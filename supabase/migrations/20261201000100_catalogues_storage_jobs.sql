-- Data the schemas need on every database: catalogues, the Storage bucket, job schedules, and pg_graphql where it
-- exists. Hand-written (supabase/schemas/ holds the structure; a schema diff does not carry rows). Idempotent.

-- Catalogues -----------------------------------------------------------------------------------------------------

insert into public.currencies (code, minor_units, name) values
  ('USD', 2, 'US dollar'), ('EUR', 2, 'Euro'), ('GBP', 2, 'Pound sterling'), ('JPY', 0, 'Japanese yen'),
  ('AUD', 2, 'Australian dollar'), ('NZD', 2, 'New Zealand dollar'), ('CAD', 2, 'Canadian dollar'),
  ('CHF', 2, 'Swiss franc'), ('SEK', 2, 'Swedish krona'), ('NOK', 2, 'Norwegian krone'), ('DKK', 2, 'Danish krone'),
  ('MXN', 2, 'Mexican peso'), ('BRL', 2, 'Brazilian real'), ('ZAR', 2, 'South African rand'),
  ('SGD', 2, 'Singapore dollar'), ('HKD', 2, 'Hong Kong dollar'), ('KRW', 0, 'South Korean won'),
  ('INR', 2, 'Indian rupee'), ('THB', 2, 'Thai baht'), ('ISK', 0, 'Icelandic krona'), ('AED', 2, 'UAE dirham'),
  ('PLN', 2, 'Polish zloty'), ('CZK', 2, 'Czech koruna'), ('TRY', 2, 'Turkish lira')
on conflict (code) do nothing;

insert into public.amenities (code, label, category) values
  ('wifi', 'Wi-Fi', 'essentials'), ('kitchen', 'Kitchen', 'essentials'), ('washer', 'Washer', 'essentials'),
  ('dryer', 'Dryer', 'essentials'), ('heating', 'Heating', 'essentials'),
  ('air_conditioning', 'Air conditioning', 'essentials'), ('workspace', 'Dedicated workspace', 'essentials'),
  ('tv', 'TV', 'entertainment'), ('free_parking', 'Free parking on premises', 'parking'),
  ('ev_charger', 'EV charger', 'parking'), ('pool', 'Pool', 'outdoors'), ('hot_tub', 'Hot tub', 'outdoors'),
  ('bbq_grill', 'BBQ grill', 'outdoors'), ('beach_access', 'Beach access', 'outdoors'),
  ('fireplace', 'Indoor fireplace', 'comfort'), ('gym', 'Gym', 'comfort'), ('crib', 'Crib', 'family'),
  ('pets_allowed', 'Pets allowed', 'policies'), ('self_check_in', 'Self check-in', 'policies'),
  ('smoke_alarm', 'Smoke alarm', 'safety')
on conflict (code) do nothing;

-- The IANA time zones this server knows, copied once from pg_timezone_names (which reads the zone files on every
-- query: far too slow to consult on every write). A foreign key checks a listing's zone only when it changes.
insert into private.time_zones (name)
select name from pg_catalog.pg_timezone_names
on conflict do nothing;

-- Storage --------------------------------------------------------------------------------------------------------

-- Listing photos (policies in supabase/schemas/listings.sql).
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('property-photos', 'property-photos', true, 10485760, array['image/jpeg', 'image/png', 'image/webp'])
on conflict (id) do nothing;

-- Jobs -----------------------------------------------------------------------------------------------------------

-- Scheduled with pg_cron where it exists (Supabase, a server with pg_cron preloaded); private.schedule_job records
-- them either way. Correctness never waits for them: availability ignores stale holds, reviews turn public at
-- their deadline on the read path, and the payments worker enqueues due payouts itself.
select private.schedule_job('expire-stale-holds', '* * * * *', 'select private.expire_stale_holds()');
select private.schedule_job('complete-finished-stays', '*/10 * * * *', 'select private.complete_finished_stays()');
select private.schedule_job('publish-due-reviews', '* * * * *', 'select private.publish_due_reviews()');
select private.schedule_job('enqueue-due-payouts', '*/10 * * * *', 'select private.enqueue_due_payouts()');
select private.schedule_job('prune-stripe-events', '17 3 * * *', 'select private.prune_stripe_events()');
select private.schedule_job('prune-outbox', '27 3 * * *', 'select private.prune_outbox()');

-- GraphQL --------------------------------------------------------------------------------------------------------

-- Supabase serves /graphql/v1 with pg_graphql (installed on hosted projects); where the server offers it, make sure it
-- is there. The schema carries its directives (supabase/schemas/platform.sql).
do $$
begin
  if exists (select from pg_catalog.pg_available_extensions where name = 'pg_graphql') then
    create extension if not exists pg_graphql;
  end if;
end
$$;
