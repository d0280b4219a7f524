-- The booking path without per-call planning, and the one availability rule read through the claims' b-tree.
--
-- A SQL function that cannot be inlined (it sets its search_path) is planned on every call, and request_booking and
-- quote_stay call private.stay_refusal (and through it private.local_today) once per request; in PL/pgSQL their
-- expressions are prepared once per session. quote_stay measured ~0.40 ms before, ~0.25 ms after on the benchmark's
-- data. private.nights_are_free now writes the overlap as bounds (lower < check_out and upper > check_in, the same
-- test for the non-empty, finite ranges claims hold), exactly as the search's probe does, so both read
-- calendar_claims_property_idx (20260101001100) and the rule is written one way. Same rules, same answers
-- (tests/db/21_quotes, 30_bookings, 40_search). This also pays for that index's insert on every booking;
-- docs/search.md has the figures.

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

create or replace function private.nights_are_free(property_id uuid, check_in date, check_out date) returns boolean
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  return not exists (
    select 1 from private.calendar_claims c
    where c.property_id = nights_are_free.property_id
      and lower(c.nights) < nights_are_free.check_out and upper(c.nights) > nights_are_free.check_in
      and (c.expires_at is null or c.expires_at > pg_catalog.now())
  );
end
$$;
