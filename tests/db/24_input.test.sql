-- Text and zones as clients send them: text is stored trimmed (white space and zero-width characters at either
-- end), a text of only such characters is blank, every text column a client writes is bounded, and a listing's
-- time zone is a canonical IANA zone (or UTC), never localtime, posixrules, Factory, posix/..., right/... or an alias.
begin;
set local search_path = extensions, public;
select plan(33);

select tests.create_user('tina');
select tests.create_user('tess');
select tests.create_property(tests.user('tina'), 'Tidy loft', handle => 'loft');

-- Profiles ---------------------------------------------------------------------------------------------------------
select tests.act_as(tests.user('tina'));
update public.profiles set display_name = repeat(' ', 100000) || 'Gus' || e'\n\t\u200b', bio = e'\u00a0 Hello \u2060'
 where id = tests.user('tina');
select is((select (display_name, bio)::text from public.profiles where id = tests.user('tina')), ('Gus', 'Hello')::text,
  'a display name and a bio are stored trimmed (spaces, newlines, tabs, no-break and zero-width characters)');
select tests.refuses($$ update public.profiles set display_name = e'\u200b\u200b\n' where id = tests.user('tina') $$,
  '22023', 'text_required', 'a display name of zero-width characters and a newline is blank, and refused (display_name_length)',
  'display_name is required');
select tests.refuses($$ update public.profiles set display_name = repeat('x', 81) where id = tests.user('tina') $$,
  '22023', 'text_too_long', 'a display name has at most 80 characters', 'display_name has at most 80 characters');
select tests.refuses($$ update public.profiles set avatar_url = 'https://example.com/' || repeat('a', 2100) where id = tests.user('tina') $$,
  '22023', 'text_too_long', 'an avatar URL has at most 2048 characters (avatar_url_length)');
update public.profiles set avatar_url = '  https://example.com/me.png  ' where id = tests.user('tina');
select is((select avatar_url from public.profiles where id = tests.user('tina')), 'https://example.com/me.png',
  'an avatar URL is stored trimmed');
select tests.act_as_owner();
insert into auth.users (id, instance_id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
values ('00000000-0000-4000-8000-0000000e1e01', '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated',
        'blank@tests.staybase.test', '{}', jsonb_build_object('display_name', e'\u200b \u200b', 'full_name', e' Zed\n',
        'avatar_url', 'https://example.com/' || repeat('a', 3000)), now(), now());
select is((select (display_name, avatar_url)::text from public.profiles where id = '00000000-0000-4000-8000-0000000e1e01'),
  ('Zed', null)::text, 'sign-up skips a blank display name for the next name given, and drops an avatar URL too long to keep');

-- Listings ---------------------------------------------------------------------------------------------------------
select tests.act_as(tests.user('tina'));
update public.properties set title = e'\u200b ' || repeat(' ', 100000) || 'Tidy loft' || repeat(e'\n', 1000),
                             description = e'  A loft.  \n', city = ' Auckland ', region = e'\u3000'
 where id = tests.property('loft');
select is((select (title, description, city, region)::text from public.properties where id = tests.property('loft')),
  ('Tidy loft', 'A loft.', 'Auckland', '')::text, 'a listing''s text is stored trimmed, so a title cannot carry megabytes of blanks');
select tests.refuses(format($$ update public.properties set title = e'\u200b\u200c\u200d\ufeff' where id = %L $$, tests.property('loft')),
  '22023', 'text_required', 'a title of zero-width characters is blank, and refused (title_length)', 'title is required');
select tests.refuses(format($$ update public.properties set title = e' ab\u200b ' where id = %L $$, tests.property('loft')),
  '22023', 'text_too_short', 'a title has at least 3 characters, counted trimmed', 'title has at least 3 characters');
select tests.refuses(format($$ update public.properties set city = e' \n ' where id = %L $$, tests.property('loft')),
  '22023', 'text_required', 'a city of white space is blank, and refused (city_length)', 'city is required');
select tests.refuses(format($$ update public.properties set description = repeat('d', 5001) where id = %L $$, tests.property('loft')),
  '22023', 'text_too_long', 'a description has at most 5000 characters', 'description has at most 5000 characters');
select tests.refuses(format($$ update public.properties set description = repeat('d', 5000) || ' ' || repeat('d', 10000000) where id = %L $$, tests.property('loft')),
  '22023', 'text_too_long', 'a 10 MB description is refused the same way');
select throws_ok(format($$ insert into public.property_photos (property_id, storage_path) values (%L, %L) $$,
                        tests.property('loft'), tests.property('loft') || '/' || repeat('p', 1100) || '.jpg'),
  '23514', null, 'a photo''s storage path has at most 1024 characters (storage_path_length)');
insert into public.property_photos (property_id, storage_path, caption)
values (tests.property('loft'), tests.photo('loft', 'one'), e'  The view \u200b');
select is((select caption from public.property_photos where property_id = tests.property('loft')), 'The view',
  'a caption is stored trimmed');
insert into public.seasonal_rates (property_id, start_date, end_date, nightly_price_cents, label)
values (tests.property('loft'), current_date + 100, current_date + 110, 12000, e'\t Summer \t');
select is((select label from public.seasonal_rates where property_id = tests.property('loft')), 'Summer',
  'a seasonal rate''s label is stored trimmed');
insert into public.availability_blocks (property_id, start_date, end_date, note)
values (tests.property('loft'), current_date + 200, current_date + 202, e'\n Painting \n');
select is((select note from public.availability_blocks where property_id = tests.property('loft')), 'Painting',
  'a block''s note is stored trimmed');
insert into public.external_calendars (property_id, name, url)
values (tests.property('loft'), e'\u200b Airbnb \n', e' https://www.airbnb.com/calendar/ical/1.ics\u200b');
select is((select (name, url)::text from public.external_calendars where property_id = tests.property('loft')),
  ('Airbnb', 'https://www.airbnb.com/calendar/ical/1.ics')::text,
  'an imported calendar''s name and URL are stored trimmed, zero-width characters included');

-- Every text column a client writes is bounded.
select tests.act_as_owner();
select is_empty($$
  select c.table_name || '.' || c.column_name
    from information_schema.columns c
   where c.table_schema = 'public' and c.data_type = 'text'
     and c.table_name in (select t.table_name from information_schema.tables t where t.table_schema = 'public' and t.table_type = 'BASE TABLE')
     and (has_column_privilege('authenticated', format('public.%I', c.table_name), c.column_name, 'INSERT')
          or has_column_privilege('authenticated', format('public.%I', c.table_name), c.column_name, 'UPDATE'))
     and not exists (
       select from pg_constraint k
        where k.conrelid = format('public.%I', c.table_name)::regclass and k.contype in ('c', 'f')
          and (select a.attnum from pg_attribute a where a.attrelid = k.conrelid and a.attname = c.column_name) = any (k.conkey))
$$, 'every text column a client writes has a length check or a foreign key');
select is_empty($$
  select c.table_name || '.' || c.column_name
    from (values ('bookings', 'message'), ('bookings', 'cancel_reason'), ('reviews', 'comment'), ('reviews', 'reply'),
                 ('properties', 'moderation_reason')) c(table_name, column_name)
   where not exists (
       select from pg_constraint k
        where k.conrelid = format('public.%I', c.table_name)::regclass and k.contype = 'c'
          and (pg_get_constraintdef(k.oid) like '%char_length(' || c.column_name || ')%'
               or pg_get_constraintdef(k.oid) like '%text_within(''' || c.column_name || '''::text, ' || c.column_name || ',%'))
$$, 'the text the verbs write (messages, reasons, comments, replies) is bounded too');
-- Their bounds refuse with 22023 and a hint: no length check on such a column is a bare char_length() (23514), but
-- for a photo's storage path, whose format constraint (photo_in_property_folder) decides first.
select is_empty($$
  select k.conrelid::regclass || '.' || k.conname
    from pg_constraint k
   where k.connamespace = 'public'::regnamespace and k.contype = 'c'
     and pg_get_constraintdef(k.oid) ~ 'char_length\('
     and exists (select from pg_attribute a
                  where a.attrelid = k.conrelid and a.attnum = any (k.conkey)
                    and (has_column_privilege('authenticated', k.conrelid, a.attname, 'INSERT')
                         or has_column_privilege('authenticated', k.conrelid, a.attname, 'UPDATE')))
     and (k.conrelid, k.conname) <> ('public.property_photos'::regclass, 'storage_path_length')
$$, 'the length bound of every text column a client writes refuses with 22023 and a hint (private.text_within)');

-- Bookings and reviews: blank is blank -------------------------------------------------------------------------------
select tests.act_as(tests.user('tess'));
select tests.remember('booking', 'stay', (public.request_booking(tests.property('loft'), current_date + 20, current_date + 22, 1, e'\u200b\n\u200b')).id);
select is((select message from public.bookings where id = tests.booking('stay')), null,
  'a booking message of zero-width characters and a newline is no message');
select is((public.cancel_booking(tests.booking('stay'), e'  Plans changed \u200b')).cancel_reason, 'Plans changed',
  'a cancellation reason is stored trimmed');
select tests.remember('booking', 'past', tests.create_completed_stay(tests.property('loft'), tests.user('tess'), current_date - 10, 2, now() - interval '1 day'));
select tests.refuses($$ select public.submit_review(tests.booking('past'), 5, e'\u200b\u2060\n', 5, 5, 5, 5, 5, 5) $$,
  '22023', 'comment_required', 'a review comment of zero-width characters is blank');
select is((public.submit_review(tests.booking('past'), 5, e'\n Lovely \u200b', 5, 5, 5, 5, 5, 5)).comment, 'Lovely',
  'a review comment is stored trimmed');

-- Time zones: canonical IANA zones, Etc offsets and UTC ----------------------------------------------------------------
select tests.act_as(tests.user('tina'));
create function pg_temp.listing_in(zone text) returns text
language plpgsql as $$
begin
  insert into public.properties (title, city, country_code, time_zone, currency, nightly_price_cents)
  values ('Zone test', 'Zoneville', 'NZ', zone, 'NZD', 1000);
  return 'accepted';
exception when invalid_parameter_value then
  declare
    hint text;
  begin
    get stacked diagnostics hint = pg_exception_hint;
    return 'refused: ' || hint;
  end;
end $$;
select is(pg_temp.listing_in('localtime'), 'refused: unknown_time_zone', 'localtime is not a listing''s time zone');
select is(pg_temp.listing_in('posixrules'), 'refused: unknown_time_zone', 'posixrules is not a listing''s time zone');
select is(pg_temp.listing_in('Factory'), 'refused: unknown_time_zone', 'Factory is not a listing''s time zone');
select is(pg_temp.listing_in('posix/Europe/Paris'), 'refused: unknown_time_zone', 'posix/... copies are not listing time zones');
select is(pg_temp.listing_in('right/UTC'), 'refused: unknown_time_zone', 'right/... copies are not listing time zones');
select is(pg_temp.listing_in('US/Pacific'), 'refused: unknown_time_zone', 'an alias (US/Pacific) is not a canonical zone: America/Los_Angeles is');
select is(array[pg_temp.listing_in('America/Los_Angeles'), pg_temp.listing_in('Atlantic/Reykjavik'),
                pg_temp.listing_in('Etc/GMT-14'), pg_temp.listing_in('UTC')],
  array['accepted', 'accepted', 'accepted', 'accepted'], 'canonical zones, Etc offsets and UTC are accepted');
select tests.refuses($$ insert into public.properties (title, city, country_code, time_zone, currency, nightly_price_cents)
                        values ('Zone test', 'Zoneville', 'NZ', 'Pacific/Auckland', 'nzd', 1000) $$,
  '22023', 'unknown_currency', 'a currency is an upper-case ISO 4217 code of the catalogue (22023, not the foreign key''s 23503)');
select tests.refuses(format($$ update public.properties set time_zone = 'Mars/Olympus_Mons' where id = %L $$, tests.property('loft')),
  '22023', 'unknown_time_zone', 'an unknown zone is refused on update too');

select * from finish();
rollback;
