-- Profiles: created by Supabase Auth's trigger, public to read, editable only by their owner, gone with the user.
begin;
set local search_path = extensions, public;
select plan(23);

select tests.create_user('ada', display_name => 'Ada Lovelace');
select tests.create_user('bob');
select tests.create_admin('root');

-- The trigger
select is((select display_name from public.profiles where id = tests.user('ada')), 'Ada Lovelace',
  'a new auth user gets a profile named from raw_user_meta_data');
insert into auth.users (id, email, raw_user_meta_data) values (gen_random_uuid(), 'nameless@tests.staybase.test', '{}');
select is((select display_name from public.profiles p join auth.users u using (id) where u.email = 'nameless@tests.staybase.test'),
  'New member', 'a user without a name in their metadata gets a placeholder name');
select hasnt_column('public', 'profiles', 'email', 'profiles have no e-mail column');
select hasnt_column('public', 'profiles', 'phone', 'profiles have no phone column');
select is((select count(*)::int from information_schema.columns
           where table_schema = 'public' and column_name in ('email', 'phone')), 0,
  'no exposed table has an e-mail or phone column');

-- Reading
select tests.act_as_anon();
select ok((select count(*) from public.profiles where id = tests.user('ada')) = 1, 'anon reads profiles');
select tests.act_as(tests.user('bob'));
select ok((select count(*) from public.profiles where id = tests.user('ada')) = 1, 'a member reads other members'' profiles');

-- Updating
select tests.act_as(tests.user('ada'));
update public.profiles set bio = 'Mathematician' where id = tests.user('ada');
select tests.act_as_owner();
select is((select bio from public.profiles where id = tests.user('ada')), 'Mathematician', 'a member updates their own profile');

select tests.act_as(tests.user('bob'));
update public.profiles set bio = 'defaced' where id = tests.user('ada');
select tests.act_as_owner();
select is((select bio from public.profiles where id = tests.user('ada')), 'Mathematician',
  'a member cannot update another member''s profile (no row is visible to the update)');

select tests.act_as(tests.user('ada'));
select throws_ok($$ update public.profiles set id = gen_random_uuid() where id = tests.user('ada') $$,
  '42501', null, 'a member cannot change their profile''s id');
select throws_ok($$ update public.profiles set created_at = now() - interval '1 year' where id = tests.user('ada') $$,
  '42501', null, 'a member cannot rewrite created_at');
select tests.refuses($$ update public.profiles set display_name = '   ' where id = tests.user('ada') $$,
  '22023', 'text_required', 'a blank display name is refused by the display_name_length constraint');
select throws_ok($$ insert into public.profiles (id, display_name) values (gen_random_uuid(), 'forged') $$,
  '42501', null, 'members cannot insert profiles: the trigger makes them');
select throws_ok($$ delete from public.profiles where id = tests.user('ada') $$,
  '42501', null, 'members cannot delete profiles');

select tests.act_as_anon();
select throws_ok($$ update public.profiles set bio = 'anon' $$, '42501', null, 'anon cannot update profiles');

-- Admins are decided by app_metadata only
select tests.act_as(tests.user('root'), aal => 'aal2');
select ok(private.is_admin(), 'a user whose app_metadata.role is admin, in a session that passed a second factor, is an admin');
select tests.act_as(tests.user('root'));
select ok(private.holds_admin_role() and not private.is_admin(),
  'an admin whose session has no second factor (aal1) holds the role but not the powers');
select tests.refuses($$ select private.require_admin() $$, '42501', 'mfa_required',
  'an admin action at aal1 is refused with hint mfa_required');
select tests.act_as(tests.user('ada'), aal => 'aal2');
select tests.refuses($$ select private.require_admin() $$, '42501', 'not_admin',
  'a member with a second factor is still no admin');
select tests.act_as(tests.user('ada'));
select ok(not private.is_admin(), 'a plain member is not an admin');
select tests.act_as_owner();
update auth.users set raw_user_meta_data = raw_user_meta_data || '{"role": "admin"}' where id = tests.user('bob');
select tests.act_as(tests.user('bob'));
select ok(not private.is_admin(), 'user_metadata.role = admin (writable by the user) does not make an admin');

-- Removal with the user
select tests.act_as_owner();
delete from auth.users where id = tests.user('bob');
select is((select count(*)::int from public.profiles p where not exists (select from auth.users u where u.id = p.id)), 0,
  'deleting an auth user removes their profile');
select ok((select updated_at > created_at or updated_at = created_at from public.profiles where id = tests.user('ada')),
  'updated_at is kept by the database');

select * from finish();
rollback;
