// The API gateway on :54321, with the paths of a Supabase project: /rest/v1/* goes to PostgREST and
// /functions/v1/<name> to the edge functions. Like Supabase's gateway it requires a valid API key on /rest/v1,
// passes the key on as the bearer token when the request has none, and checks the JWT of a function call unless
// that function has `verify_jwt = false` in supabase/config.toml. With `readRestUrl` (a PostgREST on a read replica)
// it sends GET and HEAD /rest/v1 there and everything else to the primary, as Supabase's API load balancer does with
// read replicas; the `x-staybase-upstream` response header says which served the request.
import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { parse } from 'smol-toml';
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
  'access-control-allow-headers': 'authorization, x-client-info, apikey, content-type, prefer, range, accept-profile, content-profile, x-upsert',
  'access-control-allow-methods': 'GET, POST, PATCH, PUT, DELETE, OPTIONS',
};

export async function startGateway({ port, jwtSecret, restUrl, readRestUrl, functionsUrl }) {
  const secret = new TextEncoder().encode(jwtSecret);
  const openFunctions = functionsWithoutJwtCheck();
  const rest = new URL(restUrl);
  const readRest = readRestUrl ? new URL(readRestUrl) : null;
  const functions = new URL(functionsUrl);
  const validJwt = async (token) => {
    try {
      await jwtVerify(token, secret, { algorithms: ['HS256'] });
      return true;
    } catch {
      return false;
    }
  };

  const server = createServer(async (req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(200, corsHeaders);
      return res.end('ok');
    }
    const url = new URL(req.url ?? '/', 'http://gateway');
    const headers = { ...req.headers };
    delete headers.host;
    const apikey = req.headers.apikey;
    const bearer = req.headers.authorization?.replace(/^Bearer\s+/i, '');

    if (url.pathname === '/rest/v1' || url.pathname.startsWith('/rest/v1/')) {
      if (!apikey) return reply(res, 401, { message: 'No API key found in request', hint: 'No `apikey` request header or url param was found.' });
      if (!(await validJwt(String(apikey)))) return reply(res, 401, { message: 'Invalid API key' });
      if (!bearer) headers.authorization = `Bearer ${apikey}`;
      const toReplica = readRest && (req.method === 'GET' || req.method === 'HEAD');
      return proxy(req, res, toReplica ? readRest : rest, url.pathname.slice('/rest/v1'.length) + url.search || '/', headers,
        readRest ? { 'x-staybase-upstream': toReplica ? 'replica' : 'primary' } : {});
    }

    if (url.pathname === '/functions/v1' || url.pathname.startsWith('/functions/v1/')) {
      const name = url.pathname.split('/')[3] ?? '';
      if (!name) return reply(res, 404, { message: 'name the function: /functions/v1/<name>' });
      if (!openFunctions.has(name) && !(bearer && (await validJwt(bearer)))) {
        return reply(res, 401, { code: 401, message: 'Invalid JWT' });
      }
      return proxy(req, res, functions, url.pathname.slice('/functions/v1'.length) + url.search, headers);
    }

    reply(res, 404, { message: 'no route: use /rest/v1 or /functions/v1' });
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
