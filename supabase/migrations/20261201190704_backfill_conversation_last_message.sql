-- Data: conversations written before they kept their last message get it from their newest message.
update public.conversations c
   set (last_message_body, last_message_sender_id) =
       (select m.body, m.sender_id from public.messages m where m.conversation_id = c.id order by m.id desc limit 1)
 where c.last_message_body is null
   and exists (select 1 from public.messages m where m.conversation_id = c.id);
