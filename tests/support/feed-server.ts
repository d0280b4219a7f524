// A local web server that plays other platforms for the calendar tests: each path serves what the test set last
// (a fixture with dates filled in, an error status, a slow or endless body, a redirect), so one test can change a
// feed between two syncs. Served on 127.0.0.1, which the functions may fetch because the test run sets
// CALENDAR_ALLOW_PRIVATE_URLS=true.
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FeedResponse = {
  status?: number;
  contentType?: string | null;
  body?: string | Uint8Array;
  /** Chunks written one after another until the client goes away or the generator ends (no content-length). */
  stream?: () => Generator<string>;
  /** Wait this long before answering. */
  delayMs?: number;
  headers?: Record<string, string>;
};

/** An ISO date `days` from today (UTC), as YYYYMMDD when `compact`. */
export function dayFromToday(days: number, compact = false): string {
  const iso = new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  return compact ? iso.replaceAll('-', '') : iso;
}

/** A fixture from tests/fixtures/calendars with each {{+N}} / {{-N}} replaced by the date N days from today (UTC). */
export function fixture(name: string): string {
  const text = readFileSync(new URL(`../fixtures/calendars/${name}`, import.meta.url), 'utf8');
  return text.replace(/\{\{([+-]\d+)\}\}/g, (_, days: string) => dayFromToday(Number(days), true));
}

export async function startFeedServer() {
  const routes = new Map<string, FeedResponse>();
  const hits = new Map<string, number>();
  const server = createServer((req, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://feeds').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(path);
    const answer = () => {
      if (!route) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('no such feed');
        return;
      }
      const headers: Record<string, string> = { ...route.headers };
      if (route.contentType !== null) headers['content-type'] = route.contentType ?? 'text/calendar; charset=utf-8';
      if (route.stream) {
        res.writeHead(route.status ?? 200, headers);
        const chunks = route.stream();
        const pump = () => {
          for (;;) {
            if (res.destroyed) return;
            const next = chunks.next();
            if (next.done) return void res.end();
            if (!res.write(next.value)) return void res.once('drain', pump);
          }
        };
        res.on('error', () => {});
        pump();
        return;
      }
      const body = route.body ?? '';
      res.writeHead(route.status ?? 200, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    };
    if (route?.delayMs) setTimeout(answer, route.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    /** Serves `response` at `path` from now on; returns the feed's URL. */
    serve(path: string, response: FeedResponse): string {
      routes.set(path, response);
      return `${base}${path}`;
    },
    url: (path: string) => `${base}${path}`,
    hits: (path: string) => hits.get(path) ?? 0,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
