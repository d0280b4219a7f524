// A local stand-in for Supabase Auth (GoTrue), served by the gateway under /auth/v1: the part of its HTTP API that
// supabase-js's auth client calls for e-mail and password accounts, with GoTrue's request and response shapes and
// error codes, on the bootstrap's auth.users, auth.identities, auth.sessions, auth.refresh_tokens and auth.mfa_*
// tables (the same tables and columns GoTrue uses). It exists because GoTrue does not run here (no Docker); it is
// not Supabase Auth: OAuth providers, phone, magic links, PKCE, SSO, anonymous sign-ins, passkeys, WebAuthn and
// hooks are absent (they answer 404 or validation_failed). What it does:
//   * sign-up (confirmation e-mail or autoconfirm per config.toml), password sign-in, rotating refresh tokens with
//     GoTrue's reuse interval, sign-out (global, local, others), getUser, updateUser (metadata, password with the
//     reauthentication nonce, e-mail change with single or double confirmation), password recovery, /verify for
//     the links and codes it e-mails (POST, and GET for the links), /reauthenticate;
//   * TOTP factors (enroll, challenge, verify, unenroll): a verified factor upgrades the session to aal2;
//   * the admin users API for the service role (create, get, list, update, delete);
//   * /settings, /health and /.well-known/jwks.json.
// Passwords are bcrypt hashes made by pgcrypto's crypt() (GoTrue verifies them and makes the same kind), access
// tokens are signed with the local ES256 signing key (scripts/lib/keys.mjs), and e-mails go to the local inbox.
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { importJWK, jwtVerify, decodeProtectedHeader } from 'jose';
import { Secret, TOTP } from 'otpauth';
import { renderSVG } from 'uqr';
import { connect } from '../database.mjs';
import { JWKS, JWT_SECRET, PUBLIC_JWK, ISSUER, sign } from '../keys.mjs';

const API_VERSION = '2024-01-01';
const CHALLENGE_EXPIRY_SECONDS = 300;

class AuthError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}
const fail = (status, code, message, extra) => { throw new AuthError(status, code, message, extra); };

/** GoTrue's e-mail and reauthentication token hash: hex SHA-224 of the address (or phone) and the code. */
const tokenHash = (address, otp) => createHash('sha224').update(address + otp).digest('hex');
const otpCode = (length) => String(randomInt(0, 10 ** length)).padStart(length, '0');
const refreshTokenString = () => randomBytes(9).toString('base64url').toLowerCase().replace(/[-_]/g, 'x').slice(0, 12);
const isUuid = (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value ?? '');
const iso = (value) => (value ? new Date(value).toISOString() : undefined);

// Verifies a JWT with the local signing key (ES256) or, for legacy tokens, the shared secret (HS256).
const publicKey = await importJWK(PUBLIC_JWK, 'ES256');
const secret = new TextEncoder().encode(JWT_SECRET);
export async function verifyJwt(token) {
  const { alg } = decodeProtectedHeader(token);
  const key = alg === 'HS256' ? secret : publicKey;
  const { payload } = await jwtVerify(token, key, { algorithms: [alg === 'HS256' ? 'HS256' : 'ES256'] });
  return payload;
}

export function createAuthApi({ dbUrl, config, inbox, externalUrl }) {
  const sql = connect(dbUrl, { max: 2 });
  const hits = new Map();

  // Per-IP limits over 5 minutes, as config.toml's [auth.rate_limit] sets them. The address is the first
  // X-Forwarded-For entry when there is one (what Supabase's gateway passes on), else the socket's.
  function rateLimit(req, kind) {
    const limit = config.rateLimits[kind];
    const ip = String(req.headers['x-forwarded-for'] ?? req.socket.remoteAddress ?? '').split(',')[0].trim();
    const key = `${kind}:${ip}`;
    const now = Date.now();
    const recent = (hits.get(key) ?? []).filter((at) => at > now - 300_000);
    if (recent.length >= limit) fail(429, 'over_request_rate_limit', 'Request rate limit reached');
    recent.push(now);
    hits.set(key, recent);
  }

  function redirectTarget(requested) {
    if (!requested) return config.siteUrl;
    const allowed = [config.siteUrl, ...config.redirectUrls];
    const matches = allowed.some((pattern) => {
      const expression = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '.*').replace(/(?<!\.)\*/g, '[^/]*')}`);
      return expression.test(requested);
    });
    return matches ? requested : config.siteUrl;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Users as GoTrue returns them.
  async function loadUser(db, id) {
    const [row] = await db`select * from auth.users where id = ${id}`;
    if (!row) return null;
    row.identities = await db`select * from auth.identities where user_id = ${id} order by created_at`;
    row.factors = await db`select * from auth.mfa_factors where user_id = ${id} order by created_at`;
    return row;
  }
  async function userByEmail(db, email) {
    const [row] = await db`select id from auth.users where lower(email) = lower(${email}) and aud = 'authenticated' and is_sso_user = false`;
    return row ? loadUser(db, row.id) : null;
  }
  function userJson(u) {
    const json = {
      id: u.id,
      aud: u.aud ?? '',
      role: u.role ?? '',
      email: u.email ?? '',
      email_confirmed_at: iso(u.email_confirmed_at),
      phone: u.phone ?? '',
      phone_confirmed_at: iso(u.phone_confirmed_at),
      confirmation_sent_at: iso(u.confirmation_sent_at),
      confirmed_at: iso(u.confirmed_at),
      recovery_sent_at: iso(u.recovery_sent_at),
      new_email: u.email_change || undefined,
      email_change_sent_at: iso(u.email_change_sent_at),
      reauthentication_sent_at: iso(u.reauthentication_sent_at),
      last_sign_in_at: iso(u.last_sign_in_at),
      app_metadata: u.raw_app_meta_data ?? {},
      user_metadata: u.raw_user_meta_data ?? {},
      factors: u.factors?.length ? u.factors.map(factorJson) : undefined,
      identities: (u.identities ?? []).map((i) => ({
        identity_id: i.id, id: i.provider_id, user_id: i.user_id, identity_data: i.identity_data, provider: i.provider,
        last_sign_in_at: iso(i.last_sign_in_at), created_at: iso(i.created_at), updated_at: iso(i.updated_at), email: i.email ?? undefined,
      })),
      created_at: iso(u.created_at),
      updated_at: iso(u.updated_at),
      banned_until: iso(u.banned_until),
      is_anonymous: u.is_anonymous ?? false,
    };
    return JSON.parse(JSON.stringify(json));
  }
  const factorJson = (f) => ({
    id: f.id, friendly_name: f.friendly_name ?? '', factor_type: f.factor_type, status: f.status,
    created_at: iso(f.created_at), updated_at: iso(f.updated_at), last_challenged_at: iso(f.last_challenged_at),
  });

  function checkPasswordStrength(password) {
    if (password.length > 72) fail(400, 'validation_failed', 'Password cannot be longer than 72 characters');
    const reasons = [];
    const messages = [];
    if (password.length < config.minimumPasswordLength) {
      reasons.push('length');
      messages.push(`Password should be at least ${config.minimumPasswordLength} characters.`);
    }
    if (config.requiredCharacters.some((set) => ![...set].some((c) => password.includes(c)))) {
      reasons.push('characters');
      messages.push(`Password should contain at least one character of each: ${config.requiredCharacters.join(', ')}.`);
    }
    return reasons.length ? { message: messages.join(' '), reasons } : null;
  }
  function requireStrongPassword(password) {
    const weak = checkPasswordStrength(password);
    if (weak) fail(422, 'weak_password', weak.message, { weak_password: { reasons: weak.reasons } });
  }
  async function hashPassword(db, password) {
    const [{ hash }] = await db`select extensions.crypt(${password}, extensions.gen_salt('bf', 10)) as hash`;
    return hash;
  }
  async function passwordMatches(db, user, password) {
    if (!user.encrypted_password) return false;
    const [{ ok }] = await db`select ${user.encrypted_password} = extensions.crypt(${password}, ${user.encrypted_password}) as ok`;
    return ok;
  }
  function validateEmail(email) {
    if (!email) fail(400, 'validation_failed', 'An email address is required');
    if (email.length > 255) fail(400, 'validation_failed', 'An email address is too long');
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) fail(400, 'validation_failed', 'Unable to validate email address: invalid format');
    return email.toLowerCase();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Sessions and tokens.
  async function accessTokenFor(db, user, session) {
    const claims = await db`select authentication_method, extract(epoch from updated_at)::bigint as at from auth.mfa_amr_claims where session_id = ${session.id} order by updated_at desc`;
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = now + config.jwtExpiry;
    const token = await sign({
      iss: ISSUER,
      sub: user.id,
      aud: user.aud ?? 'authenticated',
      email: user.email ?? '',
      phone: user.phone ?? '',
      app_metadata: user.raw_app_meta_data ?? {},
      user_metadata: user.raw_user_meta_data ?? {},
      role: user.role ?? 'authenticated',
      aal: session.aal ?? 'aal1',
      amr: claims.map((c) => ({ method: c.authentication_method, timestamp: Number(c.at) })),
      session_id: session.id,
      is_anonymous: user.is_anonymous ?? false,
    }, expiresAt);
    return { token, expiresAt };
  }
  async function tokenResponse(db, userId, session, refreshToken, extra = {}) {
    const user = await loadUser(db, userId);
    const { token, expiresAt } = await accessTokenFor(db, user, session);
    return {
      access_token: token, token_type: 'bearer', expires_in: expiresAt - Math.floor(Date.now() / 1000), expires_at: expiresAt,
      refresh_token: refreshToken, user: userJson(user), ...extra,
    };
  }
  /** A new session with its first refresh token, authenticated by `method` (password, otp, totp, ...). */
  async function issueSession(db, userId, method, req) {
    const [session] = await db`
      insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent, ip)
      values (gen_random_uuid(), ${userId}, now(), now(), 'aal1', ${req?.headers['user-agent'] ?? null}, ${null})
      returning *`;
    await db`insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
             values (gen_random_uuid(), ${session.id}, now(), now(), ${method})`;
    const refreshToken = await newRefreshToken(db, userId, session.id, null);
    await db`update auth.users set last_sign_in_at = now(), updated_at = now() where id = ${userId}`;
    await db`update auth.identities set last_sign_in_at = now() where user_id = ${userId}`;
    return tokenResponse(db, userId, session, refreshToken);
  }
  async function newRefreshToken(db, userId, sessionId, parent) {
    const [row] = await db`
      insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
      values ('00000000-0000-0000-0000-000000000000', ${refreshTokenString()}, ${userId}, false, now(), now(), ${parent}, ${sessionId})
      returning token`;
    return row.token;
  }
  async function logout(db, userId, sessionId, scope) {
    if (scope === 'local') await db`delete from auth.sessions where id = ${sessionId}`;
    else if (scope === 'others') await db`delete from auth.sessions where user_id = ${userId} and id <> ${sessionId}`;
    else await db`delete from auth.sessions where user_id = ${userId}`;
  }

  // The caller of an endpoint that needs a user: a valid access token whose user and session still exist.
  async function authenticate(req) {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer) fail(401, 'no_authorization', 'This endpoint requires a valid Bearer token');
    let claims;
    try {
      claims = await verifyJwt(bearer);
    } catch (error) {
      fail(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${error.message}`);
    }
    if (!claims.sub) fail(403, 'bad_jwt', 'invalid claim: missing sub claim');
    if (!isUuid(claims.sub)) fail(400, 'bad_jwt', 'invalid claim: sub claim must be a UUID');
    const user = await loadUser(sql, claims.sub);
    if (!user) fail(403, 'user_not_found', 'User from sub claim in JWT does not exist');
    let session = null;
    if (claims.session_id) {
      [session] = await sql`select * from auth.sessions where id = ${claims.session_id} and user_id = ${user.id}`;
      if (!session) fail(403, 'session_not_found', 'Session from session_id claim in JWT does not exist');
    }
    if (user.banned_until && new Date(user.banned_until) > new Date()) fail(403, 'user_banned', 'User is banned');
    return { claims, user, session };
  }
  async function requireAdmin(req) {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer) fail(401, 'no_authorization', 'This endpoint requires a valid Bearer token');
    let claims;
    try {
      claims = await verifyJwt(bearer);
    } catch (error) {
      fail(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${error.message}`);
    }
    if (claims.role !== 'service_role') fail(403, 'not_admin', 'User not allowed');
  }

  // ---------------------------------------------------------------------------------------------------------------
  // E-mail.
  function sendMail(user, type, { otp, hash, to = user.email, redirectTo }) {
    const link = hash ? `${externalUrl}/auth/v1/verify?token=${hash}&type=${type}&redirect_to=${encodeURIComponent(redirectTarget(redirectTo))}` : undefined;
    const templates = {
      signup: ['Confirm your email address', '<h2>Confirm your email address</h2><p>Follow the link below to confirm this email address and finish signing up.</p>'],
      recovery: ['Reset your password', '<h2>Reset your password</h2><p>We received a request to reset your password. Follow the link below to choose a new one.</p>'],
      email_change: ['Confirm your new email address', `<h2>Confirm your new email address</h2><p>Follow the link below to confirm ${user.email_change ?? ''} as your new email address.</p>`],
      reauthentication: [`${otp} is your verification code`, '<h2>Your verification code</h2><p>Use the code below to verify your identity. It expires shortly.</p>'],
    };
    const [subject, body] = templates[type];
    const html = `${body}${link ? `<p><a href="${link}">${type === 'recovery' ? 'Reset password' : 'Confirm'}</a></p>` : ''}<p>Or enter this code: ${otp}</p>`;
    inbox.deliver({ to, subject, html, type, token: otp, token_hash: hash, link });
  }
  function withinFrequency(sentAt) {
    if (!sentAt) return;
    const wait = new Date(sentAt).getTime() + config.maxFrequency * 1000 - Date.now();
    if (wait > 0) fail(429, 'over_email_send_rate_limit', `For security purposes, you can only request this after ${Math.ceil(wait / 1000)} seconds.`);
  }
  async function sendConfirmation(db, user, redirectTo) {
    withinFrequency(user.confirmation_sent_at);
    const otp = otpCode(config.otpLength);
    const hash = tokenHash(user.email, otp);
    await db`update auth.users set confirmation_token = ${hash}, confirmation_sent_at = now() where id = ${user.id}`;
    sendMail(user, 'signup', { otp, hash, redirectTo });
  }

  async function confirm(db, user) {
    await db`update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()), confirmation_token = '',
               raw_user_meta_data = coalesce(raw_user_meta_data, '{}') || '{"email_verified": true}', updated_at = now()
             where id = ${user.id}`;
    await db`update auth.identities set identity_data = identity_data || '{"email_verified": true}', updated_at = now()
             where user_id = ${user.id} and provider = 'email'`;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Endpoints.
  async function signup(req, body, query) {
    if (!config.enableSignup) fail(422, 'signup_disabled', 'Signups not allowed for this instance');
    rateLimit(req, 'signInSignUps');
    if (!body.password) fail(400, 'validation_failed', 'Signup requires a valid password');
    requireStrongPassword(body.password);
    if (body.phone) fail(400, 'phone_provider_disabled', 'Phone signups are disabled');
    if (!config.emailEnabled) fail(400, 'email_provider_disabled', 'Email signups are disabled');
    if (body.code_challenge) fail(400, 'validation_failed', 'PKCE is not supported by the local Auth API: use the implicit flow locally');
    const email = validateEmail(body.email);
    const data = body.data ?? {};
    const existing = await userByEmail(sql, email);
    if (existing?.email_confirmed_at) {
      if (config.autoconfirm) fail(422, 'user_already_exists', 'User already registered');
      // GoTrue answers as if it had signed them up, with a made-up id and no identities, so that sign-up does not
      // reveal who has an account.
      const now = new Date().toISOString();
      return { status: 200, body: { id: crypto.randomUUID(), aud: 'authenticated', role: '', email, phone: '', confirmation_sent_at: now,
        app_metadata: { provider: 'email', providers: ['email'] }, user_metadata: data, identities: [], created_at: now, updated_at: now, is_anonymous: false } };
    }
    const hash = existing ? null : await hashPassword(sql, body.password);
    const result = await sql.begin(async (tx) => {
      let user = existing;
      if (!user) {
        const [created] = await tx`
          insert into auth.users (instance_id, id, aud, role, email, encrypted_password, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
          values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', ${email}, ${hash},
                  '{"provider": "email", "providers": ["email"]}', ${data}::jsonb, now(), now())
          returning id`;
        const identityData = { ...data, sub: created.id, email, email_verified: false, phone_verified: false };
        await tx`insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
                 values (${created.id}, ${created.id}, ${identityData}::jsonb, 'email', now(), now(), now())`;
        user = await loadUser(tx, created.id);
      }
      if (config.autoconfirm) {
        await confirm(tx, user);
        return { status: 200, body: await issueSession(tx, user.id, 'password', req) };
      }
      await sendConfirmation(tx, user, query.get('redirect_to'));
      return { status: 200, body: userJson(await loadUser(tx, user.id)) };
    });
    return result;
  }

  async function passwordGrant(req, body) {
    rateLimit(req, 'tokenRefresh');
    if (body.email && body.phone) fail(400, 'validation_failed', 'Only an email address or phone number should be provided on login.');
    if (body.phone) fail(422, 'phone_provider_disabled', 'Phone logins are disabled');
    if (!body.email) fail(400, 'validation_failed', 'missing email or phone');
    if (!config.emailEnabled) fail(422, 'email_provider_disabled', 'Email logins are disabled');
    const user = await userByEmail(sql, body.email);
    if (!user || !user.encrypted_password) fail(400, 'invalid_credentials', 'Invalid login credentials');
    if (user.banned_until && new Date(user.banned_until) > new Date()) fail(400, 'user_banned', 'User is banned');
    if (!(await passwordMatches(sql, user, body.password ?? ''))) fail(400, 'invalid_credentials', 'Invalid login credentials');
    if (!user.email_confirmed_at) fail(400, 'email_not_confirmed', 'Email not confirmed');
    const weak = checkPasswordStrength(body.password);
    const response = await sql.begin((tx) => issueSession(tx, user.id, 'password', req));
    return { status: 200, body: weak ? { ...response, weak_password: weak } : response };
  }

  async function refreshGrant(req, body) {
    rateLimit(req, 'tokenRefresh');
    if (!body.refresh_token) return { status: 400, body: { error: 'invalid_request', error_description: 'refresh_token required' }, oauth: true };
    return sql.begin(async (tx) => {
      const [token] = await tx`select * from auth.refresh_tokens where token = ${body.refresh_token} for update`;
      if (!token) fail(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
      const [session] = await tx`select * from auth.sessions where id = ${token.session_id} for update`;
      if (!session) fail(400, 'session_not_found', 'Invalid Refresh Token: No Valid Session Found');
      const user = await loadUser(tx, session.user_id);
      if (user.banned_until && new Date(user.banned_until) > new Date()) fail(400, 'user_banned', 'Invalid Refresh Token: User Banned');
      let issued = null;
      if (token.revoked) {
        const [active] = await tx`select * from auth.refresh_tokens where session_id = ${session.id} and not revoked order by id desc limit 1`;
        if (active && active.parent === token.token) {
          // The client lost the answer to its last refresh: it gets the token it was given then.
          issued = active.token;
        } else if (Date.now() > new Date(token.updated_at).getTime() + config.refreshTokenReuseInterval * 1000) {
          if (config.refreshTokenRotation) await tx`update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = ${session.id} and not revoked`;
          return { status: 400, error: new AuthError(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used') };
        }
      }
      if (!issued) {
        await tx`update auth.refresh_tokens set revoked = true, updated_at = now() where id = ${token.id}`;
        issued = await newRefreshToken(tx, user.id, session.id, token.token);
      }
      await tx`update auth.sessions set refreshed_at = now()::timestamp, updated_at = now() where id = ${session.id}`;
      return { status: 200, body: await tokenResponse(tx, user.id, session, issued) };
    }).then((result) => {
      // The family is revoked in a committed transaction, then the reuse is refused (GoTrue commits, then errors).
      if (result.error) throw result.error;
      return result;
    });
  }

  async function getUser(req) {
    const { user } = await authenticate(req);
    return { status: 200, body: userJson(user) };
  }

  async function updateUser(req, body, query) {
    rateLimit(req, 'signInSignUps');
    const { user, session } = await authenticate(req);
    if (body.email) body.email = validateEmail(body.email);
    if (typeof body.password === 'string') requireStrongPassword(body.password);
    if (body.app_metadata) fail(403, 'not_admin', 'Updating app_metadata requires admin privileges');
    const mfaEnabled = user.factors.some((f) => f.status === 'verified');
    if (mfaEnabled && session?.aal !== 'aal2' && (body.password || (body.email && body.email !== user.email))) {
      fail(401, 'insufficient_aal', 'AAL2 session is required to update email or password when MFA is enabled.');
    }
    if (body.email && body.email !== user.email && (await userByEmail(sql, body.email))) {
      fail(422, 'email_exists', 'A user with this email address has already been registered');
    }
    let newHash = null;
    if (typeof body.password === 'string') {
      if (config.securePasswordChange && (!session || Date.now() > new Date(session.created_at).getTime() + 24 * 3600 * 1000)) {
        if (!body.nonce) fail(400, 'reauthentication_needed', 'Password update requires reauthentication');
        const valid = user.reauthentication_token && user.reauthentication_sent_at
          && Date.now() <= new Date(user.reauthentication_sent_at).getTime() + config.otpExpiry * 1000
          && tokenHash(user.email, body.nonce) === user.reauthentication_token;
        if (!valid) fail(422, 'reauthentication_not_valid', 'Nonce has expired or is invalid');
      }
      if (body.password && (await passwordMatches(sql, user, body.password))) {
        fail(422, 'same_password', 'New password should be different from the old password.');
      }
      newHash = await hashPassword(sql, body.password);
    }
    await sql.begin(async (tx) => {
      if (newHash) {
        await tx`update auth.users set encrypted_password = ${newHash}, confirmation_token = '', recovery_token = '',
                   email_change_token_current = '', email_change_token_new = '', reauthentication_token = '',
                   reauthentication_sent_at = null, updated_at = now() where id = ${user.id}`;
        // Other sessions end: whoever had the old password is signed out everywhere but here.
        if (session) await logout(tx, user.id, session.id, 'others');
        else await logout(tx, user.id, null, 'global');
      }
      if (body.data && typeof body.data === 'object') {
        const metadata = { ...(user.raw_user_meta_data ?? {}) };
        for (const [key, value] of Object.entries(body.data)) {
          if (value === null) delete metadata[key];
          else metadata[key] = value;
        }
        await tx`update auth.users set raw_user_meta_data = ${metadata}::jsonb, updated_at = now() where id = ${user.id}`;
      }
      if (body.email && body.email !== user.email) {
        withinFrequency(user.email_change_sent_at);
        const otpNew = otpCode(config.otpLength);
        const hashNew = tokenHash(body.email, otpNew);
        const double = config.doubleConfirmChanges && user.email;
        const otpCurrent = double ? otpCode(config.otpLength) : null;
        const hashCurrent = double ? tokenHash(user.email, otpCurrent) : '';
        await tx`update auth.users set email_change = ${body.email}, email_change_token_new = ${hashNew},
                   email_change_token_current = ${hashCurrent}, email_change_confirm_status = 0, email_change_sent_at = now(),
                   updated_at = now() where id = ${user.id}`;
        const changed = { ...user, email_change: body.email };
        sendMail(changed, 'email_change', { otp: otpNew, hash: hashNew, to: body.email, redirectTo: query.get('redirect_to') });
        if (double) sendMail(changed, 'email_change', { otp: otpCurrent, hash: hashCurrent, to: user.email, redirectTo: query.get('redirect_to') });
      }
    });
    return { status: 200, body: userJson(await loadUser(sql, user.id)) };
  }

  async function signOut(req, query) {
    const scope = query.get('scope') || 'global';
    if (!['global', 'local', 'others'].includes(scope)) fail(400, 'validation_failed', `Unsupported logout scope "${scope}"`);
    const { user, session } = await authenticate(req);
    await logout(sql, user.id, session?.id ?? null, session ? scope : 'global');
    return { status: 204 };
  }

  async function recover(req, body, query) {
    rateLimit(req, 'signInSignUps');
    if (!body.email) fail(400, 'validation_failed', 'Password recovery requires an email');
    const email = validateEmail(body.email);
    if (body.code_challenge) fail(400, 'validation_failed', 'PKCE is not supported by the local Auth API: use the implicit flow locally');
    const user = await userByEmail(sql, email);
    if (!user) return { status: 200, body: {} };
    withinFrequency(user.recovery_sent_at);
    const otp = otpCode(config.otpLength);
    const hash = tokenHash(user.email, otp);
    await sql`update auth.users set recovery_token = ${hash}, recovery_sent_at = now() where id = ${user.id}`;
    sendMail(user, 'recovery', { otp, hash, redirectTo: query.get('redirect_to') });
    return { status: 200, body: {} };
  }

  async function reauthenticate(req) {
    const { user } = await authenticate(req);
    if (!user.email) fail(400, 'validation_failed', 'Reauthentication requires the user to have an email or a phone number');
    if (!user.email_confirmed_at) fail(422, 'email_not_confirmed', 'Please verify your email first.');
    withinFrequency(user.reauthentication_sent_at);
    const otp = otpCode(config.otpLength);
    await sql`update auth.users set reauthentication_token = ${tokenHash(user.email, otp)}, reauthentication_sent_at = now() where id = ${user.id}`;
    sendMail(user, 'reauthentication', { otp });
    return { status: 200, body: {} };
  }

  // Finds the user a verification token (its hash) belongs to, by type, and checks it has not expired.
  async function userForToken(db, type, hash, email) {
    const column = { signup: 'confirmation_token', invite: 'confirmation_token', recovery: 'recovery_token', magiclink: 'recovery_token' }[type];
    let rows;
    if (type === 'email_change') {
      rows = await db`select id from auth.users where (email_change_token_new = ${hash} or email_change_token_current = ${hash}) and ${hash} <> ''`;
    } else if (type === 'email') {
      rows = await db`select id from auth.users where (confirmation_token = ${hash} or recovery_token = ${hash}) and ${hash} <> ''`;
    } else if (column) {
      rows = await db`select id from auth.users where ${db(column)} = ${hash} and ${hash} <> ''`;
    } else {
      fail(400, 'validation_failed', 'Invalid email verification type');
    }
    const invalid = () => fail(403, 'otp_expired', email === undefined ? 'Email link is invalid or has expired' : 'Token has expired or is invalid');
    if (!rows.length) invalid();
    const user = await loadUser(db, rows[0].id);
    if (email !== undefined && user.email.toLowerCase() !== email.toLowerCase() && user.email_change?.toLowerCase() !== email.toLowerCase()) invalid();
    let effective = type;
    if (type === 'email') effective = user.recovery_token === hash ? 'magiclink' : 'signup';
    const sentAt = { signup: user.confirmation_sent_at, invite: user.confirmation_sent_at, recovery: user.recovery_sent_at,
      magiclink: user.recovery_sent_at, email_change: user.email_change_sent_at }[effective];
    if (!sentAt || Date.now() > new Date(sentAt).getTime() + config.otpExpiry * 1000) invalid();
    return { user, type: effective };
  }

  // Applies a verified token; null when an e-mail change still waits for its second confirmation.
  async function applyVerification(db, user, type, hash) {
    if (type === 'signup' || type === 'invite') {
      await confirm(db, user);
    } else if (type === 'recovery' || type === 'magiclink') {
      await db`update auth.users set recovery_token = '', updated_at = now() where id = ${user.id}`;
      if (!user.email_confirmed_at) await confirm(db, user);
    } else if (type === 'email_change') {
      if (config.doubleConfirmChanges && user.email && user.email_change_confirm_status === 0
          && user.email_change_token_current && user.email_change_token_new) {
        const spent = hash === user.email_change_token_current ? 'email_change_token_current' : 'email_change_token_new';
        await db`update auth.users set email_change_confirm_status = 1, ${db(spent)} = '' where id = ${user.id}`;
        return null;
      }
      await db`update auth.users set email = email_change, email_change = '', email_change_token_current = '',
                 email_change_token_new = '', email_change_confirm_status = 0, updated_at = now() where id = ${user.id}`;
      await db`update auth.identities set identity_data = identity_data || jsonb_build_object('email', ${user.email_change}::text, 'email_verified', true),
                 updated_at = now() where user_id = ${user.id} and provider = 'email'`;
      if (!user.email_confirmed_at) await confirm(db, user);
    }
    return user;
  }

  async function verifyPost(req, body) {
    rateLimit(req, 'tokenVerifications');
    if (!body.type) fail(400, 'validation_failed', 'Verify requires a verification type');
    if ((!body.token && !body.token_hash) || (body.token && body.token_hash)) fail(400, 'validation_failed', 'Verify requires either a token or a token hash');
    if (['sms', 'phone_change'].includes(body.type) || body.phone) fail(400, 'validation_failed', 'Only email verification is served by the local Auth API');
    let hash = body.token_hash;
    let email;
    if (body.token) {
      email = validateEmail(body.email);
      hash = tokenHash(email, body.token);
    }
    return sql.begin(async (tx) => {
      const found = await userForToken(tx, body.type, hash, email);
      const verified = await applyVerification(tx, found.user, found.type, hash);
      if (!verified) return { status: 200, body: { msg: 'Confirmation link accepted. Please proceed to confirm link sent to the other email', code: '200' } };
      return { status: 200, body: await issueSession(tx, verified.id, 'otp', req) };
    });
  }

  async function verifyGet(req, query) {
    const type = query.get('type');
    const token = query.get('token');
    const redirectTo = redirectTarget(query.get('redirect_to'));
    const target = new URL(redirectTo);
    try {
      rateLimit(req, 'tokenVerifications');
      if (!type) fail(400, 'validation_failed', 'Verify requires a verification type');
      if (!token) fail(400, 'validation_failed', 'Verify requires a token or a token hash');
      const fragment = await sql.begin(async (tx) => {
        const found = await userForToken(tx, type, token);
        const verified = await applyVerification(tx, found.user, found.type, token);
        if (!verified) return new URLSearchParams({ message: 'Confirmation link accepted. Please proceed to confirm link sent to the other email', sb: '' });
        const session = await issueSession(tx, verified.id, 'otp', req);
        return new URLSearchParams({ access_token: session.access_token, expires_at: String(session.expires_at),
          expires_in: String(session.expires_in), refresh_token: session.refresh_token, sb: '', token_type: 'bearer', type });
      });
      target.hash = fragment.toString();
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      const oauth = { 400: 'invalid_request', 401: 'unauthorized_client', 403: 'access_denied', 500: 'server_error' }[error.status];
      target.hash = new URLSearchParams({ ...(oauth ? { error: oauth } : {}), error_code: error.code, error_description: error.message, sb: '' }).toString();
    }
    return { status: 303, headers: { location: target.toString() } };
  }

  // TOTP factors.
  async function enrollFactor(req, body) {
    const { user, session } = await authenticate(req);
    if (!session) fail(500, 'unexpected_failure', 'A valid session and a registered user are required to enroll a factor');
    if (body.factor_type !== 'totp') {
      if (['phone', 'webauthn'].includes(body.factor_type)) fail(422, `mfa_${body.factor_type}_enroll_not_enabled`, `MFA enroll is disabled for ${body.factor_type === 'phone' ? 'Phone' : 'WebAuthn'}`);
      fail(400, 'validation_failed', 'factor_type needs to be totp, phone, or webauthn');
    }
    if (!config.mfa.totpEnroll) fail(422, 'mfa_totp_enroll_not_enabled', 'MFA enroll is disabled for TOTP');
    const friendlyName = body.friendly_name ?? '';
    if (friendlyName && user.factors.some((f) => f.friendly_name === friendlyName)) {
      fail(422, 'mfa_factor_name_conflict', `A factor with the friendly name "${friendlyName}" for this user already exists`);
    }
    if (user.factors.length >= config.mfa.maxEnrolledFactors) fail(422, 'too_many_enrolled_mfa_factors', 'Maximum number of verified factors reached, unenroll to continue');
    if (user.factors.some((f) => f.status === 'verified') && session.aal !== 'aal2') fail(403, 'insufficient_aal', 'AAL2 required to enroll a new factor');
    const totp = new TOTP({ issuer: body.issuer || new URL(config.siteUrl).host, label: user.email, secret: new Secret({ size: 20 }) });
    const [factor] = await sql`
      insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret)
      values (gen_random_uuid(), ${user.id}, ${friendlyName}, 'totp', 'unverified', now(), now(), ${totp.secret.base32})
      returning *`;
    const uri = totp.toString();
    return { status: 200, body: { id: factor.id, type: 'totp', friendly_name: friendlyName, totp: { qr_code: renderSVG(uri), secret: totp.secret.base32, uri } } };
  }

  async function factorOf(user, factorId) {
    const factor = isUuid(factorId) && user.factors.find((f) => f.id === factorId);
    if (!factor) fail(404, 'mfa_factor_not_found', 'Factor not found');
    return factor;
  }
  const clientIp = (req) => String(req.headers['x-forwarded-for'] ?? req.socket.remoteAddress ?? '127.0.0.1').split(',')[0].trim().replace(/^::ffff:/, '');

  async function challengeFactor(req, factorId) {
    const { user } = await authenticate(req);
    const factor = await factorOf(user, factorId);
    if (!config.mfa.totpVerify) fail(422, 'mfa_totp_verify_not_enabled', 'MFA verification is disabled for TOTP');
    const [challenge] = await sql`
      insert into auth.mfa_challenges (id, factor_id, created_at, ip_address)
      values (gen_random_uuid(), ${factor.id}, now(), ${clientIp(req)}) returning id, extract(epoch from created_at)::bigint as created`;
    await sql`update auth.mfa_factors set last_challenged_at = now() where id = ${factor.id}`;
    return { status: 200, body: { id: challenge.id, type: 'totp', expires_at: Number(challenge.created) + CHALLENGE_EXPIRY_SECONDS } };
  }

  async function verifyFactor(req, factorId, body) {
    const { user, session } = await authenticate(req);
    const factor = await factorOf(user, factorId);
    if (!config.mfa.totpVerify) fail(422, 'mfa_totp_verify_not_enabled', 'MFA verification is disabled for TOTP');
    if (!session) fail(500, 'unexpected_failure', 'A valid session is required to verify a factor');
    const [challenge] = isUuid(body.challenge_id)
      ? await sql`select *, host(ip_address) as ip from auth.mfa_challenges where id = ${body.challenge_id} and factor_id = ${factor.id}`
      : [];
    if (!challenge) fail(422, 'mfa_factor_not_found', 'MFA factor with the provided challenge ID not found');
    if (challenge.verified_at || challenge.ip !== clientIp(req)) fail(422, 'mfa_ip_address_mismatch', 'Challenge and verify IP addresses mismatch.');
    if (Date.now() > new Date(challenge.created_at).getTime() + CHALLENGE_EXPIRY_SECONDS * 1000) {
      await sql`delete from auth.mfa_challenges where id = ${challenge.id}`;
      fail(422, 'mfa_challenge_expired', `MFA challenge ${challenge.id} has expired, verify against another challenge or create a new challenge.`);
    }
    const totp = new TOTP({ secret: Secret.fromBase32(factor.secret) });
    if (typeof body.code !== 'string' || totp.validate({ token: body.code, window: 1 }) === null) {
      fail(422, 'mfa_verification_failed', 'Invalid TOTP code entered');
    }
    return sql.begin(async (tx) => {
      await tx`update auth.mfa_challenges set verified_at = now() where id = ${challenge.id}`;
      if (factor.status !== 'verified') {
        await tx`update auth.mfa_factors set status = 'verified', updated_at = now() where id = ${factor.id}`;
        await tx`delete from auth.mfa_factors where user_id = ${user.id} and status = 'unverified' and id <> ${factor.id}`;
      }
      await tx`insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
               values (gen_random_uuid(), ${session.id}, now(), now(), 'totp')
               on conflict (session_id, authentication_method) do update set updated_at = now()`;
      const [upgraded] = await tx`update auth.sessions set aal = 'aal2', factor_id = ${factor.id}, updated_at = now() where id = ${session.id} returning *`;
      // The session's earlier refresh tokens cannot bring back an aal2 session: a new one replaces them all.
      await tx`update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = ${session.id} and not revoked`;
      const refreshToken = await newRefreshToken(tx, user.id, session.id, null);
      return { status: 200, body: await tokenResponse(tx, user.id, upgraded, refreshToken) };
    });
  }

  async function unenrollFactor(req, factorId) {
    const { user, session } = await authenticate(req);
    const factor = await factorOf(user, factorId);
    if (factor.status === 'verified' && session?.aal !== 'aal2') fail(403, 'insufficient_aal', 'AAL2 required to unenroll a verified factor');
    await sql.begin(async (tx) => {
      await tx`delete from auth.mfa_factors where id = ${factor.id}`;
      if (factor.status === 'verified') {
        await tx`update auth.sessions set aal = 'aal1', factor_id = null where factor_id = ${factor.id}`;
      }
    });
    return { status: 200, body: { id: factor.id } };
  }

  // The admin users API (service role only).
  async function adminCreateUser(req, body) {
    await requireAdmin(req);
    if (!body.email && !body.phone) fail(400, 'validation_failed', 'Cannot create a user without either an email or phone');
    if (body.phone) fail(400, 'validation_failed', 'Phone users are not served by the local Auth API');
    const email = validateEmail(body.email);
    if (await userByEmail(sql, email)) fail(422, 'email_exists', 'A user with this email address has already been registered');
    if (body.password) requireStrongPassword(body.password);
    if (body.id && !isUuid(body.id)) fail(400, 'validation_failed', 'ID must conform to the uuid v4 format');
    const hash = body.password ? await hashPassword(sql, body.password) : null;
    const id = await sql.begin(async (tx) => {
      const appMetadata = { provider: 'email', providers: ['email'], ...(body.app_metadata ?? {}) };
      const [created] = await tx`
        insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
        values ('00000000-0000-0000-0000-000000000000', ${body.id ?? crypto.randomUUID()}, 'authenticated', ${body.role ?? 'authenticated'}, ${email}, ${hash},
                ${body.email_confirm ? new Date() : null}, ${appMetadata}::jsonb, ${body.user_metadata ?? {}}::jsonb, now(), now())
        returning id`;
      const identityData = { ...(body.user_metadata ?? {}), sub: created.id, email, email_verified: Boolean(body.email_confirm), phone_verified: false };
      await tx`insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
               values (${created.id}, ${created.id}, ${identityData}::jsonb, 'email', now(), now(), now())`;
      return created.id;
    });
    return { status: 200, body: userJson(await loadUser(sql, id)) };
  }
  async function adminUser(userId) {
    if (!isUuid(userId)) fail(404, 'validation_failed', 'user_id must be an UUID');
    const user = await loadUser(sql, userId);
    if (!user) fail(404, 'user_not_found', 'User not found');
    return user;
  }
  async function adminUpdateUser(req, userId, body) {
    await requireAdmin(req);
    const user = await adminUser(userId);
    const merge = (current, updates) => {
      const merged = { ...(current ?? {}) };
      for (const [key, value] of Object.entries(updates)) {
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      return merged;
    };
    if (body.password) requireStrongPassword(body.password);
    const hash = body.password ? await hashPassword(sql, body.password) : null;
    const email = body.email ? validateEmail(body.email) : null;
    if (email && email !== user.email && (await userByEmail(sql, email))) fail(422, 'email_exists', 'A user with this email address has already been registered');
    await sql.begin(async (tx) => {
      if (body.app_metadata) await tx`update auth.users set raw_app_meta_data = ${merge(user.raw_app_meta_data, body.app_metadata)}::jsonb where id = ${user.id}`;
      if (body.user_metadata) await tx`update auth.users set raw_user_meta_data = ${merge(user.raw_user_meta_data, body.user_metadata)}::jsonb where id = ${user.id}`;
      if (hash) {
        await tx`update auth.users set encrypted_password = ${hash} where id = ${user.id}`;
        await logout(tx, user.id, null, 'global');
      }
      if (email && email !== user.email) {
        await tx`update auth.users set email = ${email} where id = ${user.id}`;
        await tx`update auth.identities set identity_data = identity_data || jsonb_build_object('email', ${email}::text) where user_id = ${user.id} and provider = 'email'`;
      }
      if (body.email_confirm === true) await confirm(tx, user);
      if (body.role) await tx`update auth.users set role = ${body.role} where id = ${user.id}`;
      if (body.ban_duration) {
        if (body.ban_duration === 'none') await tx`update auth.users set banned_until = null where id = ${user.id}`;
        else {
          const hours = /^(\d+)h$/.exec(body.ban_duration)?.[1];
          if (!hours) fail(400, 'validation_failed', `invalid format for ban duration: ${body.ban_duration}`);
          await tx`update auth.users set banned_until = now() + make_interval(hours => ${Number(hours)}) where id = ${user.id}`;
          await logout(tx, user.id, null, 'global');
        }
      }
      await tx`update auth.users set updated_at = now() where id = ${user.id}`;
    });
    return { status: 200, body: userJson(await loadUser(sql, user.id)) };
  }
  async function adminDeleteUser(req, userId, body) {
    await requireAdmin(req);
    const user = await adminUser(userId);
    if (body.should_soft_delete) fail(400, 'validation_failed', 'Soft deletion is not served by the local Auth API');
    try {
      await sql`delete from auth.users where id = ${user.id}`;
    } catch (error) {
      // GoTrue answers any database error here (a trigger refusing, say) with a 500.
      fail(500, 'unexpected_failure', 'Database error deleting user', { cause_detail: `${error.code ?? ''} ${error.message}`.trim() });
    }
    return { status: 200, body: userJson(user) };
  }
  async function adminListUsers(req, query) {
    await requireAdmin(req);
    const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
    const perPage = Math.min(Math.max(Number(query.get('per_page') ?? 50) || 50, 1), 1000);
    const [{ total }] = await sql`select count(*)::int as total from auth.users`;
    const ids = await sql`select id from auth.users order by created_at desc, id limit ${perPage} offset ${(page - 1) * perPage}`;
    const users = [];
    for (const { id } of ids) users.push(userJson(await loadUser(sql, id)));
    const lastPage = Math.max(Math.ceil(total / perPage), 1);
    const link = [page < lastPage ? `</admin/users?page=${page + 1}&per_page=${perPage}>; rel="next"` : null, `</admin/users?page=${lastPage}&per_page=${perPage}>; rel="last"`].filter(Boolean).join(', ');
    return { status: 200, body: { users, aud: 'authenticated' }, headers: { 'x-total-count': String(total), link } };
  }

  function settings() {
    return {
      status: 200,
      body: {
        external: { anonymous_users: false, email: config.emailEnabled, phone: false },
        disable_signup: !config.enableSignup,
        mailer_autoconfirm: config.autoconfirm,
        phone_autoconfirm: false,
        sms_provider: '',
        saml_enabled: false,
        passkeys_enabled: false,
      },
    };
  }

  // ---------------------------------------------------------------------------------------------------------------
  async function route(req, path, query, body) {
    const method = req.method;
    const key = `${method} ${path}`;
    const factor = /^\/factors\/([^/]+)(?:\/(challenge|verify))?$/.exec(path);
    const adminUserPath = /^\/admin\/users\/([^/]+)$/.exec(path);
    switch (key) {
      case 'GET /health': return { status: 200, body: { version: 'staybase-local', name: 'GoTrue', description: 'Staybase\'s local stand-in for Supabase Auth' } };
      case 'GET /settings': return settings();
      case 'POST /signup': return signup(req, body, query);
      case 'POST /token':
        if (query.get('grant_type') === 'password') return passwordGrant(req, body);
        if (query.get('grant_type') === 'refresh_token') return refreshGrant(req, body);
        fail(400, 'invalid_credentials', 'unsupported_grant_type');
        break;
      case 'GET /user': return getUser(req);
      case 'PUT /user': return updateUser(req, body, query);
      case 'POST /logout': return signOut(req, query);
      case 'POST /recover': return recover(req, body, query);
      case 'GET /reauthenticate': return reauthenticate(req);
      case 'POST /verify': return verifyPost(req, body);
      case 'GET /verify': return verifyGet(req, query);
      case 'POST /factors': return enrollFactor(req, body);
      case 'POST /admin/users': return adminCreateUser(req, body);
      case 'GET /admin/users': return adminListUsers(req, query);
      default:
    }
    if (factor && method === 'POST' && factor[2] === 'challenge') return challengeFactor(req, factor[1]);
    if (factor && method === 'POST' && factor[2] === 'verify') return verifyFactor(req, factor[1], body);
    if (factor && method === 'DELETE' && !factor[2]) return unenrollFactor(req, factor[1]);
    if (adminUserPath && method === 'GET') { await requireAdmin(req); return { status: 200, body: userJson(await adminUser(adminUserPath[1])) }; }
    if (adminUserPath && method === 'PUT') return adminUpdateUser(req, adminUserPath[1], body);
    if (adminUserPath && method === 'DELETE') return adminDeleteUser(req, adminUserPath[1], body);
    fail(404, 'not_found', `${method} ${path} is not served by the local Auth API (a stand-in for Supabase Auth: see README, Auth)`);
    return undefined;
  }

  function send(res, result, versioned) {
    const headers = { ...(versioned ? { 'x-supabase-api-version': API_VERSION } : {}), ...(result.headers ?? {}) };
    if (result.status === 204 || result.status === 303) {
      res.writeHead(result.status, headers);
      return res.end();
    }
    res.writeHead(result.status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(result.body));
  }

  return {
    /** Serves one request; `path` is what follows /auth/v1. */
    async handle(req, res, path, query) {
      const versioned = (req.headers['x-supabase-api-version'] ?? '') >= API_VERSION;
      try {
        if (path === '/.well-known/jwks.json' && req.method === 'GET') {
          return send(res, { status: 200, body: JWKS, headers: { 'cache-control': 'public, max-age=600' } }, versioned);
        }
        let body = {};
        if (!['GET', 'HEAD'].includes(req.method)) {
          const chunks = [];
          for await (const chunk of req) chunks.push(chunk);
          const text = Buffer.concat(chunks).toString('utf8');
          if (text) {
            try {
              body = JSON.parse(text);
            } catch (error) {
              fail(400, 'bad_json', `Could not parse request body as JSON: ${error.message}`);
            }
          }
        }
        send(res, await route(req, path, query, body ?? {}), versioned);
      } catch (error) {
        if (!(error instanceof AuthError)) {
          console.error('[auth]', error);
          error = new AuthError(500, 'unexpected_failure', 'Unexpected failure, please check server logs for more information');
        }
        const headers = { 'content-type': 'application/json', 'x-sb-error-code': error.code, ...(versioned ? { 'x-supabase-api-version': API_VERSION } : {}) };
        const payload = versioned
          ? { code: error.code, message: error.message, ...error.extra }
          : { code: error.status, error_code: error.code, msg: error.message, ...error.extra };
        res.writeHead(error.status, headers);
        res.end(JSON.stringify(payload));
      }
      return undefined;
    },
    /** A signed-in session for a user, as a password sign-in would make it (npm run token); aal2 adds a TOTP step. */
    async sessionFor(userId, { aal = 'aal1' } = {}) {
      return sql.begin(async (tx) => {
        const response = await issueSession(tx, userId, 'password', null);
        if (aal !== 'aal2') return response;
        const [session] = await tx`update auth.sessions set aal = 'aal2', updated_at = now()
                                   where id = (select session_id from auth.refresh_tokens where token = ${response.refresh_token}) returning *`;
        await tx`insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
                 values (gen_random_uuid(), ${session.id}, now(), now(), 'totp')`;
        return tokenResponse(tx, userId, session, response.refresh_token);
      });
    },
    stop: () => sql.end(),
  };
}
