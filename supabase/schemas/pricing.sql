-- Pricing: what a stay costs. Seasonal rates, the fee rule, and the one function that prices stays.
--
-- Rules enforced here:
--   * a night costs its seasonal rate where one covers it, the listing's nightly price otherwise; a listing's rates
--     never overlap (seasonal_rates_do_not_overlap);
--   * from 7 nights the weekly discount applies, from 28 the monthly one instead, to the accommodation;
--   * the fee rule, private.fee_rule, holds the two named percentages: the guest's service fee and the host's fee,
--     each of the subtotal (accommodation after discount, plus cleaning); every rounding is half up, in integer
--     minor units;
--   * private.price_stays is the one pricing rule: quotes, bookings (which freeze the quote) and search totals all
--     come from it;
--   * everyone reads the rates of listings they can see; only the listing's host writes them.

-- Types ----------------------------------------------------------------------------------------------------------

create type public.stay_quote as (
  bookable boolean,
  reason text,
  nights integer,
  currency text,
  nightly jsonb,
  accommodation_cents bigint,
  discount_cents bigint,
  cleaning_fee_cents bigint,
  service_fee_cents bigint,
  total_cents bigint,
  host_fee_cents bigint,
  host_payout_cents bigint
);
comment on type public.stay_quote is 'A price quote: bookable, or the reason it is not; money in minor units of currency; nightly is [{night, price_cents}].';

-- Tables ---------------------------------------------------------------------------------------------------------

create table public.seasonal_rates (
  id uuid primary key default gen_random_uuid(),
  property_id uuid not null references public.properties (id) on delete cascade,
  start_date date not null,
  end_date date not null,
  nightly_price_cents integer not null constraint rate_price_positive check (nightly_price_cents between 1 and 100000000),
  label text not null default '' constraint label_length check (private.text_within('label', label, 0, 100)),
  created_at timestamptz not null default now(),
  constraint rate_dates_in_order check (start_date < end_date),
  constraint seasonal_rates_do_not_overlap exclude using gist (property_id with =, daterange(start_date, end_date) with &&)
);
comment on table public.seasonal_rates is 'A nightly price replacing the listing''s for the nights [start_date, end_date).';

-- Functions ------------------------------------------------------------------------------------------------------

-- The fee rule, written once. Percentages of a stay's subtotal (accommodation after discount, plus cleaning),
-- each rounded half up to the unit by private.price_stays.
create function private.fee_rule(out guest_service_fee_pct integer, out host_fee_pct integer)
language sql immutable parallel safe
set search_path = ''
as $$
  select 14, 3
$$;
comment on function private.fee_rule() is 'The fee rule: guest service fee and host fee, in percent of the stay''s subtotal (rounded half up by private.price_stays).';

-- The one pricing rule. Prices [check_in, check_out) at each listing given, as stored: nightly prices (seasonal rate
-- or the listing's price), weekly discount from 7 nights, monthly instead from 28, cleaning fee, and the fees of
-- private.fee_rule on the subtotal, every rounding half up in integer minor units. Called by the verbs that price
-- (quote_stay, request_booking, the search), which decide what may be priced. Planned once per session (generic
-- plan): its cost does not depend on the values. Exact in bigint at the largest price and stay the schema allows
-- (100,000,000 a night for 1,125 nights: ~10^11, each percentage ~10^13).
create function private.price_stays(property_ids uuid[], check_in date, check_out date, itemized boolean default true)
returns table (property_id uuid, quote public.stay_quote)
language plpgsql stable
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
begin
  return query
    select p.id,
           row(null, null, stay.nights, p.currency, nightly.prices, accommodation.cents, discount.cents,
               p.cleaning_fee_cents::bigint, fees.service_cents, subtotal.cents + fees.service_cents, fees.host_cents,
               subtotal.cents - fees.host_cents)::public.stay_quote
    from public.properties p
    cross join private.fee_rule() rule
    cross join lateral (select price_stays.check_out - price_stays.check_in as nights) stay
    cross join lateral (
      select stay.nights::bigint * p.nightly_price_cents
             + coalesce(sum((least(r.end_date, price_stays.check_out) - greatest(r.start_date, price_stays.check_in))::bigint
                            * (r.nightly_price_cents - p.nightly_price_cents)), 0)::bigint as cents
      from public.seasonal_rates r
      where r.property_id = p.id
        and daterange(r.start_date, r.end_date) && daterange(price_stays.check_in, price_stays.check_out)
    ) accommodation
    cross join lateral (
      select case when itemized then (
        select coalesce(jsonb_agg(jsonb_build_object('night', n.night::date,
                                                     'price_cents', coalesce(r.nightly_price_cents, p.nightly_price_cents))
                                  order by n.night), '[]'::jsonb)
        from generate_series(price_stays.check_in, price_stays.check_out - 1, interval '1 day') n(night)
        left join public.seasonal_rates r
          on r.property_id = p.id and n.night::date >= r.start_date and n.night::date < r.end_date)
      end as prices
    ) nightly
    cross join lateral (
      select (accommodation.cents * case when stay.nights >= 28 then p.monthly_discount_pct
                                         when stay.nights >= 7 then p.weekly_discount_pct
                                         else 0 end + 50) / 100 as cents
    ) discount
    cross join lateral (select accommodation.cents - discount.cents + p.cleaning_fee_cents as cents) subtotal
    cross join lateral (select (subtotal.cents * rule.guest_service_fee_pct + 50) / 100 as service_cents,
                               (subtotal.cents * rule.host_fee_pct + 50) / 100 as host_cents) fees
    where p.id = any (property_ids);
end
$$;
comment on function private.price_stays(uuid[], date, date, boolean) is
  'The one pricing rule: prices [check_in, check_out) at each listing (nightly, discount, cleaning, fees of private.fee_rule, half up).';

create function private.price_stay(property public.properties, check_in date, check_out date, itemized boolean default true)
returns public.stay_quote
language plpgsql stable
set search_path = ''
as $$
begin
  return (select s.quote from private.price_stays(array[property.id], check_in, check_out, itemized) s);
end
$$;
comment on function private.price_stay(public.properties, date, date, boolean) is 'Prices [check_in, check_out) at one listing (as stored): private.price_stays for one.';

-- Triggers -------------------------------------------------------------------------------------------------------

create trigger seasonal_rates_store_trimmed_text before insert or update of label on public.seasonal_rates
  for each row execute function private.store_trimmed_text('label');

-- Grants ---------------------------------------------------------------------------------------------------------

revoke all on function private.fee_rule(), private.price_stays(uuid[], date, date, boolean),
  private.price_stay(public.properties, date, date, boolean) from public, anon, authenticated;
grant execute on function private.fee_rule(), private.price_stays(uuid[], date, date, boolean),
  private.price_stay(public.properties, date, date, boolean) to service_role;

-- Table privileges are revoked, then granted exactly; the policies decide the rows.
revoke all on table public.seasonal_rates from anon, authenticated, service_role;
grant select on table public.seasonal_rates to anon, authenticated;
grant insert, delete, update (start_date, end_date, nightly_price_cents, label) on table public.seasonal_rates to authenticated;
grant select, insert, update, delete on table public.seasonal_rates to service_role;

-- Row-level security ---------------------------------------------------------------------------------------------

alter table public.seasonal_rates enable row level security;

-- Rates are visible exactly when their listing is (the subquery runs under the listing's policies).
create policy "rates of visible listings are visible" on public.seasonal_rates
  for select to anon, authenticated
  using (exists (select 1 from public.properties p where p.id = property_id));
create policy "hosts add rates to their listings" on public.seasonal_rates
  for insert to authenticated with check ((select private.is_property_host(property_id)));
create policy "hosts change their rates" on public.seasonal_rates
  for update to authenticated
  using ((select private.is_property_host(property_id)))
  with check ((select private.is_property_host(property_id)));
create policy "hosts remove their rates" on public.seasonal_rates
  for delete to authenticated using ((select private.is_property_host(property_id)));
