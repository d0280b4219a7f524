// Fetching another platform's feed without letting a feed URL reach what it should not: http and https only, no
// credentials in the URL, every address the host name resolves to public (no loopback, private, link-local,
// shared, multicast or reserved address: a host could otherwise point the sync at the database or the cloud's
// metadata service), redirects followed by hand (at most 3) and checked the same way, a deadline for the whole
// exchange, a size limit enforced while reading, and a content type that can be a calendar. Every refusal is a
// FeedError whose message the host reads in external_calendars.last_error.
//
// CALENDAR_ALLOW_PRIVATE_URLS=true lifts the address check (local development and the tests serve feeds from
// 127.0.0.1). The check resolves names before fetching; a name that resolves differently a moment later (DNS
// rebinding) is not covered, so a deployment should also deny the functions' egress to private networks, as
// Supabase's hosted edge functions do.

export class FeedError extends Error {
  override name = 'FeedError';
}

export type FetchOptions = {
  allowPrivate?: boolean;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
};

export const FETCH_DEFAULTS = { timeoutMs: 10_000, maxBytes: 1_048_576, maxRedirects: 3 };

/** The fetch settings from the environment (CALENDAR_ALLOW_PRIVATE_URLS, CALENDAR_FETCH_TIMEOUT_MS, CALENDAR_MAX_FEED_BYTES). */
export function fetchOptionsFromEnv(): Required<FetchOptions> {
  const positive = (name: string, fallback: number) => {
    const value = Number(Deno.env.get(name));
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    allowPrivate: Deno.env.get('CALENDAR_ALLOW_PRIVATE_URLS') === 'true',
    timeoutMs: positive('CALENDAR_FETCH_TIMEOUT_MS', FETCH_DEFAULTS.timeoutMs),
    maxBytes: positive('CALENDAR_MAX_FEED_BYTES', FETCH_DEFAULTS.maxBytes),
    maxRedirects: FETCH_DEFAULTS.maxRedirects,
  };
}

// Content types a calendar is served with in practice. Others (text/html: a login or error page; JSON; images)
// are refused before the body is read.
const CALENDAR_TYPES = new Set([
  'text/calendar', 'application/ics', 'text/x-vcalendar', 'application/x-ical', 'text/plain', 'application/octet-stream',
  'application/force-download', 'application/x-download', 'binary/octet-stream',
]);

// IPv4 ranges that are not the public Internet (RFC 6890 special-purpose registry).
const BLOCKED_V4: Array<[string, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
];

function v4ToNumber(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function v4IsPublic(address: string): boolean {
  const n = v4ToNumber(address);
  if (n === null) return false;
  return !BLOCKED_V4.some(([base, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(v4ToNumber(base)! / 2 ** (32 - bits)));
}

/** The eight 16-bit groups of an IPv6 address (embedded IPv4 tail allowed), or null. */
function v6Groups(address: string): number[] | null {
  let text = address.toLowerCase().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail) {
    const n = v4ToNumber(v4Tail[1]!);
    if (n === null) return null;
    text = text.slice(0, -v4Tail[1]!.length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.some(Number.isNaN) ? null : groups;
}

function v6IsPublic(address: string): boolean {
  const g = v6Groups(address);
  if (!g) return false;
  const embeddedV4 = () => `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return v4IsPublic(embeddedV4()); // ::ffff:a.b.c.d
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4IsPublic(embeddedV4()); // NAT64
  if (g.slice(0, 6).every((x) => x === 0)) return false; // ::, ::1, IPv4-compatible
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return false; // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80) return false; // fe80::/10 link-local
  if ((first & 0xffc0) === 0xfec0) return false; // fec0::/10 site-local (deprecated)
  if ((first & 0xff00) === 0xff00) return false; // multicast
  if (first === 0x2001 && g[1] === 0x0db8) return false; // documentation
  if (first === 0x0100 && g.slice(1, 4).every((x) => x === 0)) return false; // discard-only
  if (first === 0x2002) return v4IsPublic(`${g[1]! >> 8}.${g[1]! & 255}.${g[2]! >> 8}.${g[2]! & 255}`); // 6to4
  return true;
}

/** True when an IP address (v4, or v6 with or without brackets) is on the public Internet. */
export function isPublicAddress(address: string): boolean {
  return address.includes(':') || address.startsWith('[') ? v6IsPublic(address) : v4IsPublic(address);
}

async function resolve(hostname: string): Promise<string[]> {
  const found: string[] = [];
  for (const type of ['A', 'AAAA'] as const) {
    try {
      found.push(...(await Deno.resolveDns(hostname, type)));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return found;
}

/** Refuses a URL the sync must not fetch (see the header); returns it parsed. */
export async function checkFeedUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FeedError('the feed URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FeedError(`only http and https feeds are fetched, not ${url.protocol}`);
  if (url.username || url.password) throw new FeedError('a feed URL with a user name or password is not fetched');
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const isLiteral = v4ToNumber(host) !== null || host.includes(':');
  if (isLiteral) {
    if (!isPublicAddress(host)) throw new FeedError(`the feed's address ${host} is not public`);
    return url;
  }
  if (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) {
    throw new FeedError(`the feed's host ${host} is not a public name`);
  }
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    throw new FeedError(`the feed's host ${host} could not be resolved (${error instanceof Error ? error.name : 'error'})`);
  }
  if (addresses.length === 0) throw new FeedError(`the feed's host ${host} does not resolve`);
  const hidden = addresses.find((address) => !isPublicAddress(address));
  if (hidden) throw new FeedError(`the feed's host ${host} resolves to ${hidden}, which is not public`);
  return url;
}

async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new FeedError(`the feed is larger than ${maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw new FeedError(`the feed is larger than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Fetches a feed's text, or throws a FeedError saying why not. */
export async function fetchFeed(rawUrl: string, options: FetchOptions = {}): Promise<string> {
  const { allowPrivate = false, timeoutMs, maxBytes, maxRedirects } = { ...FETCH_DEFAULTS, ...options };
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    let url = await checkFeedUrl(rawUrl, allowPrivate);
    for (let hop = 0; ; hop++) {
      const response = await fetch(url, {
        redirect: 'manual',
        signal,
        headers: { accept: 'text/calendar, text/plain;q=0.5, */*;q=0.1', 'user-agent': 'Staybase-CalendarSync/1.0' },
      });
      if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
        await response.body?.cancel();
        if (hop >= maxRedirects) throw new FeedError(`the feed redirects more than ${maxRedirects} times`);
        url = await checkFeedUrl(new URL(response.headers.get('location')!, url).href, allowPrivate);
        continue;
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new FeedError(`the feed answered HTTP ${response.status}`);
      }
      const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type && !CALENDAR_TYPES.has(type)) {
        await response.body?.cancel();
        throw new FeedError(`the feed is served as ${type.slice(0, 100)}, not as a calendar`);
      }
      const body = await readLimited(response, maxBytes);
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(body);
      } catch {
        throw new FeedError('the feed is not UTF-8 text');
      }
    }
  } catch (error) {
    if (error instanceof FeedError) throw error;
    if (signal.aborted) throw new FeedError(`the feed did not answer within ${timeoutMs / 1000} s`);
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new FeedError(`the feed could not be fetched (${reason.slice(0, 300)})`);
  }
}
