-- Privacy and retention: forgetting a member, and jobs that keep the database lean.
--
-- Rules enforced here:
--   * erasing a member (deleting their auth user, through Supabase Auth's admin API, private.erase_member for the
--     service role, or public.erase_member for an admin at aal2) removes
--     their profile and personal text (booking messages, cancellation reasons they wrote, their Stripe customer
--     link), archives their listings and deletes their exact locations, and keeps what the law asks to keep (bookings, payments, reviews),
--     detached from the person: the member columns become null, and a review without an author reads as written
--     by a former member;
--   * erasure reaches everything: the member's Storage files (objects they own, e.g. avatars, and every photo of their
--     listings, whose photo rows go too) are queued in private.storage_removals in the erasing transaction and removed
--     through the Storage API by the storage-worker function (a database row alone must not delete a file); their
--     Stripe Customer is deleted at Stripe through the payments outbox (payments.sql), once;
--   * a member with active bookings (a request, a hold, or a confirmed stay not yet over) cannot be erased;
--   * retention jobs, idempotent and each returning what it did: processed Stripe events after 90 days, finished
--     outbox rows after 400 days; Storage photo files that no photo row refers to are listed for removal
--     through the Storage API (a database row alone must not delete a file).

-- Tables ---------------------------------------------------------------------------------------------------------

create table private.erasures (
  id bigint generated always as identity primary key,
  erased_at timestamptz not null default now(),
  listings_archived integer not null,
  bookings_detached integer not null,
  reviews_detached integer not null
);
comment on table private.erasures is 'One row per erased member: when, and what was detached. No personal data, not even the id.';

create table private.storage_removals (
  id bigint generated always as identity primary key,
  bucket_id text not null constraint storage_removal_bucket_length check (char_length(bucket_id) <= 100),
  name text not null constraint storage_removal_name_length check (char_length(name) <= 1024),
  attempts integer not null default 0 constraint storage_removal_attempts_not_negative check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  locked_until timestamptz,
  last_error text constraint storage_removal_last_error_length check (char_length(last_error) <= 2000),
  queued_at timestamptz not null default now(),
  constraint storage_removal_once unique (bucket_id, name)
);
comment on table private.storage_removals is
  'Storage files an erasure removes, queued in the erasing transaction and drained by the storage-worker function through the Storage API; a row goes once Storage removed its file.';

-- Indexes --------------------------------------------------------------------------------------------------------

create index storage_removals_due_idx on private.storage_removals (next_attempt_at);

-- Functions ------------------------------------------------------------------------------------------------------

-- Runs before a profile is deleted (the cascade from auth.users), whoever deletes the user: refuses while the
-- member has active bookings, archives their listings and removes the personal text they wrote.
create function private.forget_member() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  listings integer;
  bookings integer;
  reviews integer;
begin
  if exists (select 1 from public.bookings b
              where old.id in (b.guest_id, b.host_id)
                and (b.status in ('awaiting_host', 'pending_payment')
                     or (b.status = 'confirmed' and b.check_out_at > pg_catalog.now()))) then
    raise exception 'this member has active bookings: cancel or finish them before erasing the account'
      using errcode = 'PT409', hint = 'member_has_active_bookings';
  end if;
  update public.properties p set status = 'archived' where p.host_id = old.id and p.status <> 'archived';
  get diagnostics listings = row_count;
  -- The exact places of their listings are personal data: they go (the listings keep no public point).
  delete from public.property_locations l using public.properties p where l.property_id = p.id and p.host_id = old.id;
  update public.bookings b
     set message = case when b.guest_id = old.id then null else b.message end,
         cancel_reason = case when b.cancelled_by = old.id then null else b.cancel_reason end
   where old.id in (b.guest_id, b.host_id, b.cancelled_by);
  get diagnostics bookings = row_count;
  select count(*) into reviews from public.reviews r where old.id in (r.author_id, r.subject_id);
  -- Their files: objects they own, and every photo of their listings (found by the listing's folder, a range of the
  -- (bucket_id, name) index); the photo rows that name them go now, the files through the Storage API.
  insert into private.storage_removals (bucket_id, name)
  select o.bucket_id, o.name from storage.objects o where o.owner = old.id or o.owner_id = old.id::text
  union
  select o.bucket_id, o.name
    from public.properties p
    join storage.objects o on o.bucket_id = 'property-photos'
                          and o.name collate "C" >= p.id::text || '/' and o.name collate "C" < p.id::text || '0'
   where p.host_id = old.id
  on conflict on constraint storage_removal_once do nothing;
  delete from public.property_photos ph using public.properties p where ph.property_id = p.id and p.host_id = old.id;
  update storage.objects o set owner = null, owner_id = null where o.owner = old.id or o.owner_id = old.id::text;
  insert into private.erasures (listings_archived, bookings_detached, reviews_detached) values (listings, bookings, reviews);
  return old;
end
$$;
comment on function private.forget_member() is 'Trigger: before a member''s profile goes, refuses if they have active bookings, archives their listings, removes their personal text.';

create function private.erase_member(user_id uuid) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  erasure private.erasures;
begin
  if not exists (select 1 from auth.users u where u.id = erase_member.user_id) then
    raise exception 'no member %', user_id using errcode = 'PT404', hint = 'member_not_found';
  end if;
  delete from auth.users u where u.id = erase_member.user_id;  -- cascades to the profile: private.forget_member
  select e.* into erasure from private.erasures e order by e.id desc limit 1;
  return jsonb_build_object('listings_archived', erasure.listings_archived,
                            'bookings_detached', erasure.bookings_detached,
                            'reviews_detached', erasure.reviews_detached);
end
$$;
comment on function private.erase_member(uuid) is
  'Erases a member on request (service role): deletes the auth user; the trigger detaches what must be kept. Returns what it did.';

-- An admin's erasure (a member's request reached support): the same, at aal2 only.
create function public.erase_member(member_id uuid) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.require_admin();
  return private.erase_member(member_id);
end
$$;
comment on function public.erase_member(uuid) is
  'Erases a member on request, for an admin at aal2 (42501 not_admin / mfa_required otherwise): private.erase_member.';

create function private.prune_stripe_events(older_than interval default interval '90 days') returns integer
language sql
security definer
set search_path = ''
as $$
  with pruned as (
    delete from payments.stripe_events e
     where e.outcome in ('processed', 'ignored', 'acknowledged')
       and e.processed_at < pg_catalog.now() - older_than
    returning 1
  )
  select count(*)::integer from pruned
$$;
comment on function private.prune_stripe_events(interval) is
  'Job: deletes Stripe events handled longer ago than the retention (default 90 days; failed ones stay). Returns the count. A replay of a pruned event is older than Stripe''s own retry window.';

create function private.prune_outbox(older_than interval default interval '400 days') returns integer
language sql
security definer
set search_path = ''
as $$
  with pruned as (
    delete from payments.outbox o
     where o.status in ('done', 'cancelled')
       and o.finished_at < pg_catalog.now() - older_than
       and not exists (select 1 from payments.outbox r
                        where r.depends_on = o.id
                          and not (r.status in ('done', 'cancelled') and r.finished_at < pg_catalog.now() - older_than))
    returning 1
  )
  select count(*)::integer from pruned
$$;
comment on function private.prune_outbox(interval) is
  'Job: deletes outbox rows finished longer ago than the retention (default 400 days), never one a kept row depends on. Returns the count.';

create function private.orphaned_photo_files(older_than interval default interval '24 hours')
returns table (name text, created_at timestamptz)
language sql stable
security definer
set search_path = ''
as $$
  select o.name, o.created_at
    from storage.objects o
   where o.bucket_id = 'property-photos'
     and o.created_at < pg_catalog.now() - older_than
     and not exists (select 1 from public.property_photos ph where ph.storage_path = o.name)
   order by o.created_at
$$;
comment on function private.orphaned_photo_files(interval) is
  'Storage files in property-photos that no photo row names, uploaded longer ago than the grace period (default 24 h): remove them through the Storage API.';

-- The storage worker: claims due removals (a lease, an attempt counted, for update skip locked), removes the files
-- through the Storage API, then completes them (the rows go) or fails them (retried with backoff). Removing a file
-- Storage no longer has is a no-op, so a worker killed between Storage and complete repeats nothing harmful.
create function private.claim_storage_removals(max_files integer default 100, lease_seconds integer default 120)
returns table (id bigint, bucket_id text, name text, attempts integer)
language sql
security definer
set search_path = ''
as $$
  with due as (
    select r.id from private.storage_removals r
     where r.next_attempt_at <= pg_catalog.now() and (r.locked_until is null or r.locked_until <= pg_catalog.now())
     order by r.next_attempt_at, r.id
     limit greatest(least(max_files, 1000), 1)
     for update skip locked
  )
  update private.storage_removals r
     set attempts = r.attempts + 1,
         locked_until = pg_catalog.now() + pg_catalog.make_interval(secs => greatest(lease_seconds, 1))
    from due
   where r.id = due.id
  returning r.id, r.bucket_id, r.name, r.attempts
$$;
comment on function private.claim_storage_removals(integer, integer) is
  'Worker: claims up to max_files due Storage removals (lease + attempt counter, for update skip locked).';

create function private.complete_storage_removals(ids bigint[]) returns integer
language sql
security definer
set search_path = ''
as $$
  with done as (delete from private.storage_removals r where r.id = any (ids) returning 1)
  select count(*)::integer from done
$$;
comment on function private.complete_storage_removals(bigint[]) is 'Worker: Storage removed these files; their rows go. Returns how many.';

-- Backoff: 30 s, 1 min, 2 min, ... capped at 1 h; the row stays until Storage removes the file.
create function private.fail_storage_removals(ids bigint[], error text) returns integer
language sql
security definer
set search_path = ''
as $$
  with failed as (
    update private.storage_removals r
       set locked_until = null, last_error = left(error, 2000),
           next_attempt_at = pg_catalog.now()
             + least(interval '1 hour', interval '30 seconds' * power(2, greatest(r.attempts - 1, 0)))
     where r.id = any (ids)
    returning 1
  )
  select count(*)::integer from failed
$$;
comment on function private.fail_storage_removals(bigint[], text) is 'Worker: records a failed removal; retried with backoff.';

-- Where pg_cron runs (Supabase): calls the storage-worker edge function with pg_net and the Vault secrets
-- project_url and service_role_key, as private.request_calendar_sync does, and only when removals are due.
-- Returns pg_net's request id, or null (nothing due; or, with a warning, pg_net or the secrets missing).
create function private.request_storage_removals() returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  url text;
  service_key text;
  request_id bigint;
begin
  if not exists (select from private.storage_removals r
                  where r.next_attempt_at <= pg_catalog.now()
                    and (r.locked_until is null or r.locked_until <= pg_catalog.now())) then
    return null;
  end if;
  url := private.project_url();
  if url is not null then
    execute 'select decrypted_secret from vault.decrypted_secrets where name = $1 order by created_at desc limit 1'
      into service_key using 'service_role_key';
  end if;
  if url is null or service_key is null
     or not exists (select from pg_catalog.pg_proc p where p.pronamespace::regnamespace::text = 'net' and p.proname = 'http_post') then
    raise warning 'storage removals not requested: it needs pg_net and the Vault secrets project_url and service_role_key';
    return null;
  end if;
  execute 'select net.http_post(url := $1, body := $2, headers := $3, timeout_milliseconds := $4)'
    into request_id
    using url || '/functions/v1/storage-worker', '{}'::jsonb,
          pg_catalog.jsonb_build_object('Authorization', 'Bearer ' || service_key, 'Content-Type', 'application/json'),
          5000;
  return request_id;
end
$$;
comment on function private.request_storage_removals() is
  'Job: asks the storage-worker edge function for a run when Storage removals are due (pg_net + Vault secrets); null otherwise.';

-- Triggers -------------------------------------------------------------------------------------------------------

create trigger profiles_forget_member before delete on public.profiles
  for each row execute function private.forget_member();

-- Grants ---------------------------------------------------------------------------------------------------------

revoke all on function public.erase_member(uuid) from public, anon;
grant execute on function public.erase_member(uuid) to authenticated;
revoke all on function private.forget_member(), private.erase_member(uuid), private.prune_stripe_events(interval),
  private.prune_outbox(interval), private.orphaned_photo_files(interval) from public, anon, authenticated;
grant execute on function private.erase_member(uuid), private.prune_stripe_events(interval),
  private.prune_outbox(interval), private.orphaned_photo_files(interval) to service_role;
revoke all on function private.claim_storage_removals(integer, integer), private.complete_storage_removals(bigint[]),
  private.fail_storage_removals(bigint[], text), private.request_storage_removals() from public, anon, authenticated;
grant execute on function private.claim_storage_removals(integer, integer), private.complete_storage_removals(bigint[]),
  private.fail_storage_removals(bigint[], text) to service_role;

alter table private.erasures enable row level security;
revoke all on table private.erasures from public, anon, authenticated;
-- The queue is the worker functions' (security definer): no API role reads or writes it directly.
alter table private.storage_removals enable row level security;
revoke all on table private.storage_removals from public, anon, authenticated, service_role;
