// A local stand-in for Supabase Storage, served by the gateway under /storage/v1: the part of its HTTP API that
// supabase-js's storage client calls to upload, sign, download, list and remove objects, with Storage's request and
// response shapes (supabase/storage's routes under src/http/routes/object) and its error bodies
// ({ statusCode, error, message } with HTTP 400, as Storage renders them). It exists because the Storage server does
// not run here (no Docker); it is not Supabase Storage: no S3 protocol, resumable uploads, image transformations,
// buckets API, copy/move, versions or CDN. What makes it worth having is that it does what Storage does in the
// database: every request runs as the caller's role with the caller's JWT claims (`set local role` +
// `request.jwt.claims`, transaction-local), so the policies on storage.objects decide exactly as they do on a hosted
// project; the service role bypasses them. File bytes live in memory, or under `dir` when given.
//   POST   /object/<bucket>/<path>            upload (x-upsert), raw body or multipart form; insert policy
//   PUT    /object/<bucket>/<path>            update (replace); update policy
//   POST   /object/sign/<bucket>/<path>       { expiresIn } -> { signedURL }; select policy
//   POST   /object/sign/<bucket>              { expiresIn, paths } -> [{ error, path, signedURL }]; select policy
//   GET    /object/sign/<bucket>/<path>?token the file, for a valid unexpired token (no policy: the token is the grant)
//   GET    /object/public/<bucket>/<path>     the file, for a public bucket only (else 400 "Bucket not found")
//   GET    /object/authenticated/<bucket>/<path>, GET /object/<bucket>/<path>  download; select policy
//   POST   /object/list/<bucket>              { prefix, limit, offset, sortBy, search }: storage.search as the caller
//   DELETE /object/<bucket>                   { prefixes } -> the removed objects; select and delete policies
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { jwtVerify, SignJWT } from 'jose';
import { verifyJwt } from '../auth/server.mjs';
import { connect } from '../database.mjs';
import { JWT_SECRET } from '../keys.mjs';

const urlSigningKey = new TextEncoder().encode(JWT_SECRET);
const ROLES = new Set(['anon', 'authenticated', 'service_role']);
const MAX_DELETE = 1000;

class StorageError extends Error {
  constructor(statusCode, error, message, httpStatus = 400) {
    super(message);
    this.statusCode = String(statusCode);
    this.error = error;
    this.httpStatus = httpStatus;
  }
}
const notFound = () => new StorageError(404, 'not_found', 'Object not found');
const unauthorized = (message) => new StorageError(403, 'Unauthorized', message);

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function readJsonBody(req) {
  const raw = (await readBody(req)).toString('utf8');
  try {
    return raw ? JSON.parse(raw) : {};
  } catch {
    throw new StorageError(400, 'InvalidRequest', 'Body is not valid JSON');
  }
}

/** Bytes of files, keyed by "<bucket>/<name>": in memory, or as files under `dir`. */
function fileStore(dir) {
  const memory = new Map();
  const pathOf = (key) => join(dir, ...key.split('/').map((part) => encodeURIComponent(part)));
  return dir
    ? {
        put: (key, bytes) => { mkdirSync(dirname(pathOf(key)), { recursive: true }); writeFileSync(pathOf(key), bytes); },
        get: (key) => (existsSync(pathOf(key)) ? readFileSync(pathOf(key)) : null),
        remove: (key) => rmSync(pathOf(key), { force: true }),
      }
    : { put: (key, bytes) => memory.set(key, bytes), get: (key) => memory.get(key) ?? null, remove: (key) => memory.delete(key) };
}

/** The uploaded file: the raw body with its content type, or the file part of a multipart form. */
function parseUploadBody(req, body) {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.startsWith('multipart/form-data')) {
    return Promise.resolve({ bytes: body, mimetype: type || 'application/octet-stream', cacheControl: req.headers['cache-control'] });
  }
  // A browser's File (supabase-js sends a Blob as FormData: cacheControl, optional metadata, and the file under '').
  return new Request('http://storage.local/', { method: 'POST', headers: { 'content-type': type }, body }).formData().then(async (form) => {
    const file = [...form.values()].find((value) => typeof value === 'object');
    if (!file) throw new StorageError(400, 'InvalidRequest', 'The multipart form has no file');
    const cacheControl = form.get('cacheControl');
    return { bytes: Buffer.from(await file.arrayBuffer()), mimetype: file.type || 'application/octet-stream', cacheControl: cacheControl ? `max-age=${cacheControl}` : undefined };
  });
}

export function createStorageApi({ dbUrl, dir = null }) {
  const sql = connect(dbUrl, { max: 4 });
  const files = fileStore(dir);

  /** The caller's verified claims (the bearer token the gateway passes on). */
  async function callerClaims(req) {
    const token = String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    if (!token) throw unauthorized('headers must have required property \'authorization\'');
    let claims;
    try {
      claims = await verifyJwt(token);
    } catch (error) {
      throw new StorageError(400, 'InvalidJWT', error.message || 'Invalid JWT');
    }
    if (!ROLES.has(claims.role)) throw unauthorized(`role ${claims.role} is not allowed`);
    return claims;
  }

  /**
   * Runs `work` in one transaction as the caller's role with the caller's claims and the route's operation name
   * (`storage.operation`, which policies read through storage.operation()), as Storage does
   * (src/internal/database/postgres/scope.ts; names from src/http/routes/operations.ts).
   */
  async function asCaller(claims, operation, work) {
    return sql.begin(async (tx) => {
      await tx.unsafe(`set local role ${claims.role}`);
      await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true), set_config('request.jwt.claim.sub', ${claims.sub ?? ''}, true),
                      set_config('storage.operation', ${operation}, true)`;
      return work(tx);
    });
  }

  async function bucketRow(bucketId) {
    const [bucket] = await sql`select id, public, file_size_limit, allowed_mime_types from storage.buckets where id = ${bucketId}`;
    if (!bucket) throw new StorageError(404, 'Bucket not found', 'Bucket not found');
    return bucket;
  }

  function fileResponse(res, object, bytes) {
    const meta = object.metadata ?? {};
    res.writeHead(200, {
      'content-type': meta.mimetype ?? 'application/octet-stream',
      'content-length': bytes.length,
      'cache-control': meta.cacheControl ?? 'no-cache',
      etag: meta.eTag ?? '',
      'last-modified': new Date(object.updated_at ?? Date.now()).toUTCString(),
    });
    res.end(bytes);
  }

  async function upload(req, res, bucketId, name, method) {
    if (!name) throw new StorageError(400, 'InvalidKey', 'Invalid key: the object needs a name');
    const claims = await callerClaims(req);
    const bucket = await bucketRow(bucketId);
    const { bytes, mimetype, cacheControl } = await parseUploadBody(req, await readBody(req));
    if (bucket.file_size_limit && bytes.length > Number(bucket.file_size_limit)) {
      throw new StorageError(413, 'Payload too large', 'The object exceeded the maximum allowed size');
    }
    const baseType = mimetype.split(';')[0].trim();
    if (bucket.allowed_mime_types?.length && !bucket.allowed_mime_types.includes(baseType)) {
      throw new StorageError(415, 'invalid_mime_type', `mime type ${baseType} is not supported`);
    }
    const metadata = {
      eTag: `"${createHash('md5').update(bytes).digest('hex')}"`, size: bytes.length, mimetype: baseType,
      cacheControl: cacheControl ?? 'max-age=3600', lastModified: new Date().toISOString(), contentLength: bytes.length,
      httpStatusCode: 200,
    };
    const owner = claims.role === 'authenticated' ? claims.sub : null;
    const upsert = method === 'PUT' || String(req.headers['x-upsert']) === 'true';
    const id = randomUUID();
    await asCaller(claims, method === 'PUT' ? 'storage.object.upload_update' : 'storage.object.upload', async (tx) => {
      try {
        if (method === 'PUT') {
          const updated = await tx`
            update storage.objects set metadata = ${tx.json(metadata)}, owner = ${owner}, owner_id = ${owner}, updated_at = now(),
                   last_accessed_at = now(), version = ${id}
             where bucket_id = ${bucketId} and name = ${name} returning 1`;
          if (updated.length === 0) throw notFound();
        } else if (upsert) {
          await tx`
            insert into storage.objects (id, bucket_id, name, owner, owner_id, metadata, version)
            values (${id}, ${bucketId}, ${name}, ${owner}, ${owner}, ${tx.json(metadata)}, ${id})
            on conflict (bucket_id, name) do update
              set metadata = excluded.metadata, owner = excluded.owner, owner_id = excluded.owner_id,
                  version = excluded.version, updated_at = now()`;
        } else {
          await tx`
            insert into storage.objects (id, bucket_id, name, owner, owner_id, metadata, version)
            values (${id}, ${bucketId}, ${name}, ${owner}, ${owner}, ${tx.json(metadata)}, ${id})`;
        }
      } catch (error) {
        if (error.code === '42501') throw unauthorized('new row violates row-level security policy');
        if (error.code === '23505') throw new StorageError(409, 'Duplicate', 'The resource already exists');
        throw error;
      }
      files.put(`${bucketId}/${name}`, bytes);
    });
    send(res, 200, { Id: id, Key: `${bucketId}/${name}` });
  }

  async function signedUrl(bucketId, name, expiresIn) {
    const token = await new SignJWT({ url: `${bucketId}/${name}` })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
      .sign(urlSigningKey);
    return `/object/sign/${bucketId}/${encodeURI(name)}?token=${token}`;
  }

  function expiry(body) {
    const expiresIn = Number(body.expiresIn);
    if (!Number.isInteger(expiresIn) || expiresIn < 1) throw new StorageError(400, 'InvalidRequest', 'expiresIn must be a positive integer');
    return expiresIn;
  }

  async function signOne(req, res, bucketId, name) {
    const claims = await callerClaims(req);
    const expiresIn = expiry(await readJsonBody(req));
    const found = await asCaller(claims, 'storage.object.sign', (tx) => tx`select name from storage.objects where bucket_id = ${bucketId} and name = ${name}`);
    if (found.length === 0) throw notFound();
    send(res, 200, { signedURL: await signedUrl(bucketId, name, expiresIn) });
  }

  async function signMany(req, res, bucketId) {
    const claims = await callerClaims(req);
    const body = await readJsonBody(req);
    const expiresIn = expiry(body);
    if (!Array.isArray(body.paths) || body.paths.some((path) => typeof path !== 'string')) {
      throw new StorageError(400, 'InvalidRequest', 'paths must be an array of strings');
    }
    const visible = new Set((await asCaller(claims, 'storage.object.sign_many', (tx) =>
      tx`select name from storage.objects where bucket_id = ${bucketId} and name = any (${body.paths}::text[])`)).map((row) => row.name));
    send(res, 200, await Promise.all(body.paths.map(async (path) => (visible.has(path)
      ? { error: null, path, signedURL: await signedUrl(bucketId, path, expiresIn) }
      : { error: 'Either the object does not exist or you do not have access to it', path, signedURL: null }))));
  }

  async function serveSigned(res, bucketId, name, token) {
    if (!token) throw new StorageError(400, 'InvalidSignature', 'Missing token');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, urlSigningKey, { algorithms: ['HS256'] }));
    } catch (error) {
      throw new StorageError(400, 'InvalidJWT', error.code === 'ERR_JWT_EXPIRED' ? 'jwt expired' : 'invalid signature');
    }
    if (payload.url !== `${bucketId}/${name}`) throw new StorageError(400, 'InvalidSignature', 'The url do not match the signature');
    const [object] = await sql`select name, metadata, updated_at from storage.objects where bucket_id = ${bucketId} and name = ${name}`;
    const bytes = object && files.get(`${bucketId}/${name}`);
    if (!bytes) throw notFound();
    fileResponse(res, object, bytes);
  }

  async function servePublic(res, bucketId, name) {
    const [bucket] = await sql`select public from storage.buckets where id = ${bucketId}`;
    if (!bucket?.public) throw new StorageError(404, 'Bucket not found', 'Bucket not found');
    const [object] = await sql`select name, metadata, updated_at from storage.objects where bucket_id = ${bucketId} and name = ${name}`;
    const bytes = object && files.get(`${bucketId}/${name}`);
    if (!bytes) throw notFound();
    fileResponse(res, object, bytes);
  }

  async function download(req, res, bucketId, name) {
    const claims = await callerClaims(req);
    const [object] = await asCaller(claims, 'storage.object.get_authenticated', (tx) =>
      tx`select name, metadata, updated_at from storage.objects where bucket_id = ${bucketId} and name = ${name}`);
    const bytes = object && files.get(`${bucketId}/${name}`);
    if (!bytes) throw notFound();
    fileResponse(res, object, bytes);
  }

  // Storage's list: storage.search with the parameters supabase/storage passes (src/storage/database/pg.ts).
  async function list(req, res, bucketId) {
    const claims = await callerClaims(req);
    const body = await readJsonBody(req);
    if (typeof body.prefix !== 'string') throw new StorageError(400, 'InvalidRequest', 'body must have required property \'prefix\'');
    const search = typeof body.search === 'string' ? body.search : '';
    const column = body.sortBy?.column ?? 'name';
    const escape = (text) => (column === 'name' ? text : text.replace(/[\\%_]/g, (c) => `\\${c}`));
    // Storage takes the prefix as a folder (src/storage/object.ts searchObjects).
    const prefix = escape(body.prefix.length > 0 && !body.prefix.endsWith('/') ? `${body.prefix}/` : body.prefix);
    const rows = await asCaller(claims, 'storage.object.list', (tx) => tx`
      select * from storage.search(${prefix}, ${bucketId}, ${body.limit || 100}, ${(prefix + escape(search)).split('/').length},
                                   ${body.offset || 0}, ${escape(search)}, ${column}, ${body.sortBy?.order ?? 'asc'})`);
    send(res, 200, rows);
  }

  async function remove(req, res, bucketId) {
    const claims = await callerClaims(req);
    const body = await readJsonBody(req);
    if (!Array.isArray(body.prefixes) || body.prefixes.some((prefix) => typeof prefix !== 'string')) {
      throw new StorageError(400, 'InvalidRequest', 'body must have required property \'prefixes\'');
    }
    if (body.prefixes.length > MAX_DELETE) throw new StorageError(400, 'InvalidRequest', `at most ${MAX_DELETE} objects per request`);
    const removed = await asCaller(claims, 'storage.object.delete_many', async (tx) => {
      await tx`select set_config('storage.allow_delete_query', 'true', true)`;
      const rows = await tx`
        delete from storage.objects where bucket_id = ${bucketId} and name = any (${body.prefixes}::text[])
        returning bucket_id, name, id, owner, owner_id, version, created_at, updated_at, last_accessed_at, metadata, user_metadata`;
      for (const row of rows) files.remove(`${row.bucket_id}/${row.name}`);
      return rows;
    });
    send(res, 200, removed);
  }

  /** Handles a request under /storage/v1 (`path` is what follows it). */
  async function handle(req, res, path, searchParams) {
    try {
      const parts = path.split('/').filter(Boolean).map((part) => decodeURIComponent(part));
      if (parts[0] !== 'object') throw new StorageError(404, 'not_found', `Route ${req.method}:/storage/v1${path} not found`);
      const [, first, second, ...rest] = parts;
      const method = req.method ?? 'GET';
      if (first === 'sign' && method === 'POST') return rest.length ? await signOne(req, res, second, rest.join('/')) : await signMany(req, res, second);
      if (first === 'sign' && method === 'GET') return await serveSigned(res, second, rest.join('/'), searchParams.get('token'));
      if (first === 'public' && method === 'GET') return await servePublic(res, second, rest.join('/'));
      if (first === 'list' && method === 'POST') return await list(req, res, second);
      if (first === 'authenticated' && method === 'GET') return await download(req, res, second, rest.join('/'));
      if (first && method === 'DELETE' && second === undefined) return await remove(req, res, first);
      const name = [second, ...rest].filter((part) => part !== undefined).join('/');
      if (first && (method === 'POST' || method === 'PUT')) return await upload(req, res, first, name, method);
      if (first && method === 'GET') return await download(req, res, first, name);
      throw new StorageError(404, 'not_found', `Route ${method}:/storage/v1${path} not found`);
    } catch (error) {
      if (error instanceof StorageError) return send(res, error.httpStatus, { statusCode: error.statusCode, error: error.error, message: error.message });
      console.error('[storage]', error);
      return send(res, 500, { statusCode: '500', error: 'internal', message: 'Internal Server Error' });
    }
  }

  return { handle, stop: () => sql.end() };
}
