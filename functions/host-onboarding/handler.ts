// POST /functions/v1/host-onboarding (a signed-in member becoming a host, or finishing their onboarding):
// creates the host's Stripe Connect Express account once, reuses it afterwards, and returns a fresh onboarding link.
//
// Exactly one account per host: the account is created with an idempotency key derived from the user id, so a
// double click, a retry or a crash between Stripe's answer and our insert yields the same account (Stripe keeps
// idempotency keys for at least 24 hours), and the database keeps one account per user (primary key).
import { signedInCaller } from '../_shared/auth.ts';
import { asServiceRole } from '../_shared/db.ts';
import { endpoint, HttpError, json, readJson, z } from '../_shared/http.ts';
import { stripe, stripeFailure, type Stripe } from '../_shared/stripe.ts';

type ConnectedAccount = {
  stripe_account_id: string;
  charges_enabled: boolean;
  payouts_enabled: boolean;
  details_submitted: boolean;
};

/** Where Stripe sends the host back: the site's own pages only (never an arbitrary URL from the request). */
function siteUrl(): URL {
  return new URL(Deno.env.get('STAYBASE_SITE_URL') ?? 'http://127.0.0.1:3000');
}

const sameSiteUrl = z.url({ protocol: /^https?$/ }).refine((value) => new URL(value).origin === siteUrl().origin, {
  message: 'must be a page of the Staybase site',
});

const Body = z.object({
  return_url: sameSiteUrl.optional(),
  refresh_url: sameSiteUrl.optional(),
}).strict();

async function connectedAccountOf(userId: string): Promise<ConnectedAccount | null> {
  return await asServiceRole(async (tx) => {
    const [row] = await tx<ConnectedAccount[]>`
      select stripe_account_id, charges_enabled, payouts_enabled, details_submitted
        from payments.connected_account(${userId}::uuid)
       where stripe_account_id is not null`;
    return row ?? null;
  });
}

async function createConnectedAccount(userId: string): Promise<ConnectedAccount> {
  let account: Stripe.Account;
  try {
    // Parameters must not vary between calls for one user, or Stripe refuses the reused key (idempotency_error).
    account = await stripe().accounts.create({
      controller: {
        stripe_dashboard: { type: 'express' },
        fees: { payer: 'application' },
        losses: { payments: 'application' },
        requirement_collection: 'stripe',
      },
      capabilities: { transfers: { requested: true } },
      metadata: { staybase_user_id: userId },
    }, { idempotencyKey: `host-account-${userId}` });
  } catch (error) {
    throw stripeFailure(error);
  }
  return await asServiceRole(async (tx) => {
    const [row] = await tx<ConnectedAccount[]>`
      select stripe_account_id, charges_enabled, payouts_enabled, details_submitted
        from payments.record_connected_account(${userId}::uuid, ${account.id})`;
    return row!;
  });
}

export default endpoint(['POST'], async (request) => {
  const caller = await signedInCaller(request);
  const body = await readJson(request, Body);
  const account = (await connectedAccountOf(caller.userId)) ?? (await createConnectedAccount(caller.userId));

  let link: Stripe.AccountLink;
  try {
    link = await stripe().accountLinks.create({
      account: account.stripe_account_id,
      type: 'account_onboarding',
      return_url: body.return_url ?? new URL('/host/payouts?onboarding=done', siteUrl()).href,
      refresh_url: body.refresh_url ?? new URL('/host/payouts?onboarding=refresh', siteUrl()).href,
    });
  } catch (error) {
    throw stripeFailure(error);
  }
  if (!link.url) throw new HttpError(502, 'stripe_unavailable', 'Stripe returned no onboarding link');

  return json({
    account_id: account.stripe_account_id,
    onboarding_url: link.url,
    expires_at: new Date(link.expires_at * 1000).toISOString(),
    charges_enabled: account.charges_enabled,
    payouts_enabled: account.payouts_enabled,
    details_submitted: account.details_submitted,
  });
});
