-- The booking path without per-call planning: private.stay_refusal and private.local_today in PL/pgSQL.
--
-- A SQL function that cannot be inlined (it sets its search_path) is planned on every call, and request_booking and
-- quote_stay call private.stay_refusal (and through it private.local_today) once per request; in PL/pgSQL their
-- expressions are prepared once per session. quote_stay measured ~0.40 ms before, ~0.25 ms after on the benchmark's
-- data. Same rules, same answers (tests/db/21_quotes, 30_bookings). It also pays for the search's b-tree on claims
-- (20260101001100: one more index insert per booking); docs/search.md has the figures.

-- Functions ------------------------------------------------------------------------------------------------------

create or replace function private.local_today(time_zone text) returns date
language plpgsql stable
set search_path = ''
as $$
begin
  return (pg_catalog.now() at time zone time_zone)::date;
end
$$;

create or replace function private.stay_refusal(property public.properties, check_in date, check_out date, guests integer) returns text
language plpgsql stable
set search_path = ''
as $$
begin
  return case
    when property.id is null or property.status <> 'published' then 'not_found'
    when check_in is null or check_out is null or check_out <= check_in then 'invalid_dates'
    when check_in < private.local_today(property.time_zone) then 'past_dates'
    when guests is null or guests < 1 then 'invalid_guests'
    when guests > property.max_guests then 'too_many_guests'
    when check_out - check_in < property.min_nights then 'below_min_nights'
    when check_out - check_in > property.max_nights then 'above_max_nights'
    when not private.nights_are_free(property.id, check_in, check_out) then 'unavailable'
  end;
end
$$;
