-- Read paths a client can call cost what the caller's own rows cost, and clients execute no private helper a
-- policy does not need. Plans are checked, not timed (the bench times them on its data): with sequential scans
-- disabled the planner still reads a table whole when no index can answer the policy, so a Seq Scan on a
-- client's list means the policy keeps every index out.
begin;
set local search_path = extensions, public;
select plan(18);

select tests.create_user('path-host');
select tests.create_user('path-guest');
select tests.create_admin('path-admin');
select tests.create_property(tests.user('path-host'), 'Path loft', handle => 'loft');
select tests.act_as(tests.user('path-guest'));
select public.request_booking(tests.property('loft'), current_date + 10, current_date + 12, 1);
select tests.act_as(tests.user('path-host'));
insert into public.availability_blocks (property_id, start_date, end_date) values (tests.property('loft'), current_date + 30, current_date + 32);

-- The scans of a statement's plan, as "Node Type on relation".
create function pg_temp.scans(statement text) returns text[]
language plpgsql as $$
declare
  plan jsonb;
begin
  execute 'explain (format json) ' || statement into plan;
  return array(select distinct (n ->> 'Node Type') || ' on ' || (n ->> 'Relation Name')
                 from jsonb_path_query(plan, 'strict $.** ? (exists (@."Relation Name"))') n order by 1);
end $$;

set local enable_seqscan = off;
select tests.act_as(tests.user('path-guest'));
select ok(not ('Seq Scan on bookings' = any (pg_temp.scans('select * from public.bookings order by check_in desc limit 20'))),
  'a guest''s "my bookings" without a filter is read from the indexes, not by reading every booking');
select is((select count(*)::int from public.bookings), 1, 'and it is the guest''s one booking');
select tests.act_as(tests.user('path-host'));
select ok(not ('Seq Scan on bookings' = any (pg_temp.scans('select * from public.bookings order by check_in desc limit 20'))),
  'a host''s reservations without a filter are read from the indexes');
select ok(not ('Seq Scan on availability_blocks' = any (pg_temp.scans('select * from public.availability_blocks order by start_date'))),
  'a host''s blocks are read from the index on property_id, not by a function call per block');
select is((select count(*)::int from public.availability_blocks), 1, 'and they are the host''s blocks');
select ok(not ('Seq Scan on external_calendars' = any (pg_temp.scans('select * from public.external_calendars order by created_at'))),
  'a host''s imported calendars are read from the index on property_id, not by a function call per feed');
select ok(not ('Seq Scan on calendar_conflicts' = any (pg_temp.scans('select * from public.calendar_conflicts order by detected_at desc limit 20'))),
  'a host''s calendar conflicts are read from the index on property_id, not by a function call per conflict');
select ok(not ('Seq Scan on property_locations' = any (pg_temp.scans('select * from public.property_locations'))),
  'a host''s exact locations are read by primary key, not by testing every location');
select tests.act_as(tests.user('path-guest'));
select ok(not ('Seq Scan on property_locations' = any (pg_temp.scans('select * from public.property_locations'))),
  'so are the exact locations of the listings a guest stayed at');
select tests.act_as(tests.user('path-admin'), aal => 'aal2');
select ok((select count(*)::int from public.bookings) >= 1 and (select count(*)::int from public.availability_blocks) >= 1,
  'an admin still reads every booking and every block');

-- Storage reads photos by name only: each object it signs costs one probe of its listing's primary key, and its folder
-- listings (which narrow by lower(name), a condition no index serves under row-level security) read no object at all.
select tests.act_as_owner();
insert into storage.objects (bucket_id, name)
select 'property-photos', tests.property('loft') || '/' || gen_random_uuid() || '.jpg' from generate_series(1, 3);
create function pg_temp.plan(statement text) returns jsonb
language plpgsql as $$
declare
  plan jsonb;
begin
  execute 'explain (analyze, format json) ' || statement into plan;
  return plan;
end $$;
-- How often the plan's scans of storage.objects ran (0: never started).
create function pg_temp.object_scans(statement text) returns int
language sql as $$
  select coalesce(sum((n ->> 'Actual Loops')::int), 0)::int
    from jsonb_path_query(pg_temp.plan(statement), 'strict $.** ? (@."Relation Name" == "objects")') n
$$;
-- Storage's listing step (storage.search's peek), as its list route runs it.
create temporary view path_folder_peek with (security_invoker = true) as
  select o.name from storage.objects o
   where o.bucket_id = 'property-photos' and lower(o.name) collate "C" >= lower(tests.property('loft')::text) collate "C"
   order by lower(o.name) collate "C" limit 1;
grant select on path_folder_peek to anon, authenticated;
select tests.act_as_anon();
select set_config('storage.operation', 'storage.object.sign', true);
-- The listing probe is a per-object subplan reading by id (on this small database the planner may take another
-- index that has id; at bench scale it takes the primary key: docs/search.md), never a hash or a join of every listing.
select ok((select bool_and(n ->> 'Parent Relationship' = 'SubPlan' and n ->> 'Subplan Name' not like 'hashed%'
                           and n ->> 'Index Cond' like '%(id = %') and count(*) = 1
             from jsonb_path_query(pg_temp.plan(format('select name from storage.objects where bucket_id = %L and name = %L',
                     'property-photos', (select name from storage.objects where name like tests.property('loft') || '/%' limit 1))),
                   'strict $.** ? (@."Relation Name" == "properties")') n),
  'Storage checks a photo it signs with one probe of its listing by id');
select tests.act_as(tests.user('path-host'));
select ok(pg_temp.object_scans('select * from path_folder_peek') > 0
          and (select count(*) from storage.search(tests.property('loft') || '/', 'property-photos', 100, 2)) = 3,
  'outside a list route, Storage''s folder listing reads objects (the checks below can fail)');
select set_config('storage.operation', 'storage.object.list', true);
select is(pg_temp.object_scans('select * from path_folder_peek'), 0,
  'in a list route it never starts a scan of storage.objects, not even for the host of the folder');
select is((select count(*)::int from storage.search(tests.property('loft') || '/', 'property-photos', 100, 2)), 0,
  'and storage.search lists nothing');
reset enable_seqscan;

-- Private helpers -------------------------------------------------------------------------------------------------
select tests.act_as_owner();
select set_eq($$
  select p.proname::text from pg_proc p
   where p.pronamespace = 'private'::regnamespace
     and (has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute')) $$,
  array['is_admin', 'holds_admin_role', 'require_admin', 'admin_id_floor', 'is_property_host', 'photo_folder_id',
        'is_random_photo_name', 'review_is_public', 'trimmed', 'can_join_topic', 'review_window_closes_at',
        'rating_average', 'text_within'],
  'clients execute only the private helpers policies, triggers and check constraints call as them (and two pure review formulas)');
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
   where p.pronamespace = 'private'::regnamespace and p.prosecdef
     and (has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute'))
     and not exists (select from pg_policies pol
                      where coalesce(pol.qual, '') || coalesce(pol.with_check, '') like '%private.' || p.proname || '(%') $$,
  'every security definer helper a client may execute is one a policy calls');
select tests.act_as_anon();
select throws_ok($$ select * from private.search_published_listings(null, null, null, null, null, null, null, null, null,
  null, null, null, null, null, null, null, 'rating', 100000, null, null) $$,
  '42501', null, 'anon cannot call the search helper directly (it has no page-size cap of its own)');
select throws_ok($$ select * from private.calendar_claims_of(gen_random_uuid(), '2000-01-01', '3000-01-01') $$,
  '42501', null, 'anon cannot read claimed nights directly, of any listing, over any range');

select * from finish();
rollback;
