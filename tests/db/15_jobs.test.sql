-- Jobs: every schedule is recorded; pg_cron gets it exactly where pg_cron is installed (the server in CI, a
-- Supabase project), and nothing breaks where it is not (PGlite, a server database that is not cron's).
begin;
set local search_path = extensions, public;
select plan(16);

-- cron.job exists only with pg_cron: read it dynamically, so this suite runs (and asserts the other branch)
-- where it does not.
create function pg_temp.cron_jobs(name text) returns table (schedule text, command text, database text, active boolean)
language plpgsql
as $$
begin
  if private.pg_cron_installed() then
    return query execute 'select schedule, command, database, active from cron.job where jobname = $1' using name;
  end if;
end
$$;
create function pg_temp.branch() returns text
language sql
as $$ select case when private.pg_cron_installed() then 'with pg_cron' else 'without pg_cron' end $$;

select is(private.pg_cron_installed(), exists (select from pg_catalog.pg_namespace where nspname = 'cron'),
  'pg_cron counts as installed exactly when its cron schema exists in this database');

-- Scheduling
select is(private.schedule_job('tests-nightly', '0 3 * * *', 'select 1'), private.pg_cron_installed(),
  format('%s, schedule_job answers %s', pg_temp.branch(), case when private.pg_cron_installed() then 'true' else 'false' end));
select is((select schedule || ' | ' || command from private.job_schedules where job_name = 'tests-nightly'), '0 3 * * * | select 1',
  format('%s, the schedule is recorded in private.job_schedules', pg_temp.branch()));
select is((select count(*)::int from pg_temp.cron_jobs('tests-nightly')), case when private.pg_cron_installed() then 1 else 0 end,
  format('%s, pg_cron has %s job for it', pg_temp.branch(), case when private.pg_cron_installed() then 'one' else 'no' end));
select ok(not private.pg_cron_installed()
          or (select database = current_database() and active from pg_temp.cron_jobs('tests-nightly')),
  case when private.pg_cron_installed() then 'with pg_cron, the job is active and runs in this database'
       else 'without pg_cron, there is no job to run' end);

select private.schedule_job('tests-nightly', '30 4 * * *', 'select 2');
select is((select array_agg(schedule || ' | ' || command) from private.job_schedules where job_name = 'tests-nightly'),
  array['30 4 * * * | select 2'], 'scheduling a name again replaces its schedule and command in the registry');
select is((select array_agg(schedule || ' | ' || command) from pg_temp.cron_jobs('tests-nightly')),
  case when private.pg_cron_installed() then array['30 4 * * * | select 2'] end,
  format('%s, scheduling a name again replaces the pg_cron job instead of adding one', pg_temp.branch()));

-- Refusals
select throws_ok($$ select private.schedule_job('tests-bad', 'every night', 'select 1') $$, '23514', null,
  'a schedule that is not cron syntax is refused, with or without pg_cron (schedule_is_cron_syntax)');
select throws_ok($$ select private.schedule_job('Tests Bad!', '* * * * *', 'select 1') $$, '23514', null,
  'a job name with spaces or capitals is refused (job_name_format)');

-- Re-applying the registry (after enabling pg_cron, or after a restore)
select is(private.apply_job_schedules(),
  case when private.pg_cron_installed() then (select count(*)::int from private.job_schedules) else 0 end,
  format('%s, apply_job_schedules hands pg_cron every recorded schedule (or none)', pg_temp.branch()));

-- Unscheduling
select ok(private.unschedule_job('tests-nightly'), 'unschedule_job answers true for a recorded job');
select is((select count(*)::int from private.job_schedules where job_name = 'tests-nightly')
          + (select count(*)::int from pg_temp.cron_jobs('tests-nightly')), 0,
  format('%s, an unscheduled job is gone from the registry and from pg_cron', pg_temp.branch()));

-- Only the owner schedules
select is((select count(*)::int
             from unnest(array['anon', 'authenticated', 'service_role']) as r(role),
                  unnest(array['private.schedule_job(text,text,text)', 'private.unschedule_job(text)',
                               'private.apply_job_schedules()', 'private.pg_cron_installed()']) as f(fn)
            where has_function_privilege(r.role, f.fn, 'execute')), 0,
  'the API roles cannot call the scheduling functions');
select is((select count(*)::int from unnest(array['anon', 'authenticated', 'service_role']) as r(role)
            where has_table_privilege(r.role, 'private.job_schedules', 'select, insert, update, delete')), 0,
  'the API roles cannot read or change the job registry');

-- Every job of the chapters is scheduled by its migration.
select is(array(select job_name from private.job_schedules where job_name <> 'tests-nightly' order by job_name),
  array['complete-finished-stays', 'enqueue-due-payouts', 'expire-stale-holds', 'notify-unread-messages', 'prune-outbox',
        'prune-stripe-events', 'publish-due-reviews', 'remove-erased-files', 'sync-external-calendars'],
  'the migrations schedule every job: holds, stays, payouts, retention, review publication, calendar sync, unread-message notices, erased members'' files');
select is((select count(*)::int from private.job_schedules s
            where s.job_name <> 'tests-nightly' and exists (select 1 from pg_temp.cron_jobs(s.job_name) c where c.command = s.command)),
  case when private.pg_cron_installed()
       then (select count(*)::int from private.job_schedules where job_name <> 'tests-nightly') else 0 end,
  format('%s, pg_cron runs %s of them', pg_temp.branch(), case when private.pg_cron_installed() then 'all' else 'none' end));

select * from finish();
rollback;
