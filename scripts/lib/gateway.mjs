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
import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { verifyJwt } from './auth/server.mjs';
import { root } from './database.mjs';

function functionsWithoutJwtCheck() {
  const config = parse(readFileSync(join(root, 'supabase', 'config.toml'), 'utf8'));
  return new Set(Object.entries(config.functions ?? {}).filter(([, f]) => f.verify_jwt === false).map(([name]) => name));
}

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function proxy(req, res, target, path, headers, responseHeaders = {}) {
  const upstream = request(
    { host: target.hostname, port: target.port, method: req.method, path, headers },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, { ...upstreamRes.headers, ...responseHeaders });
      upstreamRes.pipe(res);
    },
  );
  upstream.on('error', (error) => reply(res, 502, { message: `upstream unavailable: ${error.message}` }));
  req.pipe(upstream);
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
  const validJwt = async (token) => {
    try {
      return await verifyJwt(token);
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

  const server = createServer(async (req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(200, corsHeaders);
      return res.end('ok');
    }
    const url = new URL(req.url ?? '/', 'http://gateway');
    const headers = { ...req.headers };
    delete headers.host;
    const apikey = req.headers.apikey ? String(req.headers.apikey) : url.searchParams.get('apikey') ?? undefined;
    const bearer = req.headers.authorization?.replace(/^Bearer\s+/i, '');

    if (url.pathname === '/rest/v1' || url.pathname.startsWith('/rest/v1/')) {
      if (!apikey) return reply(res, 401, { message: 'No API key found in request', hint: 'No `apikey` request header or url param was found.' });
      if (!(await validApiKey(apikey))) return reply(res, 401, { message: 'Invalid API key' });
      headers.authorization = bearerFor(req.headers.authorization, apikey);
      const toReplica = readRest && (req.method === 'GET' || req.method === 'HEAD');
      return proxy(req, res, toReplica ? readRest : rest, url.pathname.slice('/rest/v1'.length) + url.search || '/', headers,
        readRest ? { 'x-staybase-upstream': toReplica ? 'replica' : 'primary' } : {});
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
      return proxy(req, res, functions, url.pathname.slice('/functions/v1'.length) + url.search, headers);
    }

    if (url.pathname === '/inbox/emails' && req.method === 'POST') return inbox.receive(req, res);
    if (url.pathname === '/inbox' || url.pathname === '/inbox/messages') return inbox.serve(req, res, url);

    reply(res, 404, { message: 'no route: use /rest/v1, /auth/v1, /storage/v1, /functions/v1 or /inbox' });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
