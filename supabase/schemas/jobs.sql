-- Jobs: one way for every chapter to schedule its job functions, with pg_cron where it exists.
--
-- Rules enforced here (docs/operations.md has the design):
--   * private.schedule_job(job_name, schedule, command) records the schedule in private.job_schedules, always,
--     and hands it to pg_cron (cron.schedule, in this database) when the pg_cron extension is installed here;
--     it answers whether pg_cron took it. Without pg_cron (PGlite, a server database that is not
--     cron.database_name) it is a no-op for scheduling, so migrations run unchanged everywhere;
--   * scheduling a name again replaces its schedule and command (pg_cron does the same for a job name);
--   * the registry is the source of truth, because cron.job is neither in a backup nor present before pg_cron is
--     enabled: private.apply_job_schedules() hands every recorded schedule to pg_cron (after enabling pg_cron on
--     a hosted project, or after a restore);
--   * only the owner (migrations, operators) schedules: the API roles can neither call these nor read the table.

create table private.job_schedules (
  job_name text primary key
    constraint job_name_format check (job_name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  schedule text not null
    -- The shapes pg_cron accepts: five cron fields, "N seconds", or a macro such as @daily. pg_cron parses the
    -- details where it exists; this catches a sentence passed as a schedule where it does not.
    constraint schedule_is_cron_syntax check (schedule ~ '^(\S+\s+){4}\S+$' or schedule ~ '^[1-5]?[0-9] seconds?$' or schedule ~ '^@[a-z]+$'),
  command text not null
    constraint command_not_blank check (btrim(command) <> ''),
  updated_at timestamptz not null default now()
);
comment on table private.job_schedules is 'Every job schedule Staybase wants, whether or not pg_cron runs here; pg_cron''s cron.job is its executor.';

-- Functions ------------------------------------------------------------------------------------------------------

create function private.pg_cron_installed() returns boolean
language sql stable
set search_path = ''
as $$
  select exists (select from pg_catalog.pg_extension where extname = 'pg_cron')
$$;
comment on function private.pg_cron_installed() is 'True when pg_cron is installed in this database (on Supabase: after enabling the Cron integration).';

create function private.schedule_job(job_name text, schedule text, command text) returns boolean
language plpgsql
set search_path = ''
as $$
begin
  insert into private.job_schedules as s (job_name, schedule, command)
  values (schedule_job.job_name, schedule_job.schedule, schedule_job.command)
  on conflict on constraint job_schedules_pkey
  do update set schedule = excluded.schedule, command = excluded.command, updated_at = now();
  if not private.pg_cron_installed() then
    return false;
  end if;
  -- Dynamic, so that this function compiles (and plpgsql_check passes) where the cron schema does not exist.
  execute 'select cron.schedule($1, $2, $3)' using job_name, schedule, command;
  return true;
end
$$;
comment on function private.schedule_job(text, text, text) is 'Records a job schedule and, where pg_cron is installed, schedules it (same name: replaced). True when pg_cron took it.';

create function private.unschedule_job(job_name text) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  recorded boolean;
begin
  delete from private.job_schedules s where s.job_name = unschedule_job.job_name;
  recorded := found;
  if private.pg_cron_installed() then
    execute 'select cron.unschedule(jobid) from cron.job where jobname = $1' using job_name;
  end if;
  return recorded;
end
$$;
comment on function private.unschedule_job(text) is 'Forgets a job schedule and removes it from pg_cron where installed. True when it was recorded.';

create function private.apply_job_schedules() returns integer
language plpgsql
set search_path = ''
as $$
declare
  job record;
  applied integer := 0;
begin
  if not private.pg_cron_installed() then
    return 0;
  end if;
  for job in select * from private.job_schedules order by job_name loop
    execute 'select cron.schedule($1, $2, $3)' using job.job_name, job.schedule, job.command;
    applied := applied + 1;
  end loop;
  return applied;
end
$$;
comment on function private.apply_job_schedules() is 'Hands every recorded schedule to pg_cron (after enabling pg_cron, or after a restore); returns how many, 0 without pg_cron.';

-- Grants ---------------------------------------------------------------------------------------------------------

revoke all on table private.job_schedules from public, anon, authenticated, service_role;
revoke all on function private.pg_cron_installed() from public, anon, authenticated, service_role;
revoke all on function private.schedule_job(text, text, text) from public, anon, authenticated, service_role;
revoke all on function private.unschedule_job(text) from public, anon, authenticated, service_role;
revoke all on function private.apply_job_schedules() from public, anon, authenticated, service_role;

-- Row-level security ---------------------------------------------------------------------------------------------
-- On, with no policy: only the owner (migrations, pg_cron's jobs) reads or writes the registry.

alter table private.job_schedules enable row level security;
