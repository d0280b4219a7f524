-- Data: the booking settings row. Hand-written (a schema diff does not carry rows). Idempotent.

-- Booking settings: one row with the defaults (private.booking_settings; change it with an update).
insert into private.booking_settings default values on conflict do nothing;
