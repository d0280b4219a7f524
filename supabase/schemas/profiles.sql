-- Profiles: one public row per auth user, and the helpers every later chapter reuses.
--
-- Rules enforced here:
--   * a profile is created by a trigger when Supabase Auth creates a user, and removed with the user;
--   * everyone (anon included) reads profiles; only the owner updates theirs, and never its id;
--   * no e-mail or phone in any exposed table: contact details stay in auth.users;
--   * an admin is a user whose app_metadata.role is 'admin' (set by the service role, never by the user;
--     user_metadata is writable by users and is never trusted); admin powers need a second factor as well: the
--     JWT's aal must be aal2 (a verified TOTP factor). private.is_admin() is the one predicate for powers in force
--     (reads: an admin at aal1 sees what any member sees), private.require_admin() refuses admin actions (42501,
--     hint not_admin, or mfa_required for an admin at aal1);
--   * the rating columns are kept by the database only (reviews.sql): no client has the column privilege;
--   * text is stored trimmed (private.trimmed: whitespace and zero-width characters at either end go), so a value
--     that is only such characters is blank; every text column a client writes has a length bound.

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  display_name text not null
    constraint display_name_length check (private.text_within('display_name', display_name, 1, 80)),
  avatar_url text
    constraint avatar_url_is_https check (avatar_url is null or avatar_url ~ '^https?://')
    constraint avatar_url_length check (private.text_within('avatar_url', avatar_url, 0, 2048)),
  bio text not null default ''
    constraint bio_length check (private.text_within('bio', bio, 0, 2000)),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Member ratings, kept by the reviews chapter (private.fold_reviews): sums and counts make averages exact.
  host_rating_avg numeric(3, 2),
  host_rating_count integer not null default 0,
  host_rating_sum bigint not null default 0,
  guest_rating_avg numeric(3, 2),
  guest_rating_count integer not null default 0,
  guest_rating_sum bigint not null default 0,
  constraint member_rating_totals_in_range check (
    host_rating_count >= 0 and host_rating_sum between host_rating_count and 5 * host_rating_count::bigint
    and guest_rating_count >= 0 and guest_rating_sum between guest_rating_count and 5 * guest_rating_count::bigint)
);
comment on table public.profiles is 'Public profile of a Staybase member: one row per auth user, created by Supabase Auth''s trigger.';
comment on column public.profiles.host_rating_avg is 'Average rating guests gave this member as a host (published, non-hidden reviews); kept by the database only.';
comment on column public.profiles.guest_rating_avg is 'Average rating hosts gave this member as a guest (published, non-hidden reviews); kept by the database only.';

-- Functions ------------------------------------------------------------------------------------------------------

-- What "blank" means everywhere: these characters at either end of a text are trimmed before it is stored or
-- measured (ASCII and Unicode white space, and the zero-width characters that render as nothing), so a text made
-- only of them is ''.
create function private.trimmed(value text) returns text
language sql immutable parallel safe
set search_path = ''
as $$
  select pg_catalog.btrim(value, e' \t\n\r\u000b\f\u0085\u00a0\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff')
$$;
comment on function private.trimmed(text) is 'The text without white space or zero-width characters at either end ('''' when it had nothing else).';

-- Before a write: the text columns named by the trigger's arguments are stored trimmed.
create function private.store_trimmed_text() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  written jsonb := pg_catalog.to_jsonb(new);
  trimmed jsonb := '{}';
  column_name text;
begin
  foreach column_name in array tg_argv loop
    if written ->> column_name is not null then
      trimmed := trimmed || pg_catalog.jsonb_build_object(column_name, private.trimmed(written ->> column_name));
    end if;
  end loop;
  new := pg_catalog.jsonb_populate_record(new, trimmed);
  return new;
end
$$;
comment on function private.store_trimmed_text() is 'Trigger: stores the text columns given as its arguments trimmed (private.trimmed).';

create function private.holds_admin_role() returns boolean
language sql stable
set search_path = ''
as $$
  select coalesce((select auth.jwt()) -> 'app_metadata' ->> 'role', '') = 'admin'
$$;
comment on function private.holds_admin_role() is 'True when the caller''s JWT says app_metadata.role = admin, at any assurance level (app_metadata is writable only by the service role).';

-- Admin powers need a second factor: the role alone (a stolen password) is not enough.
create function private.is_admin() returns boolean
language sql stable
set search_path = ''
as $$
  select (select private.holds_admin_role()) and coalesce((select auth.jwt()) ->> 'aal', '') = 'aal2'
$$;
comment on function private.is_admin() is 'True when the caller is an admin whose session passed a second factor (JWT aal = aal2): admin powers are in force.';

-- For actions only admins take: refuses anyone else, and an admin whose session has no second factor.
create function private.require_admin() returns void
language plpgsql stable
set search_path = ''
as $$
begin
  if not private.holds_admin_role() then
    raise exception 'only an admin may do this' using errcode = '42501', hint = 'not_admin';
  end if;
  if not private.is_admin() then
    raise exception 'admin powers need a second factor: verify a TOTP factor (an aal2 session) and try again'
      using errcode = '42501', hint = 'mfa_required';
  end if;
end
$$;
comment on function private.require_admin() is 'Refuses with 42501 unless the caller is an admin at aal2: hint not_admin, or mfa_required for an admin at aal1.';

-- The admin arm of a read policy, as an index range: `id >= private.admin_id_floor()` holds for every row when the
-- caller is an admin (the least uuid) and for none otherwise (null). A bare `or private.is_admin()` beside indexed
-- arms (guest_id = me or host_id = me) keeps the planner from a BitmapOr of them, so every row would be read; this
-- arm is one more index range (the primary key), empty for members. Called bare, not in a sub-select, so that the
-- planner evaluates it while estimating (it is stable) and sees the empty range: a bitmap scan evaluates it once.
-- PL/pgSQL, so that its expression is planned once per session (~10 µs a call instead of ~80 µs).
create function private.admin_id_floor() returns uuid
language plpgsql stable
set search_path = ''
as $$
begin
  return case when private.is_admin() then '00000000-0000-0000-0000-000000000000'::uuid end;
end
$$;
comment on function private.admin_id_floor() is 'The least uuid for an admin, null for anyone else: `id >= private.admin_id_floor()` is an admin''s policy arm as an index range.';

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
    private.trimmed(left(coalesce(
      nullif(private.trimmed(new.raw_user_meta_data ->> 'display_name'), ''),
      nullif(private.trimmed(new.raw_user_meta_data ->> 'full_name'), ''),
      nullif(private.trimmed(new.raw_user_meta_data ->> 'name'), ''),
      'New member'), 80)),
    case when private.trimmed(new.raw_user_meta_data ->> 'avatar_url') ~ '^https?://'
          and char_length(private.trimmed(new.raw_user_meta_data ->> 'avatar_url')) <= 2048
         then private.trimmed(new.raw_user_meta_data ->> 'avatar_url') end
  );
  return new;
end
$$;
comment on function private.create_profile_for_new_user() is 'Trigger on auth.users: creates the member''s profile from raw_user_meta_data.';

-- Triggers -------------------------------------------------------------------------------------------------------

create trigger profiles_touch_updated_at before update on public.profiles
  for each row execute function private.touch_updated_at();
create trigger profiles_store_trimmed_text before insert or update of display_name, avatar_url, bio on public.profiles
  for each row execute function private.store_trimmed_text('display_name', 'avatar_url', 'bio');

create trigger on_auth_user_created after insert on auth.users
  for each row execute function private.create_profile_for_new_user();

-- Grants ---------------------------------------------------------------------------------------------------------

revoke all on function private.create_profile_for_new_user() from public, anon, authenticated, service_role;
revoke all on function private.touch_updated_at() from public, anon, authenticated, service_role;
grant execute on function private.holds_admin_role(), private.is_admin(), private.require_admin() to anon, authenticated, service_role;
revoke all on function private.store_trimmed_text() from public, anon, authenticated, service_role;
-- Triggers call it as the writer.
revoke all on function private.trimmed(text) from public;
grant execute on function private.trimmed(text) to anon, authenticated, service_role;
revoke all on function private.admin_id_floor() from public;
grant execute on function private.admin_id_floor() to anon, authenticated, service_role;

-- Table privileges are revoked, then granted exactly (Supabase's default privileges grant everything): clients
-- read every column and update only what a member may change about themselves.
revoke all on table public.profiles from anon, authenticated, service_role;
grant select on table public.profiles to anon, authenticated;
grant update (display_name, avatar_url, bio) on table public.profiles to authenticated;
grant select, insert, update, delete on table public.profiles to service_role;

-- Row-level security ---------------------------------------------------------------------------------------------

alter table public.profiles enable row level security;

create policy "profiles are public" on public.profiles
  for select to anon, authenticated
  using (true);

create policy "members edit their own profile" on public.profiles
  for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));
