// The gateway in front of the Data API: its API-key checks hold whatever it remembers between requests.
import { connect } from 'node:net';
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

describe('the gateway answers a request line over its parser limit', () => {
  it('a client still writing its oversized request line after the 400 arrives is never reset', async () => {
    const { hostname, port } = new URL(env.apiUrl);
    const socket = connect({ port: Number(port), host: hostname, allowHalfOpen: true });
    let answer = '';
    let failure: Error | undefined;
    socket.on('error', (error) => { failure = error; });
    const answered = new Promise((resolve) => socket.on('data', (chunk) => { answer += chunk.toString(); resolve(null); }));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    // Past the 32 KiB parser limit: the gateway answers at once.
    socket.write(`GET /rest/v1/amenities?code=${'a'.repeat(40_000)}`);
    await answered;
    // The client goes on writing, as one whose 1 MB request line is still in its send buffer: each chunk is another
    // parse error on the same socket, and none may close it with unread data (the kernel would reset it).
    for (let i = 0; i < 20 && !failure; i++) {
      socket.write('a'.repeat(16 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    socket.end();
    await closed;
    expect(failure?.message).toBeUndefined();
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ code: '22023', hint: 'request_too_large' });
  });
});
