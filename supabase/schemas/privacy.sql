-- Privacy and retention: forgetting a member, and jobs that keep the database lean.
--
-- Rules enforced here:
--   * erasing a member (deleting their auth user, through Supabase Auth's admin API or private.erase_member) removes
--     their profile and personal text (booking messages, cancellation reasons they wrote, their Stripe customer
--     link), archives their listings and deletes their exact locations, and keeps what the law asks to keep (bookings, payments, reviews),
--     detached from the person: the member columns become null, and a review without an author reads as written
--     by a former member;
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
  update storage.objects o set owner = null, owner_id = null where o.owner = old.id;
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

-- Triggers -------------------------------------------------------------------------------------------------------

create trigger profiles_forget_member before delete on public.profiles
  for each row execute function private.forget_member();

-- Grants ---------------------------------------------------------------------------------------------------------

revoke all on function private.forget_member(), private.erase_member(uuid), private.prune_stripe_events(interval),
  private.prune_outbox(interval), private.orphaned_photo_files(interval) from public, anon, authenticated;
grant execute on function private.erase_member(uuid), private.prune_stripe_events(interval),
  private.prune_outbox(interval), private.orphaned_photo_files(interval) to service_role;

alter table private.erasures enable row level security;
revoke all on table private.erasures from public, anon, authenticated;
