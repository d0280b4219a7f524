// The local Auth API (scripts/lib/auth, a stand-in for Supabase Auth) driven by supabase-js's own auth client, so
// that drift from the real API shows: sign-up with config.toml's password rules and confirmations, the inbox,
// sign-in, rotating refresh tokens, the member's own rows through RLS, sign-out, recovery, e-mail change,
// reauthentication, TOTP and aal2 for admin powers, the admin API; then both generations of keys and tokens through
// the gateway, PostgREST and the edge functions.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { Secret, TOTP } from 'otpauth';
import { afterAll, describe, expect, it } from 'vitest';
import ws from 'ws';
import type { Database } from '../../types/database.ts';
import { createUser } from '../support/clients.ts';
import { database, env } from '../support/env.ts';

const sql = database();
afterAll(() => sql.end());

type Mail = { to: string; subject: string; type: string; token: string; token_hash: string; link?: string };

// Each client has its own address, as separate browsers would: the per-IP rate limits then count for it alone.
function client(key: string = env.publishableKey, headers: Record<string, string> = {}): SupabaseClient<Database> {
  const ip = `10.${randomByte()}.${randomByte()}.${randomByte()}`;
  return createClient<Database>(env.apiUrl, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    global: { headers: { 'x-forwarded-for': ip, ...headers } },
    realtime: { transport: ws as never },
  });
}
const randomByte = () => Math.floor(Math.random() * 254) + 1;
const address = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@auth.staybase.test`;
const password = 'harbour-view-2031';

async function inbox(to: string): Promise<Mail[]> {
  return (await fetch(`${env.apiUrl}/inbox/messages?to=${encodeURIComponent(to)}`)).json() as Promise<Mail[]>;
}
async function lastMail(to: string, type: string): Promise<Mail> {
  const mail = (await inbox(to)).find((m) => m.type === type);
  if (!mail) throw new Error(`no ${type} e-mail to ${to}`);
  return mail;
}

/** A confirmed member signed in on a fresh client. */
async function signedIn(label: string) {
  const email = address(label);
  const admin = client(env.secretKey);
  const { data, error } = await admin.auth.admin.createUser({ email, password, email_confirm: true, user_metadata: { display_name: label } });
  expect(error).toBeNull();
  const member = client();
  const signIn = await member.auth.signInWithPassword({ email, password });
  expect(signIn.error).toBeNull();
  return { email, id: data.user!.id, member, session: signIn.data.session! };
}

describe('sign-up, confirmation and sign-in', () => {
  const email = address('newcomer');
  const member = client();

  it('refuses a weak password with weak_password and the reasons, as config.toml sets them (10 characters, letters and digits)', async () => {
    const { data, error } = await member.auth.signUp({ email, password: 'short' });
    expect(data.user).toBeNull();
    expect(error).toMatchObject({ status: 422, code: 'weak_password', name: 'AuthWeakPasswordError' });
    expect((error as { reasons?: string[] }).reasons).toEqual(['length', 'characters']);
    const lettersOnly = await member.auth.signUp({ email, password: 'onlyletterslong' });
    expect((lettersOnly.error as { reasons?: string[] }).reasons).toEqual(['characters']);
  });

  it('signs up without a session (e-mail confirmation is on) and sends the confirmation e-mail to the inbox', async () => {
    const { data, error } = await member.auth.signUp({ email, password, options: { data: { display_name: 'Nina Newcomer' } } });
    expect(error).toBeNull();
    expect(data.session).toBeNull();
    expect(data.user).toMatchObject({ email, user_metadata: { display_name: 'Nina Newcomer' }, app_metadata: { provider: 'email' } });
    expect(data.user!.identities).toHaveLength(1);
    const mail = await lastMail(email, 'signup');
    expect(mail.subject).toBe('Confirm your email address');
    expect(mail.link).toContain('/auth/v1/verify?token=');
  });

  it('refuses to sign in before confirmation with email_not_confirmed', async () => {
    const { error } = await member.auth.signInWithPassword({ email, password });
    expect(error).toMatchObject({ status: 400, code: 'email_not_confirmed' });
  });

  it('confirms through the e-mail\'s link: a redirect to the site with a session in the fragment', async () => {
    const { link } = await lastMail(email, 'signup');
    const response = await fetch(link!, { redirect: 'manual', headers: { 'x-forwarded-for': '10.9.9.9' } });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(location.origin).toBe('http://127.0.0.1:3000');
    const fragment = new URLSearchParams(location.hash.slice(1));
    expect(fragment.get('type')).toBe('signup');
    expect(decodeJwt(fragment.get('access_token')!)).toMatchObject({ email, aal: 'aal1', role: 'authenticated' });
    const reused = await fetch(link!, { redirect: 'manual', headers: { 'x-forwarded-for': '10.9.9.9' } });
    expect(new URLSearchParams(new URL(reused.headers.get('location')!).hash.slice(1)).get('error_code')).toBe('otp_expired');
  });

  it('signs in with a wrong password as invalid_credentials, with the right one to a session with Supabase Auth\'s claims', async () => {
    expect((await member.auth.signInWithPassword({ email, password: 'wrong-password-1' })).error).toMatchObject({ status: 400, code: 'invalid_credentials' });
    const { data, error } = await member.auth.signInWithPassword({ email, password });
    expect(error).toBeNull();
    const claims = decodeJwt(data.session!.access_token);
    expect(claims).toMatchObject({
      sub: data.user!.id, role: 'authenticated', aud: 'authenticated', aal: 'aal1', email, phone: '',
      app_metadata: { provider: 'email', providers: ['email'] }, is_anonymous: false,
      user_metadata: { display_name: 'Nina Newcomer', email_verified: true },
    });
    expect(claims.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.amr).toEqual([{ method: 'password', timestamp: expect.any(Number) }]);
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(decodeProtectedHeader(data.session!.access_token)).toMatchObject({ alg: 'ES256', kid: expect.any(String) });
  });

  it('reads its own profile and bookings through RLS, and changes its display name', async () => {
    const { data: { user } } = await member.auth.getUser();
    const profile = await member.from('profiles').select('display_name').eq('id', user!.id).single();
    expect(profile.data).toEqual({ display_name: 'Nina Newcomer' });
    const bookings = await member.from('bookings').select('id');
    expect(bookings).toMatchObject({ status: 200, data: [] });
    const renamed = await member.from('profiles').update({ display_name: 'Nina N.' }).eq('id', user!.id).select('display_name').single();
    expect(renamed.data).toEqual({ display_name: 'Nina N.' });
    const updated = await member.auth.updateUser({ data: { display_name: 'Nina N.' } });
    expect(updated.data.user?.user_metadata).toMatchObject({ display_name: 'Nina N.' });
  });

  it('rotates refresh tokens; a lost answer gets the same token again; an old token past the reuse interval is refused', async () => {
    const { data: { session } } = await member.auth.getSession();
    const first = session!.refresh_token;
    const refreshed = await member.auth.refreshSession();
    expect(refreshed.error).toBeNull();
    const second = refreshed.data.session!.refresh_token;
    expect(second).not.toBe(first);
    const again = await client().auth.refreshSession({ refresh_token: first });
    expect(again.data.session?.refresh_token).toBe(second);
    await member.auth.refreshSession();
    await sql`update auth.refresh_tokens set updated_at = now() - interval '1 minute' where token = ${first}`;
    const reused = await client().auth.refreshSession({ refresh_token: first });
    expect(reused.error).toMatchObject({ status: 400, code: 'refresh_token_already_used' });
  });

  it('a repeated sign-up of a confirmed address reveals nothing: a made-up user without identities', async () => {
    const { data, error } = await client().auth.signUp({ email, password });
    expect(error).toBeNull();
    expect(data.user?.identities).toEqual([]);
  });

  it('signs out: the refresh token no longer works', async () => {
    const signedInAgain = client();
    const { data } = await signedInAgain.auth.signInWithPassword({ email, password });
    const refreshToken = data.session!.refresh_token;
    expect((await signedInAgain.auth.signOut()).error).toBeNull();
    const { error } = await client().auth.refreshSession({ refresh_token: refreshToken });
    expect(error).toMatchObject({ status: 400, code: 'refresh_token_not_found' });
  });

  it('confirms with the code from the e-mail too (verifyOtp), and limits sign-ups per address (rate_limit.sign_in_sign_ups)', async () => {
    const other = address('coder');
    const coder = client();
    await coder.auth.signUp({ email: other, password });
    const { token } = await lastMail(other, 'signup');
    const { data, error } = await coder.auth.verifyOtp({ email: other, token, type: 'signup' });
    expect(error).toBeNull();
    expect(data.session?.user.email_confirmed_at).toBeTruthy();

    const flooding = client();
    const answers = [];
    for (let i = 0; i < 31; i++) answers.push((await flooding.auth.signUp({ email: address('flood'), password: 'weak' })).error?.code);
    expect(answers.slice(0, 30).every((code) => code === 'weak_password')).toBe(true);
    expect(answers[30]).toBe('over_request_rate_limit');
  });
});

describe('passwords and e-mail addresses', () => {
  it('refuses the same password, and a password change in an old session without the reauthentication nonce', async () => {
    const { member, session, email } = await signedIn('changer');
    expect((await member.auth.updateUser({ password })).error).toMatchObject({ status: 422, code: 'same_password' });
    expect((await member.auth.updateUser({ password: 'weak' })).error).toMatchObject({ status: 422, code: 'weak_password' });
    const sessionId = decodeJwt(session.access_token).session_id as string;
    await sql`update auth.sessions set created_at = now() - interval '25 hours' where id = ${sessionId}`;
    expect((await member.auth.updateUser({ password: 'harbour-view-2032' })).error)
      .toMatchObject({ status: 400, code: 'reauthentication_needed' });
    expect((await member.auth.reauthenticate()).error).toBeNull();
    const { token } = await lastMail(email, 'reauthentication');
    expect((await member.auth.updateUser({ password: 'harbour-view-2032', nonce: '000000' === token ? '111111' : '000000' })).error)
      .toMatchObject({ code: 'reauthentication_not_valid' });
    expect((await member.auth.updateUser({ password: 'harbour-view-2032', nonce: token })).error).toBeNull();
    expect((await client().auth.signInWithPassword({ email, password: 'harbour-view-2032' })).error).toBeNull();
  });

  it('recovers a forgotten password through the recovery e-mail', async () => {
    const { email } = await signedIn('forgetful');
    const member = client();
    expect((await member.auth.resetPasswordForEmail(email)).error).toBeNull();
    expect((await member.auth.resetPasswordForEmail(address('nobody'))).error).toBeNull();
    const { token } = await lastMail(email, 'recovery');
    const verified = await member.auth.verifyOtp({ email, token, type: 'recovery' });
    expect(verified.error).toBeNull();
    expect((await member.auth.updateUser({ password: 'new-harbour-2040' })).error).toBeNull();
    expect((await client().auth.signInWithPassword({ email, password: 'new-harbour-2040' })).error).toBeNull();
    expect((await client().auth.verifyOtp({ email, token, type: 'recovery' })).error).toMatchObject({ status: 403, code: 'otp_expired' });
  });

  it('changes the e-mail address once both the old and the new address confirmed it (double_confirm_changes)', async () => {
    const { member, email, id } = await signedIn('mover');
    const next = address('moved');
    const { data, error } = await member.auth.updateUser({ email: next });
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ email, new_email: next });
    const toNew = await lastMail(next, 'email_change');
    const toOld = await lastMail(email, 'email_change');
    const first = await member.auth.verifyOtp({ token_hash: toOld.token_hash, type: 'email_change' });
    expect(first.error).toBeNull();
    expect(first.data.session).toBeNull();
    const second = await member.auth.verifyOtp({ token_hash: toNew.token_hash, type: 'email_change' });
    expect(second.error).toBeNull();
    expect(second.data.user?.email).toBe(next);
    expect((await sql`select email from auth.users where id = ${id}`)[0]!.email).toBe(next);
  });
});

describe('admin powers need a second factor (aal2)', () => {
  it('an admin at aal1 is refused admin actions with 42501 / mfa_required; after a TOTP verification (aal2) they are allowed', async () => {
    const { member, id } = await signedIn('moderator');
    const service = client(env.secretKey);
    expect((await service.auth.admin.updateUserById(id, { app_metadata: { role: 'admin' } })).data.user?.app_metadata)
      .toMatchObject({ role: 'admin', provider: 'email' });
    await member.auth.refreshSession();
    const unknownReview = crypto.randomUUID();
    const atAal1 = await member.rpc('hide_review', { review_id: unknownReview, reason: 'spam' });
    expect(atAal1).toMatchObject({ status: 403, error: { code: '42501', hint: 'mfa_required' } });

    const enrolled = await member.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'phone' });
    expect(enrolled.error).toBeNull();
    expect(enrolled.data!.totp!.qr_code).toMatch(/^data:image\/svg\+xml;utf-8,<svg/);
    const totp = new TOTP({ secret: Secret.fromBase32(enrolled.data!.totp!.secret) });
    const challenge = await member.auth.mfa.challenge({ factorId: enrolled.data!.id });
    const wrong = await member.auth.mfa.verify({ factorId: enrolled.data!.id, challengeId: challenge.data!.id, code: totp.generate() === '000000' ? '111111' : '000000' });
    expect(wrong.error).toMatchObject({ status: 422, code: 'mfa_verification_failed' });
    const verified = await member.auth.mfa.verify({ factorId: enrolled.data!.id, challengeId: challenge.data!.id, code: totp.generate() });
    expect(verified.error).toBeNull();
    expect(decodeJwt(verified.data!.access_token)).toMatchObject({ aal: 'aal2', amr: [{ method: 'totp' }, { method: 'password' }] });
    expect((await member.auth.mfa.getAuthenticatorAssuranceLevel()).data).toMatchObject({ currentLevel: 'aal2', nextLevel: 'aal2' });

    const atAal2 = await member.rpc('hide_review', { review_id: unknownReview, reason: 'spam' });
    expect(atAal2).toMatchObject({ status: 404, error: { code: 'PT404', hint: 'review_not_found' } });

    // With a verified factor, a new sign-in starts at aal1 and a password change needs aal2.
    const again = client();
    const { data } = await again.auth.signInWithPassword({ email: (await member.auth.getUser()).data.user!.email!, password });
    expect(decodeJwt(data.session!.access_token).aal).toBe('aal1');
    expect((await again.auth.mfa.getAuthenticatorAssuranceLevel()).data).toMatchObject({ currentLevel: 'aal1', nextLevel: 'aal2' });
    expect((await again.auth.updateUser({ password: 'harbour-view-2099' })).error).toMatchObject({ status: 401, code: 'insufficient_aal' });
  });

  it('reading every booking needs aal2 too: an admin at aal1 reads only their own', async () => {
    const aal1 = await createUser('admin-aal1', { admin: true, aal: 'aal1' });
    const aal2 = await createUser('admin-aal2', { admin: true });
    const read = async (token: string) => (await client(env.publishableKey, { Authorization: `Bearer ${token}` })
      .from('bookings').select('id', { count: 'exact', head: true })).count;
    expect(await read(aal1.token)).toBe(0);
    expect(await read(aal2.token)).toBeGreaterThan(0);
  });
});

describe('the admin users API (service role)', () => {
  it('creates, updates app_metadata, and deletes users; refuses members, duplicates and weak passwords', async () => {
    const service = client(env.secretKey);
    const email = address('made');
    const created = await service.auth.admin.createUser({ email, password, email_confirm: true, app_metadata: { plan: 'host' } });
    expect(created.error).toBeNull();
    expect(created.data.user).toMatchObject({ email, app_metadata: { plan: 'host', provider: 'email' } });
    expect((await service.auth.admin.createUser({ email, password })).error).toMatchObject({ status: 422, code: 'email_exists' });
    expect((await service.auth.admin.createUser({ email: address('weak'), password: 'weak' })).error).toMatchObject({ status: 422, code: 'weak_password' });
    const legacy = client(env.serviceRoleKey);
    const updated = await legacy.auth.admin.updateUserById(created.data.user!.id, { app_metadata: { plan: null, role: 'admin' } });
    expect(updated.data.user?.app_metadata).toEqual({ provider: 'email', providers: ['email'], role: 'admin' });
    const { member } = await signedIn('nosy');
    const byMember = await fetch(`${env.apiUrl}/auth/v1/admin/users/${created.data.user!.id}`, {
      headers: { apikey: env.publishableKey, authorization: `Bearer ${(await member.auth.getSession()).data.session!.access_token}`, 'x-supabase-api-version': '2024-01-01' },
    });
    expect(byMember.status).toBe(403);
    expect(await byMember.json()).toEqual({ code: 'not_admin', message: 'User not allowed' });
    expect((await service.auth.admin.deleteUser(created.data.user!.id)).error).toBeNull();
    expect((await service.auth.admin.getUserById(created.data.user!.id)).error).toMatchObject({ status: 404, code: 'user_not_found' });
    expect((await sql`select count(*)::int as n from public.profiles where id = ${created.data.user!.id}`)[0]!.n).toBe(0);
  });
});

describe('keys and tokens, both generations', () => {
  const jwks = createRemoteJWKSet(new URL(`${env.apiUrl}/auth/v1/.well-known/jwks.json`));

  it('serves the public signing key at /auth/v1/.well-known/jwks.json (no API key needed), and access tokens verify against it', async () => {
    const response = await fetch(`${env.apiUrl}/auth/v1/.well-known/jwks.json`);
    const body = await response.json() as { keys: Record<string, unknown>[] };
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(body.keys[0]).not.toHaveProperty('d');
    const { session } = await signedIn('verifier');
    const { payload } = await jwtVerify(session.access_token, jwks, { audience: 'authenticated' });
    expect(payload.role).toBe('authenticated');
    const member = client();
    await member.auth.setSession({ access_token: session.access_token, refresh_token: session.refresh_token });
    expect((await member.auth.getClaims()).data?.claims).toMatchObject({ sub: payload.sub, aal: 'aal1' });
  });

  it('the gateway takes a publishable or secret key, or a legacy anon or service_role JWT, in apikey; refuses anything else', async () => {
    const profiles = (key: string) => fetch(`${env.apiUrl}/rest/v1/profiles?select=id&limit=1`, { headers: { apikey: key } });
    for (const key of [env.publishableKey, env.secretKey, env.anonKey, env.serviceRoleKey]) expect((await profiles(key)).status).toBe(200);
    expect((await profiles('sb_publishable_not-a-key')).status).toBe(401);
    expect((await fetch(`${env.apiUrl}/auth/v1/settings`)).status).toBe(401);
    const settings = await (await fetch(`${env.apiUrl}/auth/v1/settings`, { headers: { apikey: env.publishableKey } })).json();
    expect(settings).toMatchObject({ disable_signup: false, mailer_autoconfirm: false, external: { email: true } });
  });

  it('the secret key acts as the service role and the publishable key as anon, through supabase-js', async () => {
    const viaSecret = await client(env.secretKey).from('bookings').select('id', { count: 'exact', head: true });
    expect(viaSecret.status).toBe(200);
    expect(viaSecret.count).toBeGreaterThan(0);
    const viaPublishable = await client(env.publishableKey).from('bookings').select('id', { count: 'exact', head: true });
    expect(viaPublishable.status).toBe(401);
  });

  it('PostgREST accepts a member\'s ES256 token and a legacy HS256 one alike', async () => {
    for (const alg of ['ES256', 'HS256'] as const) {
      const member = await createUser(`member-${alg}`, { alg });
      expect(decodeProtectedHeader(member.token).alg).toBe(alg);
      const own = await client(env.publishableKey, { Authorization: `Bearer ${member.token}` })
        .from('profiles').update({ bio: alg }).eq('id', member.id).select('bio').single();
      expect(own.data).toEqual({ bio: alg });
    }
    // The signature's first character changes (its last one may carry only padding bits that decode to the same bytes).
    const forged = (await createUser('forger')).token.replace(/\.([A-Za-z0-9_-])([^.]*)$/, (_, c, rest) => `.${c === 'A' ? 'B' : 'A'}${rest}`);
    expect((await client(env.publishableKey, { Authorization: `Bearer ${forged}` }).from('profiles').select('id').limit(1)).status).toBe(401);
  });

  it('a function verifies a member itself: ES256 and HS256 tokens pass, API keys and forged tokens do not', async () => {
    const checkout = (headers: Record<string, string>) => fetch(`${env.apiUrl}/functions/v1/payments-checkout`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}',
    });
    for (const alg of ['ES256', 'HS256'] as const) {
      const member = await createUser(`payer-${alg}`, { alg });
      // Past the caller check, the empty body is what is refused.
      expect((await checkout({ apikey: env.publishableKey, authorization: `Bearer ${member.token}` })).status).toBe(400);
    }
    expect((await checkout({ apikey: env.publishableKey })).status).toBe(401);
    expect((await checkout({ authorization: `Bearer ${env.anonKey}` })).status).toBe(401);
    const forged = (await createUser('payer-forged')).token.replace(/\.([A-Za-z0-9_-])([^.]*)$/, (_, c, rest) => `.${c === 'A' ? 'B' : 'A'}${rest}`);
    expect((await checkout({ authorization: `Bearer ${forged}` })).status).toBe(401);
  });

  it('a service function verifies a service caller itself: the secret key or the legacy service_role key', async () => {
    const worker = (headers: Record<string, string>) => fetch(`${env.apiUrl}/functions/v1/payments-worker`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"max_rows": 0}',
    });
    // Past the caller check, max_rows 0 is what is refused (so no outbox row is touched).
    expect((await worker({ apikey: env.secretKey })).status).toBe(400);
    expect((await worker({ authorization: `Bearer ${env.serviceRoleKey}` })).status).toBe(400);
    const viaSupabaseJs = await client(env.secretKey).functions.invoke('payments-worker', { body: { max_rows: 0 } });
    expect((viaSupabaseJs.error as { context?: Response } | null)?.context?.status).toBe(400);
    expect((await worker({ apikey: env.publishableKey })).status).toBe(403);
    expect((await worker({ authorization: `Bearer ${(await createUser('not-service')).token}` })).status).toBe(403);
    expect((await worker({ apikey: 'sb_secret_not-the-key' })).status).toBe(401);
  });
});
