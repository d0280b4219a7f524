-- Seed for the local stack: dev users (created as Supabase Auth would: their profiles come from the trigger).
insert into auth.users (id, instance_id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
values
  ('00000000-0000-4000-a000-000000000001', '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated',
   'admin@staybase.test', now(), '{"provider":"email","providers":["email"],"role":"admin"}', '{"display_name":"Ada Admin"}', now(), now()),
  ('00000000-0000-4000-a000-000000000002', '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated',
   'host.hana@staybase.test', now(), '{"provider":"email","providers":["email"]}', '{"display_name":"Hana Host"}', now(), now()),
  ('00000000-0000-4000-a000-000000000003', '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated',
   'guest.gus@staybase.test', now(), '{"provider":"email","providers":["email"]}', '{"display_name":"Gus Guest"}', now(), now())
on conflict (id) do nothing;
