-- Data: schedules the notice of messages left unread (private.notify_unread_messages, notifications.sql) every
-- minute. private.schedule_job records it everywhere and hands it to pg_cron where pg_cron runs (jobs.sql).
select private.schedule_job('notify-unread-messages', '* * * * *', 'select private.notify_unread_messages()');
