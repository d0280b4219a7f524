// The API gateway on :54321, with the paths of a Supabase project: /rest/v1/* goes to PostgREST, /auth/v1/* to
// the local Auth API (scripts/lib/auth, a stand-in for Supabase Auth), /storage/v1/* to the local Storage API
// (scripts/lib/storage, a stand-in for Supabase Storage) and /functions/v1/<name> to the edge functions; /inbox
// shows the e-mails the Auth API would have sent. Storage checks its callers itself, as on Supabase (signed and
// public file URLs carry no key); the gateway only turns an API key into the bearer token it stands for. Like Supabase's gateway it requires a valid API
// key on /rest/v1 and /auth/v1 (except the open /auth/v1/verify links and the JWKS): a publishable or secret key
// (sb_publishable_..., sb_secret_...) or a legacy anon / service_role JWT. Without a user's token it passes a JWT
// for the key's role on as the bearer token (for a publishable or secret key, one signed with the signing key, as
// `supabase start`'s gateway does). Function calls pass through as they came, so each function verifies its
// caller itself; a function that keeps `verify_jwt = true` in supabase/config.toml also gets the platform's check.
// With `readRestUrl` (a PostgREST on a read replica) it sends GET and HEAD /rest/v1 there and everything else to the
// primary, as Supabase's API load balancer does with read replicas; the `x-staybase-upstream` response header says
// which served the request.
//
// It stays out of the way of throughput: connections to PostgREST and the functions are kept alive and pooled (an
// http.Agent per upstream), bodies stream through both ways, and verified API-key JWTs are remembered until they
// expire (a bounded cache keyed by the token). It refuses what no client of a Supabase project can send before
// anything reads it: on /rest/v1 a URL over 8 KiB or a body over 256 KiB is answered 400 with PostgREST's error
// shape, code 22023 and hint request_too_large. Supabase's hosted gateway (NGINX-based) refuses request lines over
// 8 KiB too (and PostgREST echoes the URL in Content-Location, whose length clients limit: Node's to 16 KiB of
// headers); PostgREST has no limit of its own and decodes whatever it is sent, so a 200,000-element filter array
// would cost it and PostgreSQL 100-200 ms before any SQL could refuse it. Request lines and headers past Node's
// 32 KiB parser limit get the same answer on every path.
import { readFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { pipeline } from 'node:stream';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { verifyJwt } from './auth/server.mjs';
import { root } from './database.mjs';

function functionsWithoutJwtCheck() {
  const config = parse(readFileSync(join(root, 'supabase', 'config.toml'), 'utf8'));
  return new Set(Object.entries(config.functions ?? {}).filter(([, f]) => f.verify_jwt === false).map(([name]) => name));
}

function reply(res, status, body) {
  if (res.headersSent) return res.destroy();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Limits of what /rest/v1 accepts (bytes): far above any request a frontend sends, far below a costly one. */
export const REST_LIMITS = Object.freeze({ urlBytes: 8 * 1024, bodyBytes: 256 * 1024 });
// The parser's limit for a request line and its headers on every path (Node's default is 16 KiB).
const MAX_HEADER_BYTES = 32 * 1024;
const UPSTREAM_MAX_HEADER_BYTES = 64 * 1024;

/** A refusal as PostgREST shapes one: the status of 22023 in functions/_shared/error-statuses.ts (400). */
export function tooLarge(details) {
  return {
    code: '22023',
    message: 'The request is too large for the Data API',
    details,
    hint: 'request_too_large',
  };
}
const tooLargeStatus = 400;

// Hop-by-hop headers are the gateway's own business on each side, never passed on.
const hopByHop = ['connection', 'keep-alive', 'proxy-connection', 'upgrade'];

function proxy(req, res, target, path, headers, { agent, responseHeaders = {}, maxBodyBytes = Infinity } = {}) {
  for (const name of hopByHop) delete headers[name];
  let answered = false;
  const upstream = request(
    // PostgREST echoes the URL in Content-Location: its answer's headers can be as long as the longest URL accepted.
    { host: target.hostname, port: target.port, method: req.method, path, headers, agent, maxHeaderSize: UPSTREAM_MAX_HEADER_BYTES },
    (upstreamRes) => {
      answered = true;
      const out = { ...upstreamRes.headers, ...responseHeaders };
      for (const name of hopByHop) delete out[name];
      res.writeHead(upstreamRes.statusCode ?? 502, out);
      pipeline(upstreamRes, res, () => {});
    },
  );
  upstream.on('error', (error) => {
    if (!answered) reply(res, 502, { message: `upstream unavailable: ${error.message}` });
  });
  // A client that goes away takes its upstream request with it.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  if (maxBodyBytes !== Infinity) {
    // A body without a declared length is counted as it streams; past the limit the upstream request is dropped
    // and the rest of the body is read and discarded, so the client reads the refusal.
    let received = 0;
    req.on('data', (chunk) => {
      if (answered) return;
      received += chunk.length;
      if (received <= maxBodyBytes) return;
      answered = true;
      req.unpipe(upstream);
      upstream.destroy();
      req.resume();
      reply(res, tooLargeStatus, tooLarge(`The body is over ${maxBodyBytes} bytes, the limit of /rest/v1.`));
    });
  }
  req.pipe(upstream);
}

/** A small cache of verified tokens: at most `size` entries, each forgotten when its token expires. */
function tokenCache(size) {
  const entries = new Map();
  return {
    get(token) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      entries.delete(token);
      if (entry.expiresAt <= Date.now()) return undefined;
      entries.set(token, entry); // most recently used last
      return entry.claims;
    },
    set(token, claims) {
      if (typeof claims.exp !== 'number') return;
      entries.delete(token);
      if (entries.size >= size) entries.delete(entries.keys().next().value);
      entries.set(token, { claims, expiresAt: claims.exp * 1000 });
    },
  };
}

const corsHeaders = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, x-client-info, apikey, content-type, prefer, range, accept-profile, content-profile, x-upsert, x-supabase-api-version',
  'access-control-allow-methods': 'GET, POST, PATCH, PUT, DELETE, OPTIONS',
};

export async function startGateway({ port, keys, restUrl, readRestUrl, functionsUrl, auth, inbox, storage }) {
  const openFunctions = functionsWithoutJwtCheck();
  const rest = new URL(restUrl);
  const readRest = readRestUrl ? new URL(readRestUrl) : null;
  const functions = new URL(functionsUrl);
  // Pooled connections to each upstream (PostgREST, its replica, the functions), kept open between requests; an idle
  // one is closed after 15 s, before the upstream's own idle timeout (PostgREST's is 30 s) could close it under a
  // request that is reusing it.
  const agents = new Map([rest, readRest, functions].filter(Boolean)
    .map((target) => [target.host, new Agent({ keepAlive: true, maxFreeSockets: 64, timeout: 15_000 })]));
  const verified = tokenCache(10_000);
  const validJwt = async (token) => {
    const known = verified.get(token);
    if (known) return known;
    try {
      const claims = await verifyJwt(token);
      verified.set(token, claims);
      return claims;
    } catch {
      return null;
    }
  };
  const validApiKey = async (key) => key === keys.publishableKey || key === keys.secretKey || Boolean(await validJwt(key));
  // The bearer token passed on: the caller's own unless it is an API key; else a JWT for the API key's role.
  const bearerFor = (authorization, apikey) => {
    if (authorization && !/^Bearer\s+sb_/i.test(authorization)) return authorization;
    if (apikey === keys.secretKey) return `Bearer ${keys.serviceRoleJwt}`;
    if (apikey === keys.publishableKey) return `Bearer ${keys.anonJwt}`;
    return apikey ? `Bearer ${apikey}` : undefined;
  };
  const openAuthPaths = new Set(['/verify', '/callback', '/authorize', '/.well-known/jwks.json', '/health']);
  const isRest = (pathname) => pathname === '/rest/v1' || pathname.startsWith('/rest/v1/');

  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, async (req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(200, corsHeaders);
      return res.end('ok');
    }
    const rawUrl = req.url ?? '/';
    // Measured before anything parses it: a URL can carry a filter of any size to PostgREST.
    if (rawUrl.length > REST_LIMITS.urlBytes && isRest(rawUrl.split('?', 1)[0])) {
      return reply(res, tooLargeStatus, tooLarge(`The URL is ${rawUrl.length} bytes, over ${REST_LIMITS.urlBytes}, the limit of /rest/v1: send large inputs in a POST body.`));
    }
    const url = new URL(rawUrl, 'http://gateway');
    const headers = { ...req.headers };
    delete headers.host;
    const apikey = req.headers.apikey ? String(req.headers.apikey) : url.searchParams.get('apikey') ?? undefined;
    const bearer = req.headers.authorization?.replace(/^Bearer\s+/i, '');

    if (isRest(url.pathname)) {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > REST_LIMITS.bodyBytes) {
        req.resume(); // read and discarded, never passed on
        return reply(res, tooLargeStatus, tooLarge(`The body is ${declared} bytes, over ${REST_LIMITS.bodyBytes}, the limit of /rest/v1.`));
      }
      if (!apikey) return reply(res, 401, { message: 'No API key found in request', hint: 'No `apikey` request header or url param was found.' });
      if (!(await validApiKey(apikey))) return reply(res, 401, { message: 'Invalid API key' });
      headers.authorization = bearerFor(req.headers.authorization, apikey);
      const toReplica = readRest && (req.method === 'GET' || req.method === 'HEAD');
      const target = toReplica ? readRest : rest;
      return proxy(req, res, target, url.pathname.slice('/rest/v1'.length) + url.search || '/', headers, {
        agent: agents.get(target.host),
        responseHeaders: readRest ? { 'x-staybase-upstream': toReplica ? 'replica' : 'primary' } : {},
        maxBodyBytes: REST_LIMITS.bodyBytes,
      });
    }

    if (url.pathname.startsWith('/auth/v1/')) {
      const path = url.pathname.slice('/auth/v1'.length);
      if (!openAuthPaths.has(path)) {
        if (!apikey) return reply(res, 401, { message: 'No API key found in request', hint: 'No `apikey` request header or url param was found.' });
        if (!(await validApiKey(apikey))) return reply(res, 401, { message: 'Invalid API key' });
      }
      const authorization = bearerFor(req.headers.authorization, apikey);
      if (authorization) req.headers.authorization = authorization;
      else delete req.headers.authorization;
      return auth.handle(req, res, path, url.searchParams);
    }

    if (storage && url.pathname.startsWith('/storage/v1/')) {
      const authorization = bearerFor(req.headers.authorization, apikey);
      if (authorization) req.headers.authorization = authorization;
      else delete req.headers.authorization;
      return storage.handle(req, res, url.pathname.slice('/storage/v1'.length), url.searchParams);
    }

    if (url.pathname === '/functions/v1' || url.pathname.startsWith('/functions/v1/')) {
      const name = url.pathname.split('/')[3] ?? '';
      if (!name) return reply(res, 404, { message: 'name the function: /functions/v1/<name>' });
      if (!openFunctions.has(name) && !(bearer && (await validJwt(bearer)))) {
        return reply(res, 401, { code: 401, message: 'Invalid JWT' });
      }
      return proxy(req, res, functions, url.pathname.slice('/functions/v1'.length) + url.search, headers, { agent: agents.get(functions.host) });
    }

    if (url.pathname === '/inbox/emails' && req.method === 'POST') return inbox.receive(req, res);
    if (url.pathname === '/inbox' || url.pathname === '/inbox/messages') return inbox.serve(req, res, url);

    reply(res, 404, { message: 'no route: use /rest/v1, /auth/v1, /storage/v1, /functions/v1 or /inbox' });
  });
  // A request line or headers past the parser's limit: the same refusal, written on the socket (no request exists).
  server.on('clientError', (error, socket) => {
    // The parser reports every further chunk of the same oversized request again: the answer is on its way and the
    // lingering close below reads the rest, so a repeat is no reason to reset the connection.
    if (socket.writableEnded) return;
    if (error.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    if (error.code !== 'HPE_HEADER_OVERFLOW') return socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    const body = JSON.stringify(tooLarge(`The request line and headers are over ${MAX_HEADER_BYTES} bytes.`));
    socket.end(`HTTP/1.1 ${tooLargeStatus} Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    // A lingering close, as nginx does: read and discard what the client is still sending, for a few seconds at
    // most. Closing with unread bytes makes the kernel reset the connection, and a client still writing its
    // oversized request line would get ECONNRESET instead of this answer.
    socket.on('data', () => {});
    socket.resume();
    socket.setTimeout(5_000, () => socket.destroy());
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((resolve) => {
      for (const agent of agents.values()) agent.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
