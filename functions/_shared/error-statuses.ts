// SQLSTATE → HTTP status: the one table behind the status of every refusal the database raises. PostgREST 12 answers
// these codes with these statuses on /rest/v1, and the edge functions answer with the same ones (http.ts), so a
// refusal reads the same whichever way it came. The README's "Errors" table and docs/conventions.md list exactly
// these codes (tests/functions/error-table.test.ts compares them), and tests/api/errors.test.ts provokes each one
// through the real PostgREST. No imports: Deno (http.ts) and the Node tests both read this file.
export const statusBySqlState: Readonly<Record<string, number>> = Object.freeze({
  '22023': 400, // invalid_parameter_value: bad input, `hint` names it
  '23514': 400, // check_violation, from a named constraint
  '23502': 400, // not_null_violation
  '23P01': 400, // exclusion_violation, from a named constraint
  // PostgREST answers 401 when the caller is anon; the functions authenticate their callers before any SQL runs.
  '42501': 403, // insufficient_privilege
  PT404: 404, // nothing the caller can see by that id
  PT409: 409, // conflict: dates taken, wrong state for the transition (location_required: publishing an unplaced listing), already done
  '23505': 409, // unique_violation, from a named constraint
  '23503': 409, // foreign_key_violation: an unknown reference (currency_is_iso_4217, time_zone_is_iana)
});
