// One autocannon run in a process of its own (so the load tool does not share the gateway's event loop), for
// bench/http.mjs: reads {url, paths, headers, connections, seconds} as JSON from stdin, cycles through `paths`
// (each request takes the next one), and prints autocannon's result as JSON on stdout, with `percentiles_ms`
// (p50, p95, p99 of every response's time: autocannon's own summary has no p95).
import autocannon from 'autocannon';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const { url, paths, headers, connections, seconds } = JSON.parse(input);
let next = 0;
const times = [];
const result = await new Promise((resolve, reject) => {
  const instance = autocannon({
    url,
    connections,
    duration: seconds,
    headers,
    requests: [{ setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }) }],
  }, (error, done) => (error ? reject(error) : resolve(done)));
  instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
});
times.sort((a, b) => a - b);
const at = (q) => Math.round(times[Math.min(times.length - 1, Math.max(0, Math.ceil(q * times.length) - 1))] * 100) / 100;
process.stdout.write(JSON.stringify({ ...result, percentiles_ms: { p50: at(0.5), p95: at(0.95), p99: at(0.99) } }));
