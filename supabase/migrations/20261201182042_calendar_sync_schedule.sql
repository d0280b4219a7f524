-- The calendar sync's schedule: every 15 minutes, pg_cron (where it is installed here, as on Supabase) calls
-- private.request_calendar_sync(), which asks the calendar-sync edge function for a run through pg_net with the
-- Vault secrets project_url and service_role_key (README, "Calendar sync"). private.schedule_job records it either
-- way; without pg_cron, `npm start` runs the sync on the same interval. Hand-written data (a schedule is not schema).
-- Idempotent.
select private.schedule_job('sync-external-calendars', '*/15 * * * *', 'select private.request_calendar_sync()');
