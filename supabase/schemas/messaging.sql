-- Messaging: conversations between a guest and a listing's host, before and after a booking, delivered live through
-- Realtime Broadcast from the database.
--
-- Rules enforced here:
--   * a conversation is one guest and one listing (hence its host): start_conversation opens it (or returns the one
--     that exists) with a first message; a booking request opens or reuses it, links the booking, and its message
--     becomes a message of the thread; send_message adds to it, mark_conversation_read clears the caller's unread count;
--   * only the two parties read a conversation and its messages (admins too, at aal2, read only); nobody writes the
--     rows directly: the functions above do;
--   * a body is 1 to 5000 characters once trimmed of white space, zero-width characters included (22023, hints
--     message_blank / message_too_long);
--   * contact details stay inside the platform until the two have a confirmed booking together: e-mail addresses,
--     phone numbers (9 digits or more) and links are masked in the body both parties read; what was really sent is
--     kept in private.message_originals, which only admins review (public.message_original);
--   * spam limits, settings read with current_setting (defaults in private.messaging_limit):
--     staybase.new_conversations_per_day (default 10) and staybase.messages_per_minute (default 20), refused with
--     PT409 / hints conversation_limit_reached and message_rate_limited; exact under concurrency (a member's calls
--     are counted one at a time, private.lock_member_limits);
--   * each new message is broadcast (realtime.send, private) on the topic conversation:<id>; the policy on
--     realtime.messages lets only the conversation's two parties join that topic;
--   * erasing a member removes the bodies they wrote and what was kept of them (originals, broadcast copies in
--     realtime.messages); the thread stays readable to the
--     other party, the erased one reading as "former member".

-- Tables ---------------------------------------------------------------------------------------------------------

create table public.conversations (
  id uuid primary key default gen_random_uuid(),
  property_id uuid not null references public.properties (id) on delete cascade,
  guest_id uuid references public.profiles (id) on delete set null,
  host_id uuid references public.profiles (id) on delete set null,
  booking_id uuid references public.bookings (id) on delete set null,
  created_at timestamptz not null default now(),
  last_message_at timestamptz not null default now(),
  last_message_body text,
  last_message_sender_id uuid,
  guest_unread_count integer not null default 0,
  host_unread_count integer not null default 0,
  guest_last_read_at timestamptz,
  host_last_read_at timestamptz,
  constraint one_conversation_per_guest_and_listing unique (property_id, guest_id),
  constraint conversation_guest_is_not_host check (guest_id <> host_id),
  constraint unread_counts_not_negative check (guest_unread_count >= 0 and host_unread_count >= 0)
);
comment on table public.conversations is
  'A thread between a guest and a listing''s host: an inquiry, then the booking''s messages. Written only by the messaging functions.';
comment on column public.conversations.booking_id is 'The latest booking the guest requested at this listing, if any.';
comment on column public.conversations.guest_id is 'The guest; null once they were erased (reads as a former member).';
comment on column public.conversations.host_id is 'The host; null once they were erased (reads as a former member).';
comment on column public.conversations.last_message_body is 'The last message as the parties read it (kept with each message, so the list reads no message rows).';

create table public.messages (
  id bigint generated always as identity primary key,
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  sender_id uuid references public.profiles (id) on delete set null,
  body text,
  masked boolean not null default false,
  created_at timestamptz not null default now(),
  constraint body_length check (char_length(body) between 1 and 5000),
  constraint body_kept_while_sender_is check (body is not null or sender_id is null)
);
comment on table public.messages is
  'Messages of a conversation, as both parties read them (contact details masked before a confirmed booking). Page newest first by id.';
comment on column public.messages.body is 'The text the parties read; null once its sender was erased.';
comment on column public.messages.masked is 'True when contact details were masked: the original is kept for admins only.';

create table private.message_originals (
  message_id bigint primary key references public.messages (id) on delete cascade,
  body text not null
);
comment on table private.message_originals is 'What was really sent when a message was masked: for admins to review, never for the recipient.';

-- Indexes --------------------------------------------------------------------------------------------------------

create index conversations_guest_id_idx on public.conversations (guest_id, last_message_at desc);
create index conversations_host_id_idx on public.conversations (host_id, last_message_at desc);
create index conversations_booking_id_idx on public.conversations (booking_id) where booking_id is not null;
create index conversations_guest_created_idx on public.conversations (guest_id, created_at);
create index messages_conversation_id_idx on public.messages (conversation_id, id desc);
create index messages_sender_id_idx on public.messages (sender_id, created_at);

-- Functions ------------------------------------------------------------------------------------------------------

create function private.messaging_limit(name text) returns integer
language sql stable
set search_path = ''
as $$
  select coalesce(nullif(pg_catalog.current_setting('staybase.' || name, true), '')::integer,
                  case name when 'new_conversations_per_day' then 10 when 'messages_per_minute' then 20 end)
$$;
comment on function private.messaging_limit(text) is
  'A spam limit: the setting staybase.<name> when set (alter database ... set), else its default (new_conversations_per_day 10, messages_per_minute 20).';

-- Trims white space and zero-width characters at both ends; refuses a blank or too long body.
create function private.message_body(body text) returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  trimmed text := pg_catalog.regexp_replace(coalesce(body, ''),
    '^[\s\u00A0\u1680\u180E\u2000-\u200D\u2028\u2029\u202F\u205F\u2060\u3000\uFEFF]+|[\s\u00A0\u1680\u180E\u2000-\u200D\u2028\u2029\u202F\u205F\u2060\u3000\uFEFF]+$',
    '', 'g');
begin
  if trimmed = '' then
    raise exception 'a message cannot be blank' using errcode = '22023', hint = 'message_blank';
  end if;
  if pg_catalog.char_length(trimmed) > 5000 then
    raise exception 'a message has at most 5000 characters' using errcode = '22023', hint = 'message_too_long';
  end if;
  return trimmed;
end
$$;
comment on function private.message_body(text) is 'A message body trimmed of white space and zero-width characters; 22023 when blank or over 5000 characters.';

create function private.mask_contact_details(body text) returns text
language sql immutable
set search_path = ''
as $$
  select pg_catalog.regexp_replace(
           pg_catalog.regexp_replace(
             pg_catalog.regexp_replace(body,
               '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}', '[email hidden]', 'g'),
             '(https?://|www\.)[^\s]+|\m[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.(com|net|org|io|co|me|app|info|biz|ly|gl|to|nz|au|uk|us|de|fr|es|it|nl)\M(/[^\s]*)?',
             '[link hidden]', 'gi'),
           '\+?(\d[\s().-]{0,2}){8,}\d', '[phone hidden]', 'g')
$$;
comment on function private.mask_contact_details(text) is 'The body with e-mail addresses, links and phone numbers (9+ digits) replaced by placeholders.';

create function private.have_confirmed_booking(guest_id uuid, host_id uuid) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.bookings b
                  where b.guest_id = have_confirmed_booking.guest_id and b.host_id = have_confirmed_booking.host_id
                    and b.status in ('confirmed', 'completed'))
$$;
comment on function private.have_confirmed_booking(uuid, uuid) is 'True when the guest has (or had) a confirmed stay with the host: contact details then pass.';

-- Adds a message to a conversation as sender: masked when the parties have no confirmed booking, the original kept
-- for admins, the recipient's unread count raised. No limits: the verbs check those.
create function private.post_message(conversation public.conversations, sender uuid, body text) returns public.messages
language plpgsql
security definer
set search_path = ''
as $$
declare
  clean text := private.message_body(body);
  shown text := clean;
  message public.messages;
begin
  if not private.have_confirmed_booking(conversation.guest_id, conversation.host_id) then
    shown := private.mask_contact_details(clean);
  end if;
  insert into public.messages (conversation_id, sender_id, body, masked)
  values (conversation.id, sender, shown, shown <> clean)
  returning * into message;
  if shown <> clean then
    insert into private.message_originals (message_id, body) values (message.id, clean);
  end if;
  update public.conversations c
     set last_message_at = message.created_at, last_message_body = message.body, last_message_sender_id = sender,
         guest_unread_count = c.guest_unread_count + case when sender = c.guest_id then 0 else 1 end,
         host_unread_count = c.host_unread_count + case when sender = c.host_id then 0 else 1 end
   where c.id = conversation.id;
  return message;
end
$$;
comment on function private.post_message(public.conversations, uuid, text) is 'Adds a message (masked when due, original kept for admins) and raises the recipient''s unread count.';

-- A member's spam limits are counted one call at a time: concurrent calls would each count the others' rows as absent.
-- A transaction-scoped advisory lock per member, taken after any conversation row lock (send_message and
-- start_conversation lock the conversation first), so the two never wait on each other in opposite orders.
create function private.lock_member_limits(member uuid) returns void
language sql
set search_path = ''
as $$
  select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('staybase.messaging_limits:' || member::text, 0))
$$;
comment on function private.lock_member_limits(uuid) is 'Serializes a member''s messaging calls until their transaction ends, so their limits are counted exactly.';

create function private.check_message_rate(sender uuid) returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  allowed integer := private.messaging_limit('messages_per_minute');
begin
  perform private.lock_member_limits(sender);
  if (select count(*) from public.messages m
       where m.sender_id = sender and m.created_at > pg_catalog.now() - interval '1 minute') >= allowed then
    raise exception 'you are sending messages too fast: at most % a minute, try again in a minute', allowed
      using errcode = 'PT409', hint = 'message_rate_limited';
  end if;
end
$$;
comment on function private.check_message_rate(uuid) is 'Refuses (PT409, message_rate_limited) a sender who reached staybase.messages_per_minute.';

create function public.start_conversation(property_id uuid, body text) returns public.conversations
language plpgsql
security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  property public.properties;
  conversation public.conversations;
  allowed integer := private.messaging_limit('new_conversations_per_day');
begin
  if caller is null then
    raise exception 'sign in to message a host' using errcode = '42501', hint = 'not_signed_in';
  end if;
  select p.* into property from public.properties p where p.id = start_conversation.property_id;
  if property.id is null or property.status <> 'published' then
    raise exception 'no published listing %', start_conversation.property_id using errcode = 'PT404', hint = 'listing_not_found';
  end if;
  if property.host_id = caller then
    raise exception 'you cannot message yourself about your own listing' using errcode = '42501', hint = 'own_listing';
  end if;
  perform private.message_body(body);
  select c.* into conversation from public.conversations c
   where c.property_id = property.id and c.guest_id = caller for update;
  if conversation.id is null then
    perform private.lock_member_limits(caller);
    if (select count(*) from public.conversations c
         where c.guest_id = caller and c.created_at > pg_catalog.now() - interval '1 day') >= allowed then
      raise exception 'you started % conversations today, the most a day: try again tomorrow', allowed
        using errcode = 'PT409', hint = 'conversation_limit_reached';
    end if;
    insert into public.conversations (property_id, guest_id, host_id)
    values (property.id, caller, property.host_id)
    on conflict on constraint one_conversation_per_guest_and_listing do update set guest_id = excluded.guest_id
    returning * into conversation;
  end if;
  perform private.check_message_rate(caller);
  perform private.post_message(conversation, caller, body);
  select c.* into conversation from public.conversations c where c.id = conversation.id;
  return conversation;
end
$$;
comment on function public.start_conversation(uuid, text) is
  'A guest writes to a listing''s host: opens the conversation (or reuses theirs) with this message. Errors: README Messaging.';

create function private.conversation_for_party(conversation_id uuid) returns public.conversations
language plpgsql
security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  conversation public.conversations;
begin
  select c.* into conversation from public.conversations c where c.id = conversation_id for update;
  if conversation.id is null or caller is null or caller not in (conversation.guest_id, conversation.host_id) then
    if conversation.id is not null and private.is_admin() then
      raise exception 'admins read conversations but do not write in them' using errcode = '42501', hint = 'not_conversation_party';
    end if;
    raise exception 'no conversation % that you take part in', conversation_id using errcode = 'PT404', hint = 'conversation_not_found';
  end if;
  return conversation;
end
$$;
comment on function private.conversation_for_party(uuid) is 'Locks and returns a conversation the caller takes part in; PT404 otherwise (42501 for an admin).';

create function public.send_message(conversation_id uuid, body text) returns public.messages
language plpgsql
security definer
set search_path = ''
as $$
declare
  conversation public.conversations := private.conversation_for_party(conversation_id);
  caller uuid := (select auth.uid());
begin
  if conversation.guest_id is null or conversation.host_id is null then
    raise exception 'the other member left Staybase: this conversation is closed' using errcode = 'PT409', hint = 'conversation_closed';
  end if;
  perform private.message_body(body);
  perform private.check_message_rate(caller);
  return private.post_message(conversation, caller, body);
end
$$;
comment on function public.send_message(uuid, text) is 'A party writes in their conversation. Errors: README Messaging.';

create function public.mark_conversation_read(conversation_id uuid) returns public.conversations
language plpgsql
security definer
set search_path = ''
as $$
declare
  conversation public.conversations := private.conversation_for_party(conversation_id);
  caller uuid := (select auth.uid());
begin
  update public.conversations c
     set guest_unread_count = case when caller = c.guest_id then 0 else c.guest_unread_count end,
         guest_last_read_at = case when caller = c.guest_id then pg_catalog.now() else c.guest_last_read_at end,
         host_unread_count = case when caller = c.host_id then 0 else c.host_unread_count end,
         host_last_read_at = case when caller = c.host_id then pg_catalog.now() else c.host_last_read_at end
   where c.id = conversation.id
  returning * into conversation;
  return conversation;
end
$$;
comment on function public.mark_conversation_read(uuid) is 'The caller has read their conversation: their unread count becomes 0.';

create function public.message_original(message_id bigint) returns text
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  perform private.require_admin();
  return coalesce((select o.body from private.message_originals o where o.message_id = message_original.message_id),
                  (select m.body from public.messages m where m.id = message_original.message_id));
end
$$;
comment on function public.message_original(bigint) is 'Admins (aal2) review what was really sent in a message, before masking.';

-- A booking request opens (or reuses) the guest's conversation about the listing, links the booking, and its
-- message becomes a message of the thread.
create function private.link_booking_to_conversation() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  conversation public.conversations;
begin
  if new.guest_id is null or new.host_id is null then
    return null;
  end if;
  insert into public.conversations (property_id, guest_id, host_id, booking_id)
  values (new.property_id, new.guest_id, new.host_id, new.id)
  on conflict on constraint one_conversation_per_guest_and_listing do update set booking_id = excluded.booking_id
  returning * into conversation;
  if new.message is not null and private.message_body_or_null(new.message) is not null then
    perform private.post_message(conversation, new.guest_id, new.message);
  end if;
  return null;
end
$$;
comment on function private.link_booking_to_conversation() is 'Trigger: a booking opens or reuses the guest''s conversation about the listing; its message joins the thread.';

create function private.message_body_or_null(body text) returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  return private.message_body(body);
exception when invalid_parameter_value then
  return null;
end
$$;
comment on function private.message_body_or_null(text) is 'private.message_body, or null for a blank body.';

create function private.broadcast_message() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform realtime.send(
    pg_catalog.jsonb_build_object('id', new.id, 'conversation_id', new.conversation_id, 'sender_id', new.sender_id,
                                  'body', new.body, 'created_at', new.created_at),
    'message_created', 'conversation:' || new.conversation_id::text, true);
  return null;
end
$$;
comment on function private.broadcast_message() is 'Trigger: sends each new message to the private Realtime topic conversation:<id>.';

-- The Realtime server lets a client join a private topic when it may select from realtime.messages on it.
create function private.can_join_topic(topic text) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select case when topic ~ '^conversation:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    exists (select 1 from public.conversations c
             where c.id = pg_catalog.substr(topic, 14)::uuid
               and (select auth.uid()) in (c.guest_id, c.host_id))
    else false end
$$;
comment on function private.can_join_topic(text) is 'True when the caller takes part in the conversation the topic conversation:<id> names.';

-- Erasure: before a profile goes (after privacy.sql's checks), the bodies the member wrote and their originals go.
create function private.forget_member_messages() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from private.message_originals o
   using public.messages m where m.id = o.message_id and m.sender_id = old.id;
  update public.messages m set body = null, masked = false, sender_id = null where m.sender_id = old.id;
  update public.conversations c set last_message_body = null, last_message_sender_id = null
   where old.id in (c.guest_id, c.host_id) and c.last_message_sender_id = old.id;
  -- The broadcast copies of what they wrote (Realtime keeps its messages for days): by topic, then sender.
  delete from realtime.messages r
   where r.topic in (select 'conversation:' || c.id::text from public.conversations c where old.id in (c.guest_id, c.host_id))
     and r.payload ->> 'sender_id' = old.id::text;
  return old;
end
$$;
comment on function private.forget_member_messages() is 'Trigger: an erased member''s message bodies (their originals and broadcast copies too) are removed; the threads stay for the other party.';

-- Views ----------------------------------------------------------------------------------------------------------

create view public.my_conversations with (security_invoker = true) as
select c.id,
       c.property_id,
       p.title as listing_title,
       p.city as listing_city,
       c.booking_id,
       b.status as booking_status,
       b.check_in,
       b.check_out,
       case when c.guest_id = (select auth.uid()) then 'guest' else 'host' end as my_role,
       case when c.guest_id = (select auth.uid()) then c.host_id else c.guest_id end as other_party_id,
       coalesce(o.display_name, 'former member') as other_party_name,
       o.avatar_url as other_party_avatar_url,
       c.last_message_body,
       c.last_message_sender_id,
       c.last_message_at,
       case when c.guest_id = (select auth.uid()) then c.guest_unread_count else c.host_unread_count end as unread_count
  from public.conversations c
  left join public.properties p on p.id = c.property_id
  left join public.bookings b on b.id = c.booking_id
  left join public.profiles o on o.id = case when c.guest_id = (select auth.uid()) then c.host_id else c.guest_id end
 where c.guest_id = (select auth.uid()) or c.host_id = (select auth.uid());
comment on view public.my_conversations is
  'The caller''s conversations: the other party''s public profile ("former member" once erased), the listing, the booking, the last message and the unread count. Order by last_message_at desc.';

create view public.conversation_messages with (security_invoker = true) as
select m.id,
       m.conversation_id,
       m.sender_id,
       case when m.sender_id is null then 'former member' else coalesce(s.display_name, 'former member') end as sender_name,
       m.body,
       m.masked,
       m.created_at
  from public.messages m
  left join public.profiles s on s.id = m.sender_id;
comment on view public.conversation_messages is
  'Messages with their sender''s name: filter by conversation_id, order by id desc, page with id < the last id seen.';

-- Triggers -------------------------------------------------------------------------------------------------------

create trigger bookings_link_conversation after insert on public.bookings
  for each row execute function private.link_booking_to_conversation();
create trigger messages_broadcast after insert on public.messages
  for each row execute function private.broadcast_message();
create trigger profiles_forget_messages before delete on public.profiles
  for each row execute function private.forget_member_messages();

-- Grants ---------------------------------------------------------------------------------------------------------

revoke all on function private.messaging_limit(text), private.message_body(text), private.mask_contact_details(text),
  private.have_confirmed_booking(uuid, uuid), private.post_message(public.conversations, uuid, text),
  private.lock_member_limits(uuid), private.check_message_rate(uuid), private.conversation_for_party(uuid), private.link_booking_to_conversation(),
  private.message_body_or_null(text), private.broadcast_message(), private.forget_member_messages()
  from public, anon, authenticated, service_role;
revoke all on function private.can_join_topic(text) from public, anon;
grant execute on function private.can_join_topic(text) to authenticated, service_role;

revoke all on function public.start_conversation(uuid, text), public.send_message(uuid, text),
  public.mark_conversation_read(uuid), public.message_original(bigint) from public, anon;
grant execute on function public.start_conversation(uuid, text), public.send_message(uuid, text),
  public.mark_conversation_read(uuid), public.message_original(bigint) to authenticated;

revoke all on table public.conversations, public.messages, public.my_conversations, public.conversation_messages
  from anon, authenticated, service_role;
grant select on table public.conversations, public.messages, public.my_conversations, public.conversation_messages
  to authenticated;
grant select on table public.conversations, public.messages, public.my_conversations, public.conversation_messages
  to service_role;
revoke all on table private.message_originals from public, anon, authenticated, service_role;

-- Row-level security ---------------------------------------------------------------------------------------------

alter table public.conversations enable row level security;
alter table public.messages enable row level security;
alter table private.message_originals enable row level security;

create policy "the two parties read their conversation, admins all" on public.conversations
  for select to authenticated
  using (guest_id = (select auth.uid()) or host_id = (select auth.uid()) or (select private.is_admin()));

create policy "the two parties read their messages, admins all" on public.messages
  for select to authenticated
  using (conversation_id in (select c.id from public.conversations c
                              where c.guest_id = (select auth.uid()) or c.host_id = (select auth.uid()))
         or (select private.is_admin()));

create policy "the two parties of a conversation join its topic" on realtime.messages
  for select to authenticated
  using (extension = 'broadcast' and (select private.can_join_topic(realtime.topic())));
