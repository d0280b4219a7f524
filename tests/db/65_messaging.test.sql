-- Messaging: conversations between a guest and a listing's host; only the two parties read them; contact details
-- masked until a confirmed booking; spam limits; erasure; Realtime broadcast and who may join its topic.
begin;
set local search_path = extensions, public;
select plan(53);

select tests.create_user('hana');   -- host
select tests.create_user('gus');    -- guest
select tests.create_user('mei');    -- another guest
select tests.create_user('eve');    -- a stranger
select tests.create_admin('root');
select tests.create_property(tests.user('hana'), 'Chat loft', 'Pacific/Auckland', instant_book => false);
select tests.create_property(tests.user('hana'), 'Quiet cabin', 'Pacific/Auckland');

-- Starting a conversation ------------------------------------------------------------------------------------------
select tests.act_as(tests.user('gus'));
select tests.remember('conversation', 'gus_loft',
  (public.start_conversation(tests.property('Chat loft'), '  Is the loft quiet at night?  ')).id);
select is((select c.host_id from public.conversations c where c.id = tests.fixture('conversation', 'gus_loft')),
  tests.user('hana'), 'a conversation about a listing is with its host');
select is((public.start_conversation(tests.property('Chat loft'), 'And is there parking?')).id,
  tests.fixture('conversation', 'gus_loft'), 'starting again about the same listing returns the existing conversation');
select is((select array_agg(m.body order by m.id) from public.messages m where m.conversation_id = tests.fixture('conversation', 'gus_loft')),
  array['Is the loft quiet at night?', 'And is there parking?'], 'bodies are kept trimmed, in order');
select tests.refuses($$ select public.start_conversation(tests.property('Chat loft'), e' \t\u200B\uFEFF\n ') $$,
  '22023', 'message_blank', 'a body of white space and zero-width characters is blank');
select tests.refuses($$ select public.start_conversation(tests.property('Chat loft'), repeat('a', 5001)) $$,
  '22023', 'message_too_long', 'a body over 5000 characters is refused');
select lives_ok($$ select public.send_message(tests.fixture('conversation', 'gus_loft'), repeat('a', 5000) || '   ') $$,
  'a body of exactly 5000 characters after trimming is accepted');
select tests.refuses($$ select public.start_conversation(gen_random_uuid(), 'Hello') $$,
  'PT404', 'listing_not_found', 'a conversation needs a published listing');
select tests.act_as(tests.user('hana'));
select tests.refuses($$ select public.start_conversation(tests.property('Chat loft'), 'Hello me') $$,
  '42501', 'own_listing', 'a host does not open a conversation with themselves');
select tests.act_as_anon();
select throws_ok($$ select public.start_conversation(tests.property('Chat loft'), 'Hello') $$,
  '42501', null, 'anon cannot start a conversation');

-- Sending and reading -------------------------------------------------------------------------------------------
select tests.act_as(tests.user('hana'));
select is((select unread_count from public.my_conversations where id = tests.fixture('conversation', 'gus_loft')),
  3, 'the host sees three unread messages');
select is((select other_party_name from public.my_conversations where id = tests.fixture('conversation', 'gus_loft')),
  'gus', 'the host sees the guest''s public name');
select is((select listing_title from public.my_conversations where id = tests.fixture('conversation', 'gus_loft')),
  'Chat loft', 'the conversation list names the listing');
select lives_ok($$ select public.send_message(tests.fixture('conversation', 'gus_loft'), 'Very quiet, and parking is free.') $$,
  'the host answers');
select is((select last_message_body from public.my_conversations where id = tests.fixture('conversation', 'gus_loft')),
  'Very quiet, and parking is free.', 'the list shows the last message');
select is((public.mark_conversation_read(tests.fixture('conversation', 'gus_loft'))).host_unread_count, 0,
  'marking read clears the host''s unread count');
select is((select unread_count from public.my_conversations where id = tests.fixture('conversation', 'gus_loft')),
  0, 'the host has nothing unread after reading');
select tests.act_as(tests.user('gus'));
select is((select unread_count from public.my_conversations where id = tests.fixture('conversation', 'gus_loft')),
  1, 'the guest has the host''s answer unread');
select is((select array_agg(body order by id desc) from (select id, body from public.conversation_messages
             where conversation_id = tests.fixture('conversation', 'gus_loft') order by id desc limit 2) page),
  array['Very quiet, and parking is free.', repeat('a', 5000)], 'a thread pages newest first');
select is((select count(*)::integer from public.conversation_messages
            where conversation_id = tests.fixture('conversation', 'gus_loft')
              and id < (select max(id) from public.messages where conversation_id = tests.fixture('conversation', 'gus_loft'))),
  3, 'the next page is keyed by the last id seen');

-- Who sees a conversation -----------------------------------------------------------------------------------------
select tests.act_as(tests.user('eve'));
select is((select count(*)::integer from public.conversations), 0, 'a stranger sees no conversation');
select is((select count(*)::integer from public.messages), 0, 'a stranger sees no message');
select is((select count(*)::integer from public.my_conversations), 0, 'a stranger has no conversation listed');
select tests.refuses($$ select public.send_message(tests.fixture('conversation', 'gus_loft'), 'Hi there') $$,
  'PT404', 'conversation_not_found', 'a stranger cannot write in a conversation');
select tests.refuses($$ select public.mark_conversation_read(tests.fixture('conversation', 'gus_loft')) $$,
  'PT404', 'conversation_not_found', 'a stranger cannot mark a conversation read');
select throws_ok($$ insert into public.messages (conversation_id, sender_id, body) values (tests.fixture('conversation', 'gus_loft'), (select auth.uid()), 'x') $$,
  '42501', null, 'nobody inserts messages directly');
select tests.act_as(tests.user('gus'));
select throws_ok($$ update public.conversations set host_unread_count = 0 $$, '42501', null, 'nobody updates conversations directly');
select tests.act_as_anon();
select throws_ok($$ select count(*) from public.messages $$, '42501', null, 'anon cannot read messages');
select tests.act_as(tests.user('root'));
select is((select count(*)::integer from public.messages where conversation_id = tests.fixture('conversation', 'gus_loft')),
  0, 'an admin without a second factor reads no one''s messages');
select tests.act_as(tests.user('root'), aal => 'aal2');
select is((select count(*)::integer from public.messages where conversation_id = tests.fixture('conversation', 'gus_loft')),
  4, 'an admin at aal2 reads the messages');
select tests.refuses($$ select public.send_message(tests.fixture('conversation', 'gus_loft'), 'Admin here') $$,
  '42501', 'not_conversation_party', 'an admin reads but does not write');

-- Masking until a confirmed booking ---------------------------------------------------------------------------------
select tests.act_as(tests.user('gus'));
select is((public.send_message(tests.fixture('conversation', 'gus_loft'),
  'Mail gus.smith@example.com or call +64 21 123 4567, see https://my.site/x or wa.me/6421')).body,
  'Mail [email hidden] or call [phone hidden], see [link hidden] or [link hidden]',
  'e-mail addresses, phone numbers and links are masked before a confirmed booking');
select is((select body from public.messages where conversation_id = tests.fixture('conversation', 'gus_loft') order by id desc limit 1),
  'Mail [email hidden] or call [phone hidden], see [link hidden] or [link hidden]',
  'the recipient''s readable copy is masked');
select ok((select masked from public.messages where conversation_id = tests.fixture('conversation', 'gus_loft') order by id desc limit 1),
  'the message says it was masked');
select is((public.send_message(tests.fixture('conversation', 'gus_loft'), 'We arrive 2031-05-01 at 14:00, 2 adults')).body,
  'We arrive 2031-05-01 at 14:00, 2 adults', 'dates and times are not mistaken for phone numbers');
select throws_ok($$ select public.message_original(1) $$, '42501', null, 'a member cannot review originals');
select tests.act_as(tests.user('root'), aal => 'aal2');
select is(public.message_original((select max(id) - 1 from public.messages where conversation_id = tests.fixture('conversation', 'gus_loft'))),
  'Mail gus.smith@example.com or call +64 21 123 4567, see https://my.site/x or wa.me/6421',
  'an admin at aal2 reviews what was really sent');

-- Once the two have a confirmed stay, contact details pass.
select tests.act_as_owner();
select tests.remember('booking', 'past', tests.create_completed_stay(tests.property('Quiet cabin'), tests.user('gus'), current_date - 20, 2));
select tests.act_as(tests.user('hana'));
select is((public.send_message(tests.fixture('conversation', 'gus_loft'), 'Call me on +64 21 765 4321 or hana@example.com')).body,
  'Call me on +64 21 765 4321 or hana@example.com', 'after a confirmed booking together, contact details pass');

-- A booking request joins the thread ---------------------------------------------------------------------------------
select tests.act_as(tests.user('mei'));
select tests.remember('booking', 'mei_request', (public.request_booking(tests.property('Chat loft'),
  tests.local_today('Pacific/Auckland') + 30, tests.local_today('Pacific/Auckland') + 32, 2,
  'Hi! Reach me at mei@example.com')).id);
select is((select booking_id from public.my_conversations where property_id = tests.property('Chat loft')),
  tests.booking('mei_request'), 'a booking request opens a conversation linked to the booking');
select is((select body from public.conversation_messages m join public.conversations c on c.id = m.conversation_id
            where c.booking_id = tests.booking('mei_request')),
  'Hi! Reach me at [email hidden]', 'the request''s message is the first message, masked before confirmation');
select is((select booking_status::text from public.my_conversations where property_id = tests.property('Chat loft')),
  'awaiting_host', 'the conversation list shows the booking''s status');

-- Limits --------------------------------------------------------------------------------------------------------------
select tests.act_as(tests.user('mei'));
set local staybase.messages_per_minute = 3;
select public.send_message((select id from public.conversations where booking_id = tests.booking('mei_request')), 'Second');
select public.send_message((select id from public.conversations where booking_id = tests.booking('mei_request')), 'Third');
select tests.refuses($$ select public.send_message((select id from public.conversations where booking_id = tests.booking('mei_request')), 'Fourth') $$,
  'PT409', 'message_rate_limited', 'messages beyond staybase.messages_per_minute are refused',
  message => 'you are sending messages too fast: at most 3 a minute, try again in a minute');
set local staybase.new_conversations_per_day = 1;
select tests.refuses($$ select public.start_conversation(tests.property('Quiet cabin'), 'Hello cabin') $$,
  'PT409', 'conversation_limit_reached', 'new conversations beyond staybase.new_conversations_per_day are refused');
reset staybase.messages_per_minute;
reset staybase.new_conversations_per_day;

-- Realtime ----------------------------------------------------------------------------------------------------------
select tests.act_as_owner();
select is((select count(*)::integer from realtime.messages
            where topic = 'conversation:' || tests.fixture('conversation', 'gus_loft') and extension = 'broadcast'
              and event = 'message_created' and private),
  (select count(*)::integer from public.messages where conversation_id = tests.fixture('conversation', 'gus_loft')),
  'each message writes one private broadcast row on its conversation''s topic');
select is((select payload ->> 'body' from realtime.messages
            where topic = 'conversation:' || tests.fixture('conversation', 'gus_loft') order by (payload ->> 'id')::bigint desc limit 1),
  'Call me on +64 21 765 4321 or hana@example.com', 'the broadcast carries the message as the parties read it');
select set_config('realtime.topic', 'conversation:' || tests.fixture('conversation', 'gus_loft'), true);
select tests.act_as(tests.user('gus'));
select ok((select count(*) from realtime.messages where topic = realtime.topic()) > 0, 'the guest may join the conversation''s topic');
select tests.act_as(tests.user('hana'));
select ok((select count(*) from realtime.messages where topic = realtime.topic()) > 0, 'the host may join the conversation''s topic');
select tests.act_as(tests.user('eve'));
select is((select count(*)::integer from realtime.messages where topic = realtime.topic()), 0, 'a stranger cannot join the topic');
select tests.act_as_anon();
select is((select count(*)::integer from realtime.messages where topic = realtime.topic()), 0, 'anon cannot join the topic');

-- Erasure --------------------------------------------------------------------------------------------------------------
select tests.act_as_owner();
select private.erase_member(tests.user('gus'));
select tests.act_as(tests.user('hana'));
select is((select other_party_name from public.my_conversations where id = tests.fixture('conversation', 'gus_loft')),
  'former member', 'after erasure the other party reads as a former member');
select is((select count(*)::integer from public.conversation_messages
            where conversation_id = tests.fixture('conversation', 'gus_loft') and sender_name = 'former member' and body is null),
  5, 'what the erased member wrote is gone');
select is((select count(*)::integer from public.conversation_messages
            where conversation_id = tests.fixture('conversation', 'gus_loft') and sender_id = tests.user('hana')),
  2, 'the other party''s own messages stay readable');
select tests.act_as_owner();
select is((select count(*)::integer from private.message_originals o join public.messages m on m.id = o.message_id
            where m.conversation_id = tests.fixture('conversation', 'gus_loft')), 0,
  'the originals of the erased member''s masked messages are gone');
select is((select format('%s from the erased member, %s from the other party', count(*) filter (where payload ->> 'sender_id' = tests.user('gus')::text),
                         count(*) filter (where payload ->> 'sender_id' = tests.user('hana')::text))
             from realtime.messages where topic = 'conversation:' || tests.fixture('conversation', 'gus_loft')),
  '0 from the erased member, 2 from the other party', 'so are the Realtime broadcast copies of what they wrote (the other party''s stay)');

select * from finish();
rollback;
