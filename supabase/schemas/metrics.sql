-- Metrics: what operators watch, in Prometheus' text format, computed by the database in one query.
--
-- Served by the `metrics` edge function (/functions/v1/metrics, bearer METRICS_TOKEN); only the service role may
-- call private.prometheus_metrics(). Families (docs/operations.md lists them with the alert rules):
--   marketplace: bookings by status, holds about to expire, refused double bookings, webhook events by outcome,
--                outbox depth by kind (refunds and payouts pending) and the age of its oldest pending row, reviews
--                awaiting publication;
--   database: connections by state, max connections, cache hit ratio, oldest transaction age, lock waits,
--             dead tuples per table, database size.

create function private.prometheus_metrics() returns text
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  output text := '';
  family record;
begin
  -- Each family: name, type, help, and its samples as (labels, value) rows.
  for family in
    select * from (values
      ('staybase_bookings', 'gauge', 'Bookings by status.',
        (select coalesce(jsonb_agg(jsonb_build_object('labels', format('status="%s"', s.status), 'value', coalesce(c.n, 0)) order by s.status), '[]')
           from unnest(enum_range(null::public.booking_status)) s(status)
           left join (select b.status, count(*) n from public.bookings b group by b.status) c using (status))),
      ('staybase_holds_expiring_soon', 'gauge', 'Requests and payment holds whose deadline falls in the next 5 minutes.',
        (select jsonb_build_array(jsonb_build_object('labels', '', 'value', count(*)))
           from public.bookings b
          where b.status in ('awaiting_host', 'pending_payment')
            and b.expires_at > pg_catalog.now() and b.expires_at <= pg_catalog.now() + interval '5 minutes')),
      ('staybase_double_bookings_refused_total', 'counter', 'Booking requests refused because the dates were taken.',
        (select jsonb_build_array(jsonb_build_object('labels', '', 'value', case when s.is_called then s.last_value else 0 end))
           from private.refused_double_bookings s)),
      ('staybase_webhook_events', 'gauge', 'Stripe webhook events recorded, by outcome (failed ones are retried by Stripe).',
        (select coalesce(jsonb_agg(jsonb_build_object('labels', format('outcome="%s"', o.outcome), 'value', coalesce(c.n, 0)) order by o.outcome), '[]')
           from unnest(array['received', 'processed', 'ignored', 'acknowledged', 'failed']) o(outcome)
           left join (select e.outcome, count(*) n from payments.stripe_events e group by e.outcome) c using (outcome))),
      ('staybase_outbox_depth', 'gauge', 'Outbox rows (refunds, payouts, payout reversals) waiting to leave (pending) or given up (dead).',
        (select jsonb_agg(jsonb_build_object('labels', format('kind="%s",status="%s"', k.kind, st.status), 'value', coalesce(c.n, 0))
                          order by k.kind, st.status)
           from unnest(enum_range(null::payments.outbox_kind)) k(kind)
           cross join unnest(array['pending', 'dead']::payments.outbox_status[]) st(status)
           left join (select o.kind, o.status, count(*) n from payments.outbox o group by o.kind, o.status) c
             on c.kind = k.kind and c.status = st.status)),
      ('staybase_outbox_oldest_pending_age_seconds', 'gauge', 'Age of the oldest pending outbox row (0 when none).',
        (select jsonb_build_array(jsonb_build_object('labels', '',
                  'value', round(coalesce(extract(epoch from pg_catalog.now() - min(o.created_at)), 0)::numeric, 3)))
           from payments.outbox o where o.status = 'pending')),
      ('staybase_reviews_awaiting_publication', 'gauge',
        'Unpublished reviews: blind (waiting for the other side or the window) or due (window closed, not yet stamped by the job).',
        (select jsonb_build_array(
                  jsonb_build_object('labels', 'state="blind"', 'value', count(*) filter (where st.window_closes_at > pg_catalog.now())),
                  jsonb_build_object('labels', 'state="due"', 'value', count(*) filter (where st.window_closes_at <= pg_catalog.now())))
           from public.reviews r join private.review_states st on st.review_id = r.id
          where r.published_at is null and st.hidden_at is null)),
      ('staybase_db_connections', 'gauge', 'Connections to this database by state.',
        (select coalesce(jsonb_agg(jsonb_build_object('labels', format('state="%s"', a.state), 'value', a.n)), '[]')
           from (select coalesce(sa.state, 'background') as state, count(*) n
                   from pg_catalog.pg_stat_activity sa where sa.datname = pg_catalog.current_database()
                  group by 1) a)),
      ('staybase_db_max_connections', 'gauge', 'The server''s max_connections.',
        (select jsonb_build_array(jsonb_build_object('labels', '', 'value', pg_catalog.current_setting('max_connections')::int)))),
      ('staybase_db_cache_hit_ratio', 'gauge', 'Share of block reads served from shared buffers since the last stats reset.',
        (select jsonb_build_array(jsonb_build_object('labels', '',
                  'value', round(coalesce(d.blks_hit::numeric / nullif(d.blks_hit + d.blks_read, 0), 1), 6)))
           from pg_catalog.pg_stat_database d where d.datname = pg_catalog.current_database())),
      ('staybase_db_oldest_transaction_seconds', 'gauge', 'Age of the oldest open transaction in this database (0 when none).',
        (select jsonb_build_array(jsonb_build_object('labels', '',
                  'value', round(coalesce(max(extract(epoch from pg_catalog.now() - sa.xact_start)), 0)::numeric, 3)))
           from pg_catalog.pg_stat_activity sa
          where sa.datname = pg_catalog.current_database() and sa.pid <> pg_catalog.pg_backend_pid()
            and sa.xact_start is not null)),
      ('staybase_db_lock_waits', 'gauge', 'Lock requests waiting to be granted.',
        (select jsonb_build_array(jsonb_build_object('labels', '', 'value', count(*)))
           from pg_catalog.pg_locks l where not l.granted)),
      ('staybase_db_dead_tuples', 'gauge', 'Dead tuples per table of the Staybase schemas.',
        (select coalesce(jsonb_agg(jsonb_build_object('labels', format('schema="%s",table="%s"', t.schemaname, t.relname),
                                                      'value', t.n_dead_tup) order by t.schemaname, t.relname), '[]')
           from pg_catalog.pg_stat_user_tables t where t.schemaname in ('public', 'private', 'payments'))),
      ('staybase_db_size_bytes', 'gauge', 'Size of this database on disk.',
        (select jsonb_build_array(jsonb_build_object('labels', '', 'value', pg_catalog.pg_database_size(pg_catalog.current_database())))))
    ) as f(name, type, help, samples)
  loop
    output := output || format(E'# HELP %s %s\n# TYPE %s %s\n', family.name, family.help, family.name, family.type);
    output := output || coalesce((
      select string_agg(case when s ->> 'labels' = '' then family.name else format('%s{%s}', family.name, s ->> 'labels') end
                        || ' ' || (s ->> 'value'), E'\n') || E'\n'
        from jsonb_array_elements(family.samples) s), '');
  end loop;
  return output;
end
$$;
comment on function private.prometheus_metrics() is 'Every Staybase metric in Prometheus text exposition format (served by the metrics edge function).';

revoke all on function private.prometheus_metrics() from public, anon, authenticated;
grant execute on function private.prometheus_metrics() to service_role;
