-- Listings under row-level security: who may read and write properties, photos (rows and Storage objects),
-- amenities, blocks, seasonal rates and the catalogues, and the named errors bad input gets.
--
-- Roles: anon; gia, a plain member (guest); otto, another host; hana, the owner host; ari, an admin
-- (app_metadata.role = admin); the service role. Each request is a transaction-local role and JWT claims, as
-- PostgREST sets them (tests.act_as*). The fixture listings are named loft, draft, archived and cabin
-- (tests.property). Denied reads assert what is hidden; denied writes assert the SQLSTATE (privileges, policies on
-- new rows, constraints), the SQLSTATE and hint of a refusal the schema raises (tests.refuses), or, when row-level
-- security filters the rows out, that no row was touched.
begin;
set local search_path = extensions, public;
select plan(270);

-- Fixtures ------------------------------------------------------------------------------------------------------
select tests.create_user('gia');
select tests.create_user('otto');
select tests.create_user('hana');
select tests.create_admin('ari');

-- hana's loft, draft and archived listing; otto's cabin.
select tests.create_property(tests.user('hana'), 'Harbour Loft', 'Pacific/Auckland', nightly_price_cents => 20000,
                             max_guests => 2, city => 'Auckland', handle => 'loft');
select tests.create_property(tests.user('hana'), 'Hidden Draft', 'Pacific/Auckland', nightly_price_cents => 15000,
                             status => 'draft', city => 'Auckland', handle => 'draft');
select tests.create_property(tests.user('hana'), 'Old Archive', 'Pacific/Auckland', nightly_price_cents => 12000,
                             status => 'archived', city => 'Auckland', handle => 'archived');
select tests.create_property(tests.user('otto'), 'Otto Cabin', 'America/Los_Angeles', nightly_price_cents => 18000,
                             currency => 'USD', city => 'Los Angeles', country_code => 'US', latitude => 34.05,
                             longitude => -118.24, handle => 'cabin');
insert into public.property_photos (property_id, storage_path, position)
values (tests.property('loft'), tests.photo('loft', 'cover'), 0),
       (tests.property('draft'), tests.photo('draft', 'cover'), 0);
insert into public.property_amenities (property_id, amenity_code)
values (tests.property('loft'), 'wifi'), (tests.property('draft'), 'kitchen');
insert into public.availability_blocks (property_id, start_date, end_date, note)
values (tests.property('loft'), '2031-03-01', '2031-03-04', 'painting'),
       (tests.property('draft'), '2031-03-01', '2031-03-04', 'painting');
insert into public.seasonal_rates (property_id, start_date, end_date, nightly_price_cents, label)
values (tests.property('loft'), '2031-12-20', '2032-01-05', 30000, 'summer holidays'),
       (tests.property('draft'), '2031-12-20', '2032-01-05', 25000, 'summer holidays');
insert into storage.objects (bucket_id, name)
values ('property-photos', tests.photo('loft', 'cover')),
       ('property-photos', tests.photo('draft', 'cover')),
       ('property-photos', tests.photo('archived', 'cover'));

-- What a caller sees of the four fixture listings, by handle.
create function pg_temp.visible_listings() returns text[]
language sql stable
as $$
  select coalesce(array_agg(f.handle order by f.handle), '{}')
  from public.properties p join tests.named('property') f on f.id = p.id
$$;

-- Catalogues: currencies and amenities -------------------------------------------------------------------------
-- Tries to add, change and remove a row of a catalogue as the current role; the SQLSTATE of each, or ok.
create function pg_temp.catalogue_writes(catalogue text) returns text[]
language plpgsql
as $$
declare
  statement text;
  outcomes text[] := '{}';
begin
  foreach statement in array case catalogue
    when 'currencies' then array[
      $q$ insert into public.currencies (code, minor_units, name) values ('XTS', 2, 'Test currency') $q$,
      $q$ update public.currencies set name = 'Testing currency' where code in ('XTS', 'USD') and name <> 'US dollar' $q$,
      $q$ delete from public.currencies where code = 'XTS' $q$]
    else array[
      $q$ insert into public.amenities (code, label, category) values ('moat', 'Moat', 'outdoors') $q$,
      $q$ update public.amenities set label = 'Castle moat' where code in ('moat', 'wifi') and label <> 'Wi-Fi' $q$,
      $q$ delete from public.amenities where code = 'moat' $q$]
  end
  loop
    begin
      execute statement;
      outcomes := outcomes || 'ok'::text;
    exception when others then
      outcomes := outcomes || sqlstate::text;
    end;
  end loop;
  return outcomes;
end
$$;
create function pg_temp.reads_catalogues() returns boolean
language sql stable
as $$
  select (select count(*) from public.currencies where code in ('USD', 'NZD', 'JPY')) = 3
     and (select count(*) from public.amenities where code in ('wifi', 'kitchen', 'pool')) = 3
$$;

select tests.act_as_anon();
select ok(pg_temp.reads_catalogues(), 'anon reads the currency and amenity catalogues');
select is((select minor_units from public.currencies where code = 'JPY'), 0::smallint,
  'the catalogue says how many decimals a currency has (JPY has none)');
select is(pg_temp.catalogue_writes('currencies'), array['42501', '42501', '42501'], 'anon cannot add, change or remove a currency');
select is(pg_temp.catalogue_writes('amenities'), array['42501', '42501', '42501'], 'anon cannot add, change or remove an amenity');

select tests.act_as(tests.user('gia'));
select ok(pg_temp.reads_catalogues(), 'a guest reads the currency and amenity catalogues');
select is(pg_temp.catalogue_writes('currencies'), array['42501', '42501', '42501'], 'a guest cannot add, change or remove a currency');
select is(pg_temp.catalogue_writes('amenities'), array['42501', '42501', '42501'], 'a guest cannot add, change or remove an amenity');

select tests.act_as(tests.user('otto'));
select ok(pg_temp.reads_catalogues(), 'a host reads the currency and amenity catalogues');
select is(pg_temp.catalogue_writes('currencies'), array['42501', '42501', '42501'], 'a host cannot add, change or remove a currency');
select is(pg_temp.catalogue_writes('amenities'), array['42501', '42501', '42501'], 'a host cannot add, change or remove an amenity');

select tests.act_as(tests.user('hana'));
select ok(pg_temp.reads_catalogues(), 'the owner host reads the currency and amenity catalogues');
select is(pg_temp.catalogue_writes('currencies'), array['42501', '42501', '42501'],
  'owning listings gives no right to add, change or remove a currency');
select is(pg_temp.catalogue_writes('amenities'), array['42501', '42501', '42501'],
  'owning listings gives no right to add, change or remove an amenity');

select tests.act_as(tests.user('ari'), aal => 'aal2');
select ok(pg_temp.reads_catalogues(), 'an admin reads the currency and amenity catalogues');
select is(pg_temp.catalogue_writes('currencies'), array['42501', '42501', '42501'],
  'an admin cannot add, change or remove a currency through the API either');
select is(pg_temp.catalogue_writes('amenities'), array['42501', '42501', '42501'],
  'an admin cannot add, change or remove an amenity through the API either');

select tests.act_as_service();
select ok(pg_temp.reads_catalogues(), 'the service role reads the catalogues');
select is(pg_temp.catalogue_writes('currencies'), array['ok', 'ok', 'ok'], 'the service role maintains the currency catalogue');
select is(pg_temp.catalogue_writes('amenities'), array['ok', 'ok', 'ok'], 'the service role maintains the amenity catalogue');
select tests.act_as_owner();
select is((select (c.name, a.label)::text from public.currencies c, public.amenities a where c.code = 'USD' and a.code = 'wifi'),
  ('US dollar', 'Wi-Fi')::text, 'the catalogues are unchanged after every client''s attempt');

-- Properties: select --------------------------------------------------------------------------------------------
select tests.act_as_anon();
select is(pg_temp.visible_listings(), array['cabin', 'loft'],
  'anon sees published listings only, not drafts or archived ones');
select tests.act_as(tests.user('gia'));
select is(pg_temp.visible_listings(), array['cabin', 'loft'],
  'a guest sees published listings only, not drafts or archived ones');
select tests.act_as(tests.user('otto'));
select is(pg_temp.visible_listings(), array['cabin', 'loft'],
  'another host sees their own and published listings, not someone else''s drafts or archived ones');
select tests.act_as(tests.user('hana'));
select is(pg_temp.visible_listings(), array['archived', 'cabin', 'draft', 'loft'],
  'a host sees their own drafts and archived listings');
select tests.act_as(tests.user('ari'), aal => 'aal2');
select is(pg_temp.visible_listings(), array['archived', 'cabin', 'draft', 'loft'],
  'an admin sees every listing, drafts and archived ones included');
select tests.act_as_service();
select is(pg_temp.visible_listings(), array['archived', 'cabin', 'draft', 'loft'],
  'the service role sees every listing');

-- Properties: insert --------------------------------------------------------------------------------------------
select tests.act_as_anon();
select throws_ok($$ insert into public.properties (title, city, country_code, time_zone,
                      nightly_price_cents, currency)
                    values ('Anon Shack', 'Auckland', 'NZ', 'Pacific/Auckland', 9000, 'NZD') $$,
  '42501', null, 'anon cannot create a listing');

select tests.act_as(tests.user('gia'));
select lives_ok($$ insert into public.properties (title, city, country_code, time_zone,
                     nightly_price_cents, currency)
                   values ('Gia Spare Room', 'Wellington', 'NZ', 'Pacific/Auckland', 8000, 'NZD') $$,
  'any member may become a host by creating a listing');
select is((select host_id from public.properties where title = 'Gia Spare Room'), tests.user('gia'),
  'a new listing''s host_id defaults to the caller');
select is((select status::text from public.properties where title = 'Gia Spare Room'), 'draft',
  'a new listing is a draft unless the host says otherwise');

select tests.act_as(tests.user('hana'));
select tests.refuses($$ insert into public.properties (title, status, city, country_code, time_zone,
                          nightly_price_cents, currency, max_guests, cleaning_fee_cents)
                        values ('Hana Bach', 'published', 'Raglan', 'NZ', 'Pacific/Auckland', 17500, 'NZD', 6, 4000) $$,
  'PT409', 'location_required', 'a listing cannot be created published: it has no location yet');
select lives_ok($$ insert into public.properties (title, city, country_code, time_zone,
                     nightly_price_cents, currency, max_guests, cleaning_fee_cents)
                   values ('Hana Bach', 'Raglan', 'NZ', 'Pacific/Auckland', 17500, 'NZD', 6, 4000) $$,
  'a host creates a listing as a draft, to place and then publish it');
select is((select (host_id, rating_avg, rating_count)::text from public.properties where title = 'Hana Bach'),
  (tests.user('hana'), null, 0)::text,
  'a new listing belongs to its creator and starts without ratings');
select throws_ok(format($$ insert into public.properties (host_id, title, city, country_code,
                             time_zone, nightly_price_cents, currency)
                           values (%L, 'Forged', 'Auckland', 'NZ', 'Pacific/Auckland', 9000, 'NZD') $$,
                        tests.user('otto')),
  '42501', 'new row violates row-level security policy for table "properties"',
  'a host cannot create a listing in another member''s name (host_id cannot be forged)');
select throws_ok($$ insert into public.properties (title, city, country_code, time_zone,
                      nightly_price_cents, currency, rating_avg, rating_count)
                    values ('Five Stars', 'Auckland', 'NZ', 'Pacific/Auckland', 9000, 'NZD', 5, 100) $$,
  '42501', null, 'a host cannot create a listing with ratings');
select throws_ok($$ insert into public.properties (title, city, country_code, time_zone,
                      nightly_price_cents, currency, created_at)
                    values ('Backdated', 'Auckland', 'NZ', 'Pacific/Auckland', 9000, 'NZD', '2001-01-01') $$,
  '42501', null, 'a host cannot choose created_at');

select tests.act_as(tests.user('ari'), aal => 'aal2');
select throws_ok(format($$ insert into public.properties (host_id, title, city, country_code,
                             time_zone, nightly_price_cents, currency)
                           values (%L, 'Admin Plant', 'Auckland', 'NZ', 'Pacific/Auckland', 9000, 'NZD') $$,
                        tests.user('hana')),
  '42501', 'new row violates row-level security policy for table "properties"',
  'an admin cannot create a listing in a host''s name either');

select tests.act_as_service();
select lives_ok(format($$ insert into public.properties (host_id, title, city, country_code,
                            time_zone, nightly_price_cents, currency)
                          values (%L, 'Imported Flat', 'Auckland', 'NZ', 'Pacific/Auckland', 9000, 'NZD') $$,
                       tests.user('otto')),
  'the service role may create a listing for a named host (imports, support)');

-- Properties: update --------------------------------------------------------------------------------------------
select tests.act_as_anon();
select throws_ok(format($$ update public.properties set title = 'Anon was here' where id = %L $$, tests.property('loft')),
  '42501', null, 'anon cannot update listings');

select tests.act_as(tests.user('gia'));
with changed as (update public.properties set title = 'Gia was here' where id = tests.property('loft') returning 1)
select is(count(*)::int, 0, 'a guest cannot update someone else''s listing (no row is visible to the update)') from changed;

select tests.act_as(tests.user('otto'));
with changed as (update public.properties set nightly_price_cents = 1 where id in (tests.property('loft'), tests.property('draft')) returning 1)
select is(count(*)::int, 0, 'another host cannot update someone else''s listings, published or draft') from changed;

select tests.act_as(tests.user('hana'));
with changed as (update public.properties set title = 'Harbour Loft with View', max_guests = 4
                 where id = tests.property('loft') returning title, max_guests)
select is((select (title, max_guests)::text from changed), ('Harbour Loft with View', 4)::text,
  'a host edits their own listing');
select ok((select updated_at >= created_at from public.properties where id = tests.property('loft')),
  'updated_at is kept by the database on every edit');
select throws_ok(format($$ update public.properties set host_id = %L where id = %L $$, tests.user('otto'), tests.property('loft')),
  '42501', null, 'a host cannot hand their listing to someone else (host_id cannot be changed)');
select throws_ok(format($$ update public.properties set rating_avg = 5.00 where id = %L $$, tests.property('loft')),
  '42501', null, 'a host cannot write rating_avg');
select throws_ok(format($$ update public.properties set rating_count = 999 where id = %L $$, tests.property('loft')),
  '42501', null, 'a host cannot write rating_count');
select throws_ok(format($$ update public.properties set id = gen_random_uuid() where id = %L $$, tests.property('loft')),
  '42501', null, 'a host cannot change a listing''s id');
select throws_ok(format($$ update public.properties set updated_at = '2001-01-01' where id = %L $$, tests.property('loft')),
  '42501', null, 'a host cannot rewrite updated_at');
with changed as (update public.properties set status = 'published' where id = tests.property('archived') returning status)
select is((select status::text from changed), 'published', 'a host may republish their archived listing');
with changed as (update public.properties set status = 'archived' where id = tests.property('archived') returning status)
select is((select status::text from changed), 'archived', 'a host archives their own listing');

select tests.act_as(tests.user('ari'));
select tests.refuses(format($$ update public.properties set status = 'archived' where id = %L $$, tests.property('cabin')),
  '42501', 'mfa_required', 'an admin whose session has no second factor (aal1) cannot archive another host''s listing');
select tests.act_as(tests.user('ari'), aal => 'aal2');
select tests.refuses(format($$ update public.properties set status = 'archived' where id = %L $$, tests.property('cabin')),
  '22023', 'moderation_reason_required', 'an admin archives another host''s listing only with a reason the host can read',
  message => 'say why the listing is archived: the host reads the reason');
select tests.refuses(format($$ update public.properties set status = 'archived', moderation_reason = e' \u200b\n ' where id = %L $$,
                            tests.property('cabin')),
  '22023', 'moderation_reason_required', 'a reason of white space and zero-width characters is no reason');
with changed as (update public.properties set status = 'archived', moderation_reason = '  Photos show another place. '
                  where id = tests.property('cabin') returning status, host_id, title, moderation_reason)
select is((select (status, host_id, title, moderation_reason)::text from changed),
  ('archived', tests.user('otto'), 'Otto Cabin', 'Photos show another place.')::text,
  'an admin archives another host''s listing with a reason (stored trimmed), and nothing else changes');
select tests.refuses(format($$ update public.properties set status = 'published' where id = %L $$, tests.property('cabin')),
  '42501', 'not_listing_host', 'an admin cannot republish another host''s listing',
  message => 'only the host may change this listing; an admin may only archive it');
select tests.refuses(format($$ update public.properties set status = 'draft' where id = %L $$, tests.property('loft')),
  '42501', 'not_listing_host', 'an admin cannot move another host''s listing back to draft',
  message => 'only the host may change this listing; an admin may only archive it');
select tests.refuses(format($$ update public.properties set title = 'Renamed by admin' where id = %L $$, tests.property('loft')),
  '42501', 'not_listing_host', 'an admin cannot change the title of another host''s listing',
  message => 'only the host may change this listing; an admin may only archive it');
select tests.refuses(format($$ update public.properties set status = 'archived', nightly_price_cents = 1 where id = %L $$, tests.property('loft')),
  '42501', 'not_listing_host', 'an admin cannot slip another change into an archive',
  message => 'only the host may change this listing; an admin may only archive it');
select throws_ok(format($$ update public.properties set rating_count = 0 where id = %L $$, tests.property('loft')),
  '42501', null, 'an admin cannot write the rating columns');
select throws_ok(format($$ update public.properties set host_id = %L where id = %L $$, tests.user('ari'), tests.property('loft')),
  '42501', null, 'an admin cannot take over a listing');

-- An admin's archive is a moderation lock: the host reads why, and cannot undo it.
select tests.act_as(tests.user('otto'));
select is((select moderation_reason from public.properties where id = tests.property('cabin')), 'Photos show another place.',
  'the host reads why an admin archived their listing');
select tests.refuses(format($$ update public.properties set status = 'published' where id = %L $$, tests.property('cabin')),
  'PT409', 'listing_under_moderation', 'the host cannot republish a listing an admin archived',
  message => 'an admin archived this listing (Photos show another place.): only an admin lifts the lock');
select tests.refuses(format($$ update public.properties set status = 'draft' where id = %L $$, tests.property('cabin')),
  'PT409', 'listing_under_moderation', 'the host cannot move a listing an admin archived back to draft');
select tests.refuses(format($$ update public.properties set moderation_reason = null, status = 'published' where id = %L $$,
                            tests.property('cabin')),
  '42501', 'not_admin', 'the host cannot lift the lock', message => 'only an admin sets or lifts a moderation lock');
select tests.refuses(format($$ update public.properties set moderation_reason = 'All good now' where id = %L $$,
                            tests.property('cabin')),
  '42501', 'not_admin', 'the host cannot rewrite the admin''s reason');
select lives_ok(format($$ update public.properties set description = 'New photos are coming.' where id = %L $$, tests.property('cabin')),
  'the host still edits the listing while it is locked (to fix what the admin asked)');
select tests.act_as(tests.user('ari'), aal => 'aal2');
select tests.refuses(format($$ update public.properties set moderation_reason = null, status = 'published' where id = %L $$,
                            tests.property('cabin')),
  '42501', 'not_listing_host', 'an admin lifts the lock but does not publish another host''s listing');
with changed as (update public.properties set moderation_reason = null where id = tests.property('cabin')
                 returning status, moderation_reason)
select is((select (status, moderation_reason)::text from changed), ('archived', null)::text,
  'an admin lifts the lock; the listing stays archived');
select tests.act_as(tests.user('otto'));
with changed as (update public.properties set status = 'published' where id = tests.property('cabin') returning status)
select is((select status::text from changed), 'published', 'once the lock is lifted, the host publishes again');
select tests.act_as(tests.user('ari'), aal => 'aal2');
select lives_ok(format($$ update public.properties set status = 'archived', moderation_reason = 'Under review' where id = %L $$,
                       tests.property('cabin')),
  'an admin may lock the listing again');

select tests.act_as_service();
with changed as (update public.properties set status = 'published', moderation_reason = null where id = tests.property('cabin')
                 returning status)
select is((select status::text from changed), 'published', 'the service role may change any listing (support restores the cabin)');

select tests.act_as_owner();
select is((select (title, status, nightly_price_cents, host_id)::text from public.properties where id = tests.property('loft')),
  ('Harbour Loft with View', 'published', 20000, tests.user('hana'))::text,
  'after every refused update the loft holds only its host''s edits');
select is((select (status, nightly_price_cents)::text from public.properties where id = tests.property('draft')),
  ('draft', 15000)::text, 'after every refused update the draft is untouched');

-- Properties: delete --------------------------------------------------------------------------------------------
select tests.act_as_anon();
select throws_ok(format($$ delete from public.properties where id = %L $$, tests.property('loft')),
  '42501', null, 'anon cannot delete listings');
select tests.act_as(tests.user('gia'));
with gone as (delete from public.properties where id = tests.property('loft') returning 1)
select is(count(*)::int, 0, 'a guest cannot delete a listing') from gone;
select tests.act_as(tests.user('otto'));
with gone as (delete from public.properties where id in (tests.property('loft'), tests.property('draft')) returning 1)
select is(count(*)::int, 0, 'another host cannot delete someone else''s listings') from gone;
select tests.act_as(tests.user('ari'), aal => 'aal2');
with gone as (delete from public.properties where id = tests.property('loft') returning 1)
select is(count(*)::int, 0, 'an admin cannot delete a host''s listing (archive it instead)') from gone;
select tests.act_as(tests.user('hana'));
with gone as (delete from public.properties where title = 'Hana Bach' returning 1)
select is(count(*)::int, 1, 'a host deletes their own listing') from gone;
select tests.act_as_service();
with gone as (delete from public.properties where title = 'Imported Flat' returning 1)
select is(count(*)::int, 1, 'the service role may delete a listing') from gone;
select tests.act_as_owner();
select is((select count(*)::int from public.properties where id in (select id from tests.named('property'))), 4,
  'every fixture listing survived the refused deletes');

-- Bad input: named constraints ------------------------------------------------------------------------------------
select tests.act_as(tests.user('hana'));
select throws_ok(format($$ update public.properties set nightly_price_cents = 0 where id = %L $$, tests.property('loft')),
  '23514', 'new row for relation "properties" violates check constraint "nightly_price_positive"',
  'a nightly price of zero is refused by nightly_price_positive');
select throws_ok($$ insert into public.properties (title, city, country_code, time_zone,
                      nightly_price_cents, currency)
                    values ('Pay to Stay', 'Auckland', 'NZ', 'Pacific/Auckland', -100, 'NZD') $$,
  '23514', 'new row for relation "properties" violates check constraint "nightly_price_positive"',
  'a negative nightly price is refused by nightly_price_positive');
select throws_ok(format($$ update public.properties set cleaning_fee_cents = -1 where id = %L $$, tests.property('loft')),
  '23514', 'new row for relation "properties" violates check constraint "cleaning_fee_not_negative"',
  'a negative cleaning fee is refused by cleaning_fee_not_negative');
select throws_ok(format($$ update public.properties set min_nights = 10, max_nights = 5 where id = %L $$, tests.property('loft')),
  '23514', 'new row for relation "properties" violates check constraint "nights_within_policy"',
  'min_nights above max_nights is refused by nights_within_policy');
select throws_ok(format($$ update public.properties set min_nights = 0 where id = %L $$, tests.property('loft')),
  '23514', 'new row for relation "properties" violates check constraint "min_nights_at_least_one"',
  'a minimum stay of zero nights is refused by min_nights_at_least_one');
select throws_ok(format($$ update public.properties set max_guests = 0 where id = %L $$, tests.property('loft')),
  '23514', 'new row for relation "properties" violates check constraint "max_guests_range"',
  'a listing for zero guests is refused by max_guests_range');
select throws_ok(format($$ update public.properties set max_guests = 51 where id = %L $$, tests.property('loft')),
  '23514', 'new row for relation "properties" violates check constraint "max_guests_range"',
  'a listing for more than 50 guests is refused by max_guests_range');
select lives_ok(format($$ update public.properties set max_guests = 50 where id = %L $$, tests.property('loft')),
  'a listing for exactly 50 guests is allowed');
select throws_ok(format($$ update public.property_locations set latitude = 90.0001 where property_id = %L $$, tests.property('loft')),
  '23514', 'new row for relation "property_locations" violates check constraint "latitude_range"',
  'an exact latitude north of 90 is refused by latitude_range');
select throws_ok(format($$ update public.property_locations set latitude = -91 where property_id = %L $$, tests.property('loft')),
  '23514', 'new row for relation "property_locations" violates check constraint "latitude_range"',
  'an exact latitude south of -90 is refused by latitude_range');
select throws_ok(format($$ update public.property_locations set longitude = 180.5 where property_id = %L $$, tests.property('loft')),
  '23514', 'new row for relation "property_locations" violates check constraint "longitude_range"',
  'an exact longitude east of 180 is refused by longitude_range');
select throws_ok(format($$ update public.property_locations set longitude = -180.5 where property_id = %L $$, tests.property('loft')),
  '23514', 'new row for relation "property_locations" violates check constraint "longitude_range"',
  'an exact longitude west of -180 is refused by longitude_range');
select tests.refuses(format($$ update public.properties set time_zone = 'Mars/Olympus_Mons' where id = %L $$, tests.property('loft')),
  '22023', 'unknown_time_zone', 'an unknown time zone is refused as bad input (before the foreign key time_zone_is_iana)');
select tests.refuses(format($$ update public.properties set time_zone = '' where id = %L $$, tests.property('loft')),
  '22023', 'unknown_time_zone', 'an empty time zone is refused as bad input');
select lives_ok(format($$ update public.properties set time_zone = 'America/Los_Angeles' where id = %L $$, tests.property('draft')),
  'an IANA time zone name is accepted');
select tests.refuses(format($$ update public.properties set currency = 'XYZ' where id = %L $$, tests.property('loft')),
  '22023', 'unknown_currency', 'an unknown currency is refused as bad input (before the foreign key currency_is_iso_4217)');
select tests.refuses($$ insert into public.properties (title, city, country_code, time_zone,
                          nightly_price_cents, currency)
                        values ('Lowercase', 'Auckland', 'NZ', 'Pacific/Auckland', 9000, 'nzd') $$,
  '22023', 'unknown_currency', 'a currency code must be the catalogue''s (upper case ISO 4217)');
select throws_ok(format($$ update public.properties set country_code = 'nz' where id = %L $$, tests.property('loft')),
  '23514', 'new row for relation "properties" violates check constraint "country_code_is_iso_3166_alpha_2"',
  'a country code must be ISO 3166 alpha-2 in upper case');
select tests.refuses(format($$ update public.properties set title = '  ' where id = %L $$, tests.property('loft')),
  '22023', 'text_required', 'a blank title is refused by title_length', 'title is required');
select throws_ok(format($$ update public.properties set weekly_discount_pct = 95 where id = %L $$, tests.property('loft')),
  '23514', 'new row for relation "properties" violates check constraint "weekly_discount_range"',
  'a weekly discount above 90% is refused by weekly_discount_range');

-- Photos: rows -------------------------------------------------------------------------------------------------
-- The loft's cover photo, as the database keeps it on the listing.
create function pg_temp.loft_cover() returns text
language sql stable
as $$ select p.cover_photo from public.properties p where p.id = tests.property('loft') $$;
create function pg_temp.visible_photo_listings() returns text[]
language sql stable
as $$
  select coalesce(array_agg(f.handle order by f.handle), '{}')
  from public.property_photos ph join tests.named('property') f on f.id = ph.property_id
$$;

select tests.act_as_anon();
select is(pg_temp.visible_photo_listings(), array['loft'], 'anon sees the photos of published listings only');
select throws_ok(format($$ insert into public.property_photos (property_id, storage_path, position) values (%L, %L, 5) $$,
                        tests.property('loft'), tests.photo('loft', 'anon')),
  '42501', null, 'anon cannot add photos');
select throws_ok(format($$ update public.property_photos set caption = 'anon' where property_id = %L $$, tests.property('loft')),
  '42501', null, 'anon cannot edit photos');
select throws_ok(format($$ delete from public.property_photos where property_id = %L $$, tests.property('loft')),
  '42501', null, 'anon cannot remove photos');

select tests.act_as(tests.user('gia'));
select is(pg_temp.visible_photo_listings(), array['loft'], 'a guest sees the photos of published listings only');
select throws_ok(format($$ insert into public.property_photos (property_id, storage_path, position) values (%L, %L, 5) $$,
                        tests.property('loft'), tests.photo('loft', 'gia')),
  '42501', 'new row violates row-level security policy for table "property_photos"',
  'a guest cannot add photos to someone else''s listing');
with changed as (update public.property_photos set caption = 'defaced' where property_id = tests.property('loft') returning 1)
select is(count(*)::int, 0, 'a guest cannot edit the photos of someone else''s listing') from changed;
with gone as (delete from public.property_photos where property_id = tests.property('loft') returning 1)
select is(count(*)::int, 0, 'a guest cannot remove the photos of someone else''s listing') from gone;

select tests.act_as(tests.user('otto'));
select is(pg_temp.visible_photo_listings(), array['loft'], 'another host sees the photos of published listings only');
select throws_ok(format($$ insert into public.property_photos (property_id, storage_path, position) values (%L, %L, 5) $$,
                        tests.property('loft'), tests.photo('loft', 'otto')),
  '42501', 'new row violates row-level security policy for table "property_photos"',
  'another host cannot add photos to someone else''s listing');
with changed as (update public.property_photos set position = 7 where property_id = tests.property('loft') returning 1)
select is(count(*)::int, 0, 'another host cannot reorder the photos of someone else''s listing') from changed;
with gone as (delete from public.property_photos where property_id in (tests.property('loft'), tests.property('draft')) returning 1)
select is(count(*)::int, 0, 'another host cannot remove the photos of someone else''s listings') from gone;

select tests.act_as(tests.user('hana'));
select is(pg_temp.visible_photo_listings(), array['draft', 'loft'], 'a host sees the photos of their own drafts');
select lives_ok(format($$ insert into public.property_photos (property_id, storage_path, position, caption) values (%L, %L, 1, 'Kitchen') $$,
                       tests.property('loft'), tests.photo('loft', 'kitchen')),
  'a host adds a photo to their own listing');
select throws_ok(format($$ insert into public.property_photos (property_id, storage_path, position) values (%L, %L, 2) $$,
                        tests.property('loft'), tests.photo('cabin', 'stolen')),
  '23514', 'new row for relation "property_photos" violates check constraint "photo_in_property_folder"',
  'a photo row must point into its own listing''s folder (photo_in_property_folder)');
select throws_ok(format($$ insert into public.property_photos (property_id, storage_path, position) values (%L, %L, 4) $$,
                        tests.property('loft'), tests.property('loft') || '/nested/kitchen.jpg'),
  '23514', null, 'a photo lies directly in its listing''s folder, like the Storage policy allows (no subfolders)');
select throws_ok(format($$ insert into public.property_photos (property_id, storage_path, position) values (%L, %L, 4) $$,
                        tests.property('loft'), tests.property('loft') || '/photo-1.jpg'),
  '23514', null, 'a photo row names a file as uploads are named, a random v4 uuid, never a guessable name');
select throws_ok(format($$ insert into public.property_photos (property_id, storage_path, position) values (%L, %L, 3) $$,
                        tests.property('cabin'), tests.photo('cabin', 'mine-now')),
  '42501', 'new row violates row-level security policy for table "property_photos"',
  'a host cannot add photos to another host''s listing');
with changed as (update public.property_photos set caption = 'Cover', position = 0
                 where storage_path = tests.photo('loft', 'cover') returning caption)
select is((select caption from changed), 'Cover', 'a host captions and reorders their photos');
select is(pg_temp.loft_cover(), tests.photo('loft', 'cover'),
  'a listing''s cover_photo is its photo at position 0, kept by the database');
update public.property_photos set position = 5 where storage_path = tests.photo('loft', 'cover');
update public.property_photos set position = 0 where storage_path = tests.photo('loft', 'kitchen');
update public.property_photos set position = 1 where storage_path = tests.photo('loft', 'cover');
select is(pg_temp.loft_cover(), tests.photo('loft', 'kitchen'),
  'reordering the photos (position 0 given to another photo) changes the cover');
update public.property_photos set position = 5 where storage_path = tests.photo('loft', 'kitchen');
update public.property_photos set position = 0 where storage_path = tests.photo('loft', 'cover');
update public.property_photos set position = 1 where storage_path = tests.photo('loft', 'kitchen');
select throws_ok(format($$ update public.properties set cover_photo = 'x.jpg' where id = %L $$, tests.property('loft')),
  '42501', null, 'a host cannot set cover_photo: only their photos do');
select throws_ok(format($$ update public.property_photos set property_id = %L where property_id = %L $$,
                        tests.property('draft'), tests.property('loft')),
  '42501', null, 'a host cannot move a photo row to another listing');
select throws_ok(format($$ update public.property_photos set storage_path = %L where property_id = %L $$,
                        tests.photo('loft', 'elsewhere'), tests.property('loft')),
  '42501', null, 'a host cannot repoint a photo row at another file (add a new photo instead)');

select tests.act_as(tests.user('ari'), aal => 'aal2');
select is(pg_temp.visible_photo_listings(), array['draft', 'loft', 'loft'],
  'an admin sees the photos of every listing, drafts included');
select throws_ok(format($$ insert into public.property_photos (property_id, storage_path, position) values (%L, %L, 6) $$,
                        tests.property('loft'), tests.photo('loft', 'admin')),
  '42501', 'new row violates row-level security policy for table "property_photos"',
  'an admin cannot add photos to a host''s listing');
with changed as (update public.property_photos set caption = 'admin' where property_id = tests.property('loft') returning 1)
select is(count(*)::int, 0, 'an admin cannot edit a host''s photos') from changed;
with gone as (delete from public.property_photos where property_id = tests.property('loft') returning 1)
select is(count(*)::int, 0, 'an admin cannot remove a host''s photos') from gone;

select tests.act_as(tests.user('hana'));
with gone as (delete from public.property_photos where storage_path = tests.photo('loft', 'kitchen') returning 1)
select is(count(*)::int, 1, 'a host removes a photo of their own listing') from gone;
select is(pg_temp.loft_cover(), tests.photo('loft', 'cover'),
  'removing another photo leaves the cover');
delete from public.property_photos where storage_path = tests.photo('loft', 'cover');
select is(pg_temp.loft_cover(), null,
  'removing the cover photo leaves the listing without a cover until a photo takes position 0');
insert into public.property_photos (property_id, storage_path, position, caption)
values (tests.property('loft'), tests.photo('loft', 'cover'), 0, 'Cover');
select is(pg_temp.loft_cover(), tests.photo('loft', 'cover'),
  'a photo added at position 0 becomes the cover');

select tests.act_as_service();
select is(pg_temp.visible_photo_listings(), array['draft', 'loft'], 'the service role sees every photo row');
select lives_ok(format($$ insert into public.property_photos (property_id, storage_path, position) values (%L, %L, 9) $$,
                       tests.property('cabin'), tests.photo('cabin', 'support')),
  'the service role may add a photo row to any listing');
with changed as (update public.property_photos set caption = 'Checked by support'
                 where storage_path = tests.photo('cabin', 'support') returning 1)
select is(count(*)::int, 1, 'the service role may edit any photo row') from changed;
with gone as (delete from public.property_photos where storage_path = tests.photo('cabin', 'support') returning 1)
select is(count(*)::int, 1, 'the service role may remove any photo row') from gone;

select tests.act_as_owner();
select is((select array_agg(f.handle || ':' || ph.caption order by f.handle, ph.position)
           from public.property_photos ph join tests.named('property') f on f.id = ph.property_id),
  array['draft:', 'loft:Cover'],
  'after the refused writes the photo rows hold only their host''s edits');

-- Photos: Storage objects in the property-photos bucket ---------------------------------------------------------
create function pg_temp.visible_photo_files() returns text[]
language sql stable
as $$
  select coalesce(array_agg(f.handle || '/' || coalesce(l.label, storage.filename(o.name)) order by f.handle, l.label), '{}')
  from storage.objects o join tests.named('property') f on f.id::text = (storage.foldername(o.name))[1]
  left join lateral (select label from unnest(array['cover', 'garden', 'garden-2', 'support', 'support-2']) label
                      where tests.photo_file(label) = storage.filename(o.name)) l on true
  where o.bucket_id = 'property-photos'
$$;
-- What Storage's list endpoint answers for a listing's folder (storage.search, as the caller, in the list route).
create function pg_temp.listed_folder(handle text) returns text[]
language plpgsql
as $$
declare
  listed text[];
begin
  perform set_config('storage.operation', 'storage.object.list', true);
  select coalesce(array_agg(s.name order by s.name), '{}') into listed
    from storage.search(tests.property(handle) || '/', 'property-photos', 100, 2, 0, '', 'name', 'asc') s;
  perform set_config('storage.operation', '', true);
  return listed;
end
$$;

select is((select public from storage.buckets where id = 'property-photos'), false,
  'the property-photos bucket is private: Storage serves its files only through signed URLs, never at /object/public/');
select is(tests.photo_file('cover') ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}[.]jpg$', true,
  'the fixtures name photo files as uploads do: a v4 uuid and an extension');

select tests.act_as_anon();
select is(pg_temp.visible_photo_files(), array['loft/cover'],
  'anon reads the photo files of published listings only (not drafts, not archived listings)');
select is(pg_temp.listed_folder('loft'), '{}'::text[],
  'Storage''s list route shows anon nothing, even in a published listing''s folder (its photos are property_photos rows)');
select is(pg_temp.listed_folder('archived'), '{}'::text[], 'anon lists nothing in an archived listing''s folder');
select is(pg_temp.listed_folder('draft'), '{}'::text[], 'anon lists nothing in a draft''s folder');
select throws_ok(format($$ insert into storage.objects (bucket_id, name) values ('property-photos', %L) $$,
                        tests.photo('loft', 'anon')),
  '42501', 'new row violates row-level security policy for table "objects"', 'anon cannot upload photos');
with changed as (update storage.objects set name = name || '.bak' where bucket_id = 'property-photos' returning 1)
select is(count(*)::int, 0, 'anon cannot rename photo files') from changed;
with gone as (delete from storage.objects where bucket_id = 'property-photos' returning 1)
select is(count(*)::int, 0, 'anon cannot delete photo files') from gone;

select tests.act_as(tests.user('gia'));
select is(pg_temp.visible_photo_files(), array['loft/cover'], 'a guest reads the photo files of published listings only');
select throws_ok(format($$ insert into storage.objects (bucket_id, name) values ('property-photos', %L) $$,
                        tests.photo('loft', 'gia')),
  '42501', 'new row violates row-level security policy for table "objects"',
  'a guest cannot upload into a listing''s folder');
with changed as (update storage.objects set name = name || '.bak' where bucket_id = 'property-photos' returning 1)
select is(count(*)::int, 0, 'a guest cannot rename photo files') from changed;
with gone as (delete from storage.objects where bucket_id = 'property-photos' returning 1)
select is(count(*)::int, 0, 'a guest cannot delete photo files') from gone;

select tests.act_as(tests.user('otto'));
select is(pg_temp.visible_photo_files(), array['loft/cover'], 'another host reads the photo files of published listings only');
select throws_ok(format($$ insert into storage.objects (bucket_id, name) values ('property-photos', %L) $$,
                        tests.photo('loft', 'otto')),
  '42501', 'new row violates row-level security policy for table "objects"',
  'another host cannot upload into someone else''s listing folder');
with changed as (update storage.objects set name = name || '.bak' where bucket_id = 'property-photos'
                 and name like tests.property('loft') || '/%' returning 1)
select is(count(*)::int, 0, 'another host cannot rename files in someone else''s listing folder') from changed;
with gone as (delete from storage.objects where bucket_id = 'property-photos'
              and name like tests.property('loft') || '/%' returning 1)
select is(count(*)::int, 0, 'another host cannot delete files in someone else''s listing folder') from gone;

select tests.act_as(tests.user('hana'));
select is(pg_temp.visible_photo_files(), array['archived/cover', 'draft/cover', 'loft/cover'],
  'a host reads the photo files of their own drafts and archived listings');
select is(pg_temp.listed_folder('draft'), '{}'::text[], 'nor a host their own draft''s folder');
select throws_ok(format($$ insert into storage.objects (bucket_id, name) values ('property-photos', %L) $$,
                        tests.property('loft') || '/photo-1.jpg'),
  '42501', 'new row violates row-level security policy for table "objects"',
  'a host cannot upload a guessable file name: only a random v4 uuid');
select throws_ok(format($$ insert into storage.objects (bucket_id, name) values ('property-photos', %L) $$,
                        tests.property('loft') || '/' || upper(gen_random_uuid()::text) || '.jpg'),
  '42501', 'new row violates row-level security policy for table "objects"',
  'a host uploads lower-case uuid names only');
select throws_ok(format($$ insert into storage.objects (bucket_id, name) values ('property-photos', %L) $$,
                        tests.property('loft') || '/' || gen_random_uuid() || '.gif'),
  '42501', 'new row violates row-level security policy for table "objects"',
  'a host uploads jpg, jpeg, png and webp files only');
select lives_ok(format($$ insert into storage.objects (bucket_id, name) values ('property-photos', %L) $$,
                       tests.photo('loft', 'garden')),
  'a host uploads a photo into their own listing''s folder');
select throws_ok(format($$ insert into storage.objects (bucket_id, name) values ('property-photos', %L) $$,
                        tests.photo('cabin', 'intruder')),
  '42501', 'new row violates row-level security policy for table "objects"',
  'a host cannot upload into another host''s listing folder');
select throws_ok($$ insert into storage.objects (bucket_id, name) values ('property-photos', 'loose.jpg') $$,
  '42501', 'new row violates row-level security policy for table "objects"',
  'a host cannot upload outside any listing folder');
select throws_ok(format($$ insert into storage.objects (bucket_id, name) values ('property-photos', %L) $$,
                        tests.property('loft') || '/nested/deep.jpg'),
  '42501', 'new row violates row-level security policy for table "objects"',
  'a host uploads only directly into the listing folder, not into subfolders');
select throws_ok(format($$ insert into storage.objects (bucket_id, name) values ('property-photos', %L) $$,
                        gen_random_uuid() || '/' || gen_random_uuid() || '.jpg'),
  '42501', 'new row violates row-level security policy for table "objects"',
  'a host cannot upload into the folder of a listing that does not exist');
with changed as (update storage.objects set name = tests.photo('loft', 'garden-2')
                 where name = tests.photo('loft', 'garden') returning 1)
select is(count(*)::int, 1, 'a host renames a file within their listing folder') from changed;
select throws_ok(format($$ update storage.objects set name = %L where name = %L $$,
                        tests.photo('cabin', 'moved'), tests.photo('loft', 'garden-2')),
  '42501', 'new row violates row-level security policy for table "objects"',
  'a host cannot move a file into another host''s listing folder');

select tests.act_as(tests.user('ari'), aal => 'aal2');
select is(pg_temp.visible_photo_files(), array['archived/cover', 'draft/cover', 'loft/cover', 'loft/garden-2'],
  'an admin reads the photo files of every listing, drafts and archived ones included');
select tests.act_as(tests.user('ari'), aal => 'aal1');
select is(pg_temp.visible_photo_files(), array['loft/cover', 'loft/garden-2'],
  'an admin without a second factor reads what any member reads (published listings'' photos only)');
select throws_ok(format($$ insert into storage.objects (bucket_id, name) values ('property-photos', %L) $$,
                        tests.photo('loft', 'admin')),
  '42501', 'new row violates row-level security policy for table "objects"',
  'an admin cannot upload into a host''s listing folder');
with changed as (update storage.objects set name = name || '.bak' where bucket_id = 'property-photos' returning 1)
select is(count(*)::int, 0, 'an admin cannot rename a host''s photo files') from changed;
with gone as (delete from storage.objects where bucket_id = 'property-photos' returning 1)
select is(count(*)::int, 0, 'an admin cannot delete a host''s photo files') from gone;

select tests.act_as(tests.user('hana'));
with gone as (delete from storage.objects where name = tests.photo('loft', 'garden-2') returning 1)
select is(count(*)::int, 1, 'a host deletes a file from their listing folder') from gone;

select tests.act_as_service();
select is(pg_temp.visible_photo_files(), array['archived/cover', 'draft/cover', 'loft/cover'], 'the service role reads every photo file');
select lives_ok(format($$ insert into storage.objects (bucket_id, name) values ('property-photos', %L) $$,
                       tests.photo('cabin', 'support')),
  'the service role may upload into any listing folder');
with changed as (update storage.objects set name = tests.photo('cabin', 'support-2')
                 where name = tests.photo('cabin', 'support') returning 1)
select is(count(*)::int, 1, 'the service role may rename any photo file') from changed;
with gone as (delete from storage.objects where name = tests.photo('cabin', 'support-2') returning 1)
select is(count(*)::int, 1, 'the service role may delete any photo file') from gone;

-- Amenities of a listing ----------------------------------------------------------------------------------------
create function pg_temp.visible_amenities() returns text[]
language sql stable
as $$
  select coalesce(array_agg(f.handle || ':' || pa.amenity_code order by f.handle, pa.amenity_code), '{}')
  from public.property_amenities pa join tests.named('property') f on f.id = pa.property_id
$$;

select tests.act_as_anon();
select is(pg_temp.visible_amenities(), array['loft:wifi'], 'anon sees the amenities of published listings only');
select throws_ok(format($$ insert into public.property_amenities (property_id, amenity_code) values (%L, 'pool') $$, tests.property('loft')),
  '42501', null, 'anon cannot add amenities');
select throws_ok(format($$ delete from public.property_amenities where property_id = %L $$, tests.property('loft')),
  '42501', null, 'anon cannot remove amenities');
select throws_ok(format($$ update public.property_amenities set amenity_code = 'gym' where property_id = %L $$, tests.property('loft')),
  '42501', null, 'anon cannot change amenities');

select tests.act_as(tests.user('gia'));
select is(pg_temp.visible_amenities(), array['loft:wifi'], 'a guest sees the amenities of published listings only');
select throws_ok(format($$ insert into public.property_amenities (property_id, amenity_code) values (%L, 'pool') $$, tests.property('loft')),
  '42501', 'new row violates row-level security policy for table "property_amenities"',
  'a guest cannot add amenities to someone else''s listing');
with gone as (delete from public.property_amenities where property_id = tests.property('loft') returning 1)
select is(count(*)::int, 0, 'a guest cannot remove amenities from someone else''s listing') from gone;
select throws_ok(format($$ update public.property_amenities set amenity_code = 'gym' where property_id = %L $$, tests.property('loft')),
  '42501', null, 'a guest cannot change someone else''s amenities');

select tests.act_as(tests.user('otto'));
select is(pg_temp.visible_amenities(), array['loft:wifi'], 'another host sees the amenities of published listings only');
select throws_ok(format($$ update public.property_amenities set amenity_code = 'gym' where property_id = %L $$, tests.property('loft')),
  '42501', null, 'another host cannot change someone else''s amenities');
select throws_ok(format($$ insert into public.property_amenities (property_id, amenity_code) values (%L, 'hot_tub') $$, tests.property('loft')),
  '42501', 'new row violates row-level security policy for table "property_amenities"',
  'another host cannot add amenities to someone else''s listing');
with gone as (delete from public.property_amenities where property_id in (tests.property('loft'), tests.property('draft')) returning 1)
select is(count(*)::int, 0, 'another host cannot remove amenities from someone else''s listings') from gone;

select tests.act_as(tests.user('hana'));
select is(pg_temp.visible_amenities(), array['draft:kitchen', 'loft:wifi'], 'a host sees the amenities of their own drafts');
select lives_ok(format($$ insert into public.property_amenities (property_id, amenity_code) values (%L, 'pool') $$, tests.property('loft')),
  'a host adds an amenity to their own listing');
select throws_ok(format($$ insert into public.property_amenities (property_id, amenity_code) values (%L, 'helipad') $$, tests.property('loft')),
  '23503', 'insert or update on table "property_amenities" violates foreign key constraint "property_amenities_amenity_code_fkey"',
  'an amenity must come from the catalogue');
select throws_ok(format($$ insert into public.property_amenities (property_id, amenity_code) values (%L, 'wifi') $$, tests.property('loft')),
  '23505', null, 'an amenity is listed once per listing');
select throws_ok(format($$ update public.property_amenities set amenity_code = 'gym' where property_id = %L $$, tests.property('loft')),
  '42501', null, 'amenity rows are not edited in place (remove and add instead)');
with gone as (delete from public.property_amenities where property_id = tests.property('loft') and amenity_code = 'pool' returning 1)
select is(count(*)::int, 1, 'a host removes an amenity from their own listing') from gone;

select tests.act_as(tests.user('ari'), aal => 'aal2');
select is(pg_temp.visible_amenities(), array['draft:kitchen', 'loft:wifi'], 'an admin sees the amenities of every listing');
select throws_ok(format($$ insert into public.property_amenities (property_id, amenity_code) values (%L, 'gym') $$, tests.property('loft')),
  '42501', 'new row violates row-level security policy for table "property_amenities"',
  'an admin cannot add amenities to a host''s listing');
with gone as (delete from public.property_amenities where property_id = tests.property('loft') returning 1)
select is(count(*)::int, 0, 'an admin cannot remove amenities from a host''s listing') from gone;
select throws_ok(format($$ update public.property_amenities set amenity_code = 'gym' where property_id = %L $$, tests.property('loft')),
  '42501', null, 'an admin cannot change a host''s amenities');

select tests.act_as_service();
select is(pg_temp.visible_amenities(), array['draft:kitchen', 'loft:wifi'], 'the service role sees every listing''s amenities');
select lives_ok(format($$ insert into public.property_amenities (property_id, amenity_code) values (%L, 'smoke_alarm') $$, tests.property('cabin')),
  'the service role may add amenities to any listing');
with changed as (update public.property_amenities set amenity_code = 'crib' where property_id = tests.property('cabin') returning 1)
select is(count(*)::int, 1, 'the service role may correct an amenity row in place') from changed;
with gone as (delete from public.property_amenities where property_id = tests.property('cabin') returning 1)
select is(count(*)::int, 1, 'the service role may remove amenities from any listing') from gone;

-- Availability blocks -------------------------------------------------------------------------------------------
create function pg_temp.visible_blocks() returns text[]
language sql stable
as $$
  select coalesce(array_agg(f.handle || ':' || b.start_date || '..' || b.end_date order by f.handle, b.start_date), '{}')
  from public.availability_blocks b join tests.named('property') f on f.id = b.property_id
$$;
create function pg_temp.claimed_nights(handle text) returns text[]
language sql stable
security definer
as $$
  select coalesce(array_agg(c.nights::text order by c.nights), '{}')
  from private.calendar_claims c where c.property_id = tests.property(handle)
$$;

select tests.act_as_anon();
select is(pg_temp.visible_blocks(), '{}'::text[], 'anon sees no host blocks, not even of published listings');
select throws_ok(format($$ insert into public.availability_blocks (property_id, start_date, end_date) values (%L, '2031-05-01', '2031-05-02') $$, tests.property('loft')),
  '42501', null, 'anon cannot block nights');
select throws_ok(format($$ update public.availability_blocks set note = 'anon' where property_id = %L $$, tests.property('loft')),
  '42501', null, 'anon cannot change blocks');
select throws_ok(format($$ delete from public.availability_blocks where property_id = %L $$, tests.property('loft')),
  '42501', null, 'anon cannot remove blocks');

select tests.act_as(tests.user('gia'));
select is(pg_temp.visible_blocks(), '{}'::text[], 'a guest sees no host blocks (the calendar says only free or not)');
select throws_ok(format($$ insert into public.availability_blocks (property_id, start_date, end_date) values (%L, '2031-05-01', '2031-05-02') $$, tests.property('loft')),
  '42501', 'new row violates row-level security policy for table "availability_blocks"',
  'a guest cannot block nights of someone else''s listing');
with changed as (update public.availability_blocks set end_date = '2031-03-10' where property_id = tests.property('loft') returning 1)
select is(count(*)::int, 0, 'a guest cannot change someone else''s blocks') from changed;
with gone as (delete from public.availability_blocks where property_id = tests.property('loft') returning 1)
select is(count(*)::int, 0, 'a guest cannot remove someone else''s blocks') from gone;

select tests.act_as(tests.user('otto'));
select is(pg_temp.visible_blocks(), '{}'::text[], 'another host sees none of someone else''s blocks');
select throws_ok(format($$ insert into public.availability_blocks (property_id, start_date, end_date) values (%L, '2031-05-01', '2031-05-02') $$, tests.property('loft')),
  '42501', 'new row violates row-level security policy for table "availability_blocks"',
  'another host cannot block nights of someone else''s listing');
with changed as (update public.availability_blocks set start_date = '2031-02-01' returning 1)
select is(count(*)::int, 0, 'another host cannot change someone else''s blocks') from changed;
with gone as (delete from public.availability_blocks returning 1)
select is(count(*)::int, 0, 'another host cannot remove someone else''s blocks') from gone;

select tests.act_as(tests.user('hana'));
select is(pg_temp.visible_blocks(), array['draft:2031-03-01..2031-03-04', 'loft:2031-03-01..2031-03-04'],
  'a host sees the blocks of their own listings');
select lives_ok(format($$ insert into public.availability_blocks (property_id, start_date, end_date, note) values (%L, '2031-03-04', '2031-03-06', 'guests of ours') $$, tests.property('loft')),
  'a host blocks nights that start on the day an earlier block ends (end_date is exclusive)');
select throws_ok(format($$ insert into public.availability_blocks (property_id, start_date, end_date) values (%L, '2031-03-05', '2031-03-08') $$, tests.property('loft')),
  '23P01', 'conflicting key value violates exclusion constraint "nights_already_claimed"',
  'a block overlapping another block of the listing is refused by nights_already_claimed');
select throws_ok(format($$ insert into public.availability_blocks (property_id, start_date, end_date) values (%L, '2031-04-02', '2031-04-02') $$, tests.property('loft')),
  '23514', 'new row for relation "availability_blocks" violates check constraint "block_dates_in_order"',
  'a block must end after it starts (block_dates_in_order)');
select is(pg_temp.claimed_nights('loft'), array['[2031-03-01,2031-03-04)', '[2031-03-04,2031-03-06)'],
  'each block claims exactly its nights in the calendar');
with changed as (update public.availability_blocks set start_date = '2031-06-01', end_date = '2031-06-08'
                 where property_id = tests.property('loft') and start_date = '2031-03-04' returning 1)
select is(count(*)::int, 1, 'a host moves their own block') from changed;
select is(pg_temp.claimed_nights('loft'), array['[2031-03-01,2031-03-04)', '[2031-06-01,2031-06-08)'],
  'a moved block moves its claim with it');
select throws_ok(format($$ update public.availability_blocks set end_date = '2031-06-03' where property_id = %L and start_date = '2031-03-01' $$, tests.property('loft')),
  '23P01', 'conflicting key value violates exclusion constraint "nights_already_claimed"',
  'a block cannot be stretched over another block');
select throws_ok(format($$ update public.availability_blocks set property_id = %L where property_id = %L $$, tests.property('cabin'), tests.property('loft')),
  '42501', null, 'a host cannot move a block to another listing');
with gone as (delete from public.availability_blocks where property_id = tests.property('loft') and start_date = '2031-06-01' returning 1)
select is(count(*)::int, 1, 'a host removes their own block') from gone;
select is(pg_temp.claimed_nights('loft'), array['[2031-03-01,2031-03-04)'], 'a removed block gives its nights back');

select tests.act_as(tests.user('ari'), aal => 'aal2');
select is(pg_temp.visible_blocks(), array['draft:2031-03-01..2031-03-04', 'loft:2031-03-01..2031-03-04'],
  'an admin sees every host''s blocks');
select throws_ok(format($$ insert into public.availability_blocks (property_id, start_date, end_date) values (%L, '2031-05-01', '2031-05-02') $$, tests.property('loft')),
  '42501', 'new row violates row-level security policy for table "availability_blocks"',
  'an admin cannot block nights of a host''s listing');
with changed as (update public.availability_blocks set note = 'admin' returning 1)
select is(count(*)::int, 0, 'an admin cannot change a host''s blocks') from changed;
with gone as (delete from public.availability_blocks returning 1)
select is(count(*)::int, 0, 'an admin cannot remove a host''s blocks') from gone;

select tests.act_as_service();
select is(pg_temp.visible_blocks(), array['draft:2031-03-01..2031-03-04', 'loft:2031-03-01..2031-03-04'],
  'the service role sees every block');
select lives_ok(format($$ insert into public.availability_blocks (property_id, start_date, end_date) values (%L, '2031-05-01', '2031-05-02') $$, tests.property('cabin')),
  'the service role may block nights of any listing');
with changed as (update public.availability_blocks set end_date = '2031-05-03' where property_id = tests.property('cabin') returning 1)
select is(count(*)::int, 1, 'the service role may change any block') from changed;
select is(pg_temp.claimed_nights('cabin'), array['[2031-05-01,2031-05-03)'], 'a block changed by the service role moves its claim too');
with gone as (delete from public.availability_blocks where property_id = tests.property('cabin') returning 1)
select is(count(*)::int, 1, 'the service role may remove any block') from gone;
select throws_ok($$ insert into private.calendar_claims (property_id, nights, block_id) values (gen_random_uuid(), '[2031-01-01,2031-01-02)', null) $$,
  '42501', null, 'not even the service role writes calendar claims directly: blocks and bookings make them');

select tests.act_as(tests.user('hana'));
select throws_ok($$ select count(*) from private.calendar_claims $$,
  '42501', null, 'clients cannot read the calendar claims table');

select tests.act_as_owner();
select is(pg_temp.visible_blocks(), array['draft:2031-03-01..2031-03-04', 'loft:2031-03-01..2031-03-04'],
  'after the refused writes the original blocks are intact');

-- Seasonal rates ------------------------------------------------------------------------------------------------
create function pg_temp.visible_rates() returns text[]
language sql stable
as $$
  select coalesce(array_agg(f.handle || ':' || r.nightly_price_cents order by f.handle, r.start_date), '{}')
  from public.seasonal_rates r join tests.named('property') f on f.id = r.property_id
$$;

select tests.act_as_anon();
select is(pg_temp.visible_rates(), array['loft:30000'], 'anon sees the seasonal rates of published listings only');
select throws_ok(format($$ insert into public.seasonal_rates (property_id, start_date, end_date, nightly_price_cents) values (%L, '2031-07-01', '2031-07-10', 1) $$, tests.property('loft')),
  '42501', null, 'anon cannot add rates');
select throws_ok(format($$ update public.seasonal_rates set nightly_price_cents = 1 where property_id = %L $$, tests.property('loft')),
  '42501', null, 'anon cannot change rates');
select throws_ok(format($$ delete from public.seasonal_rates where property_id = %L $$, tests.property('loft')),
  '42501', null, 'anon cannot remove rates');

select tests.act_as(tests.user('gia'));
select is(pg_temp.visible_rates(), array['loft:30000'], 'a guest sees the seasonal rates of published listings only');
select throws_ok(format($$ insert into public.seasonal_rates (property_id, start_date, end_date, nightly_price_cents) values (%L, '2031-07-01', '2031-07-10', 1) $$, tests.property('loft')),
  '42501', 'new row violates row-level security policy for table "seasonal_rates"',
  'a guest cannot add rates to someone else''s listing');
with changed as (update public.seasonal_rates set nightly_price_cents = 1 where property_id = tests.property('loft') returning 1)
select is(count(*)::int, 0, 'a guest cannot change someone else''s rates') from changed;
with gone as (delete from public.seasonal_rates where property_id = tests.property('loft') returning 1)
select is(count(*)::int, 0, 'a guest cannot remove someone else''s rates') from gone;

select tests.act_as(tests.user('otto'));
select is(pg_temp.visible_rates(), array['loft:30000'], 'another host sees only the rates of published listings');
select throws_ok(format($$ insert into public.seasonal_rates (property_id, start_date, end_date, nightly_price_cents) values (%L, '2031-07-01', '2031-07-10', 1) $$, tests.property('loft')),
  '42501', 'new row violates row-level security policy for table "seasonal_rates"',
  'another host cannot add rates to someone else''s listing');
with changed as (update public.seasonal_rates set nightly_price_cents = 1 returning 1)
select is(count(*)::int, 0, 'another host cannot change someone else''s rates') from changed;
with gone as (delete from public.seasonal_rates returning 1)
select is(count(*)::int, 0, 'another host cannot remove someone else''s rates') from gone;

select tests.act_as(tests.user('hana'));
select is(pg_temp.visible_rates(), array['draft:25000', 'loft:30000'], 'a host sees the rates of their own drafts');
select lives_ok(format($$ insert into public.seasonal_rates (property_id, start_date, end_date, nightly_price_cents, label) values (%L, '2032-01-05', '2032-02-01', 26000, 'late summer') $$, tests.property('loft')),
  'a host adds a rate starting the day the previous one ends (end_date is exclusive)');
select throws_ok(format($$ insert into public.seasonal_rates (property_id, start_date, end_date, nightly_price_cents) values (%L, '2032-01-31', '2032-02-10', 24000) $$, tests.property('loft')),
  '23P01', 'conflicting key value violates exclusion constraint "seasonal_rates_do_not_overlap"',
  'a rate overlapping another rate of the listing is refused by seasonal_rates_do_not_overlap');
select lives_ok(format($$ insert into public.seasonal_rates (property_id, start_date, end_date, nightly_price_cents) values (%L, '2031-12-20', '2032-01-05', 22000) $$, tests.property('archived')),
  'two listings may have rates for the same dates');
select throws_ok(format($$ insert into public.seasonal_rates (property_id, start_date, end_date, nightly_price_cents) values (%L, '2032-03-01', '2032-03-05', 0) $$, tests.property('loft')),
  '23514', 'new row for relation "seasonal_rates" violates check constraint "rate_price_positive"',
  'a seasonal price of zero is refused by rate_price_positive');
select throws_ok(format($$ insert into public.seasonal_rates (property_id, start_date, end_date, nightly_price_cents) values (%L, '2032-03-05', '2032-03-01', 100) $$, tests.property('loft')),
  '23514', 'new row for relation "seasonal_rates" violates check constraint "rate_dates_in_order"',
  'a rate must end after it starts (rate_dates_in_order)');
with changed as (update public.seasonal_rates set nightly_price_cents = 27000 where property_id = tests.property('loft') and label = 'late summer' returning nightly_price_cents)
select is((select nightly_price_cents from changed), 27000, 'a host changes their own rate');
select throws_ok(format($$ update public.seasonal_rates set property_id = %L where property_id = %L $$, tests.property('cabin'), tests.property('loft')),
  '42501', null, 'a host cannot move a rate to another listing');
with gone as (delete from public.seasonal_rates where property_id = tests.property('loft') and label = 'late summer' returning 1)
select is(count(*)::int, 1, 'a host removes their own rate') from gone;

select tests.act_as(tests.user('ari'), aal => 'aal2');
select is(pg_temp.visible_rates(), array['archived:22000', 'draft:25000', 'loft:30000'], 'an admin sees every listing''s rates');
select throws_ok(format($$ insert into public.seasonal_rates (property_id, start_date, end_date, nightly_price_cents) values (%L, '2031-07-01', '2031-07-10', 1) $$, tests.property('loft')),
  '42501', 'new row violates row-level security policy for table "seasonal_rates"',
  'an admin cannot add rates to a host''s listing');
with changed as (update public.seasonal_rates set nightly_price_cents = 1 returning 1)
select is(count(*)::int, 0, 'an admin cannot change a host''s rates') from changed;
with gone as (delete from public.seasonal_rates returning 1)
select is(count(*)::int, 0, 'an admin cannot remove a host''s rates') from gone;

select tests.act_as_service();
select is(pg_temp.visible_rates(), array['archived:22000', 'draft:25000', 'loft:30000'], 'the service role sees every rate');
select lives_ok(format($$ insert into public.seasonal_rates (property_id, start_date, end_date, nightly_price_cents) values (%L, '2031-07-01', '2031-07-10', 19000) $$, tests.property('cabin')),
  'the service role may add rates to any listing');
with changed as (update public.seasonal_rates set nightly_price_cents = 19500 where property_id = tests.property('cabin') returning 1)
select is(count(*)::int, 1, 'the service role may change any rate') from changed;
with gone as (delete from public.seasonal_rates where property_id = tests.property('cabin') returning 1)
select is(count(*)::int, 1, 'the service role may remove any rate') from gone;

select tests.act_as_owner();
select is((select array_agg(nightly_price_cents order by nightly_price_cents) from public.seasonal_rates
           where property_id in (tests.property('loft'), tests.property('draft'))),
  array[25000, 30000], 'after the refused writes the original rates are intact');

-- Deleting a listing takes its rows and claims with it ------------------------------------------------------------
select tests.act_as(tests.user('hana'));
with gone as (delete from public.properties where id = tests.property('draft') returning 1)
select is(count(*)::int, 1, 'a host deletes their own draft') from gone;
select tests.act_as_owner();
select is((select count(*)::int from public.property_photos where property_id = tests.property('draft'))
        + (select count(*)::int from public.property_amenities where property_id = tests.property('draft'))
        + (select count(*)::int from public.availability_blocks where property_id = tests.property('draft'))
        + (select count(*)::int from public.seasonal_rates where property_id = tests.property('draft')), 0,
  'a deleted listing takes its photo rows, amenities, blocks and rates with it');
select is(pg_temp.claimed_nights('draft'), '{}'::text[], 'a deleted listing gives back every night it claimed');

select * from finish();
rollback;
