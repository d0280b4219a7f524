// The embedded database serves many clients at once: concurrent extended-protocol queries from several
// connections (postgres.js, PostgREST and the edge functions all send them) each get their own answer.
// Without keepExtendedQueriesWhole() in scripts/lib/embedded-db.mjs this fails with `portal "" does not exist`.
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmbeddedDatabase } from '../../scripts/lib/embedded-db.mjs';
import { freePort } from '../../scripts/lib/processes.mjs';

let db: { url: string; stop: () => Promise<void> };

beforeAll(async () => {
  db = await startEmbeddedDatabase({ dataDir: null, port: await freePort() });
});
afterAll(() => db.stop());

it('600 concurrent parameterised queries over 24 connections all answer correctly', async () => {
  const clients = Array.from({ length: 6 }, () => postgres(db.url, { prepare: false, max: 4, onnotice: () => {} }));
  try {
    const results = await Promise.allSettled(clients.flatMap((sql, c) => Array.from({ length: 100 }, async (_, i) => {
      const rows = i % 3 === 0
        ? await sql.begin((tx) => tx<{ n: number }[]>`select ${c}::int * 1000 + ${i}::int as n`)
        : await sql<{ n: number }[]>`select ${c}::int * 1000 + ${i}::int as n, ${'padding'}::text as p`;
      return rows[0]!.n === c * 1000 + i;
    })));
    const failures = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    expect(failures.slice(0, 3)).toEqual([]);
    expect(results.every((r) => r.status === 'fulfilled' && r.value)).toBe(true);
  } finally {
    await Promise.all(clients.map((sql) => sql.end()));
  }
});
