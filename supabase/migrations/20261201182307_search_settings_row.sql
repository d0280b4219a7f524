-- Data: the search read budgets' settings row. Hand-written (a schema diff does not carry rows). Idempotent.

-- Search read budgets: one row with the defaults (private.search_settings; tune it with an update).
insert into private.search_settings default values on conflict do nothing;
