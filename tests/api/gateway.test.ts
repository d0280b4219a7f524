// The gateway in front of the Data API: its API-key checks hold whatever it remembers between requests.
import { describe, expect, it } from 'vitest';
import { sign } from '../../scripts/lib/keys.mjs';
import { env } from '../support/env.ts';

const table = `${env.apiUrl}/rest/v1/amenities?select=code&limit=1`;

describe('the gateway checks API keys on /rest/v1', () => {
  it('a legacy anon key is accepted until it expires, and refused after (a verified key is not trusted past its exp)', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const key = await sign({ iss: 'supabase-demo', role: 'anon' }, expiresAt, { alg: 'HS256' });
    for (let i = 0; i < 3; i++) {
      const response = await fetch(table, { headers: { apikey: key } });
      expect(response.status, `request ${i + 1} before exp`).toBe(200);
      await response.arrayBuffer();
    }
    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 1_100));
    const after = await fetch(table, { headers: { apikey: key } });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ message: 'Invalid API key' });
  });

  it('a key signed with another secret is refused, however often it is sent', async () => {
    const key = `${(await sign({ iss: 'supabase-demo', role: 'anon' }, Math.floor(Date.now() / 1000) + 600, { alg: 'HS256' })).slice(0, -4)}AAAA`;
    for (let i = 0; i < 2; i++) {
      const response = await fetch(table, { headers: { apikey: key } });
      expect(response.status).toBe(401);
      await response.arrayBuffer();
    }
  });

  it('many requests on one kept-alive connection each get their own answer', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      fetch(`${env.apiUrl}/rest/v1/amenities?select=code&order=code&limit=1&offset=${i % 5}`, { headers: { apikey: env.publishableKey } })
        .then(async (response) => ({ i, status: response.status, body: await response.json() }))));
    const byOffset = new Map<number, string>();
    for (const { i, status, body } of answers) {
      expect(status).toBe(200);
      const code = body[0].code as string;
      if (byOffset.has(i % 5)) expect(code).toBe(byOffset.get(i % 5));
      byOffset.set(i % 5, code);
    }
    expect(new Set(byOffset.values()).size).toBe(5);
  });
});
