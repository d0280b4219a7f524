-- Profiles: one public row per auth user, and the helpers every later chapter reuses.
--
-- Rules enforced here:
--   * a profile is created by a trigger when Supabase Auth creates a user, and removed with the user;
--   * everyone (anon included) reads profiles; only the owner updates theirs, and never its id;
--   * no e-mail or phone in any exposed table: contact details stay in auth.users;
--   * an admin is a user whose app_metadata.role is 'admin' (set by the service role, never by the user;
--     user_metadata is writable by users and is never trusted): private.is_admin() is the one predicate for it.

-- The non-exposed schema for helpers that policies and triggers use.
create schema if not exists private;
comment on schema private is 'Helpers for policies and triggers; not exposed through the Data API.';
grant usage on schema private to anon, authenticated, service_role;

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  display_name text not null
    constraint display_name_length check (char_length(btrim(display_name)) between 1 and 80),
  avatar_url text
    constraint avatar_url_is_https check (avatar_url is null or avatar_url ~ '^https?://'),
  bio text not null default ''
    constraint bio_length check (char_length(bio) <= 2000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.profiles is 'Public profile of a Staybase member: one row per auth user, created by Supabase Auth''s trigger.';

-- Functions ------------------------------------------------------------------------------------------------------

create function private.is_admin() returns boolean
language sql stable
set search_path = ''
as $$
  select coalesce((select auth.jwt()) -> 'app_metadata' ->> 'role', '') = 'admin'
$$;
comment on function private.is_admin() is 'True when the caller''s JWT says app_metadata.role = admin (app_metadata is writable only by the service role).';

create function private.touch_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
comment on function private.touch_updated_at() is 'Trigger: keeps updated_at current on every update.';

-- Runs as the owner because Supabase Auth (supabase_auth_admin) inserts users and may not write public.profiles.
create function private.create_profile_for_new_user() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.profiles (id, display_name, avatar_url)
  values (
    new.id,
    left(coalesce(
      nullif(btrim(new.raw_user_meta_data ->> 'display_name'), ''),
      nullif(btrim(new.raw_user_meta_data ->> 'full_name'), ''),
      nullif(btrim(new.raw_user_meta_data ->> 'name'), ''),
      'New member'), 80),
    case when new.raw_user_meta_data ->> 'avatar_url' ~ '^https?://' then new.raw_user_meta_data ->> 'avatar_url' end
  );
  return new;
end
$$;
comment on function private.create_profile_for_new_user() is 'Trigger on auth.users: creates the member''s profile from raw_user_meta_data.';

-- Triggers -------------------------------------------------------------------------------------------------------

create trigger profiles_touch_updated_at before update on public.profiles
  for each row execute function private.touch_updated_at();

create trigger on_auth_user_created after insert on auth.users
  for each row execute function private.create_profile_for_new_user();

-- Grants ---------------------------------------------------------------------------------------------------------

revoke all on function private.create_profile_for_new_user() from public, anon, authenticated, service_role;
revoke all on function private.touch_updated_at() from public, anon, authenticated, service_role;
grant execute on function private.is_admin() to anon, authenticated, service_role;

-- Clients read every column and update only what a member may change about themselves.
revoke insert, update, delete, truncate, references, trigger on public.profiles from anon, authenticated;
grant update (display_name, avatar_url, bio) on public.profiles to authenticated;

-- Row-level security ---------------------------------------------------------------------------------------------

alter table public.profiles enable row level security;

create policy "profiles are public" on public.profiles
  for select to anon, authenticated
  using (true);

create policy "members edit their own profile" on public.profiles
  for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));
