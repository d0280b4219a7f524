// Booking through the Data API: the RPC verbs as a frontend calls them, and the HTTP status of every refusal.
import { beforeAll, describe, expect, it } from 'vitest';
import { anonClient, clientAs, createUser, serviceClient, type TestUser } from '../support/clients.ts';
import { createListing, daysFromToday } from '../support/fixtures.ts';

let host: TestUser;
let guest: TestUser;
let stranger: TestUser;
let instantListing: string;
let requestListing: string;

beforeAll(async () => {
  [host, guest, stranger] = await Promise.all([createUser('host'), createUser('guest'), createUser('stranger')]);
  instantListing = await createListing(host.id, { instant_book: true });
  requestListing = await createListing(host.id, { instant_book: false, cancellation_policy: 'moderate' });
});

describe('booking through PostgREST', () => {
  it('a guest books an instant listing and gets a payment hold with the quoted price', async () => {
    const args = { property_id: instantListing, check_in: daysFromToday(10), check_out: daysFromToday(13), guests: 2 };
    const { data: quote } = await clientAs(guest).rpc('quote_stay', args);
    const { data, error, status } = await clientAs(guest).rpc('request_booking', { ...args, message: 'Hi!' });
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data?.status).toBe('pending_payment');
    expect(data?.total_cents).toBe(quote?.total_cents);
    expect(data?.guest_id).toBe(guest.id);
  });

  it('overlapping dates are a 409 with hint dates_unavailable', async () => {
    const { error, status } = await clientAs(stranger).rpc('request_booking', {
      property_id: instantListing, check_in: daysFromToday(12), check_out: daysFromToday(14), guests: 1,
    });
    expect(status).toBe(409);
    expect(error).toMatchObject({ code: 'PT409', hint: 'dates_unavailable', message: 'those dates are not available' });
  });

  it('bad input is a 400 whose hint names the reason', async () => {
    const { error, status } = await clientAs(guest).rpc('request_booking', {
      property_id: instantListing, check_in: daysFromToday(20), check_out: daysFromToday(20), guests: 1,
    });
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: '22023', hint: 'invalid_dates' });
  });

  it('anon cannot book: 401', async () => {
    const { status } = await anonClient().rpc('request_booking', {
      property_id: instantListing, check_in: daysFromToday(30), check_out: daysFromToday(32), guests: 1,
    });
    expect(status).toBe(401);
  });

  it('a host answers a request; the guest cannot (403); a stranger cannot see it (404)', async () => {
    const { data: booking } = await clientAs(guest).rpc('request_booking', {
      property_id: requestListing, check_in: daysFromToday(40), check_out: daysFromToday(43), guests: 1,
    });
    expect(booking?.status).toBe('awaiting_host');
    const byGuest = await clientAs(guest).rpc('respond_to_booking', { booking_id: booking!.id, accept: true });
    expect(byGuest.status).toBe(403);
    expect(byGuest.error?.hint).toBe('not_booking_host');
    const byStranger = await clientAs(stranger).rpc('respond_to_booking', { booking_id: booking!.id, accept: true });
    expect(byStranger.status).toBe(404);
    const byHost = await clientAs(host).rpc('respond_to_booking', { booking_id: booking!.id, accept: true });
    expect(byHost.status).toBe(200);
    expect(byHost.data?.status).toBe('pending_payment');
    const again = await clientAs(host).rpc('respond_to_booking', { booking_id: booking!.id, accept: false });
    expect(again.status).toBe(409);
    expect(again.error?.hint).toBe('invalid_transition');
  });

  it('a paid booking cancelled by the guest refunds by policy; a second cancel is a 409', async () => {
    const { data: booking } = await clientAs(guest).rpc('request_booking', {
      property_id: instantListing, check_in: daysFromToday(60), check_out: daysFromToday(63), guests: 1,
    });
    const confirmed = await serviceClient().rpc('confirm_booking_payment', {
      booking_id: booking!.id, amount_cents: booking!.total_cents, currency: booking!.currency,
    });
    expect(confirmed.data).toBe('confirmed');
    const { data, status } = await clientAs(guest).rpc('cancel_booking', { booking_id: booking!.id, reason: 'Plans changed' });
    expect(status).toBe(200);
    expect(data).toMatchObject({ status: 'cancelled', refund_cents: booking!.total_cents, cancelled_by: guest.id });
    const again = await clientAs(guest).rpc('cancel_booking', { booking_id: booking!.id, reason: 'again' });
    expect(again.status).toBe(409);
  });

  it('only the service role confirms payments: a guest gets 403', async () => {
    const { status } = await clientAs(guest).rpc('confirm_booking_payment', {
      booking_id: crypto.randomUUID(), amount_cents: 1, currency: 'NZD',
    });
    expect(status).toBe(403);
  });

  it('the guest and the host read the booking through the table API; a stranger reads nothing', async () => {
    const { data: booking } = await clientAs(guest).rpc('request_booking', {
      property_id: instantListing, check_in: daysFromToday(80), check_out: daysFromToday(81), guests: 1,
    });
    const forHost = await clientAs(host).from('bookings').select('id, status').eq('id', booking!.id);
    expect(forHost.data).toEqual([{ id: booking!.id, status: 'pending_payment' }]);
    const forStranger = await clientAs(stranger).from('bookings').select('id').eq('id', booking!.id);
    expect(forStranger.data).toEqual([]);
    const direct = await clientAs(guest).from('bookings').update({ status: 'confirmed' }).eq('id', booking!.id);
    expect(direct.status).toBe(403);
  });
});
