-- Listing photos are served only through signed URLs: the bucket is private, so Storage's /object/public/ path
-- refuses it and every read goes through the select policy on storage.objects (supabase/schemas/listings.sql).
-- Hand-written (a bucket is data). Idempotent.
update storage.buckets set public = false where id = 'property-photos' and public;

-- An erasure's Storage files are removed by the storage-worker function; where pg_cron runs, it is asked every minute
-- (only when removals are due: private.request_storage_removals).
select private.schedule_job('remove-erased-files', '* * * * *', 'select private.request_storage_removals()');
