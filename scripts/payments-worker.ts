// The outbox worker as a plain Deno process (the same code as the payments-worker function): one run with --once,
// or a run every --interval-seconds (default 5) until killed. Needs SUPABASE_DB_URL and the Stripe variables.
// The tests run it in a subprocess and kill -9 it mid-flight to prove a restart makes no second Stripe effect.
//   deno run --allow-net --allow-env --allow-read --allow-sys scripts/payments-worker.ts [--once] [--lease-seconds=N]
import { drainOutbox } from '../functions/payments-worker/drain.ts';

const flag = (name: string) => Deno.args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
const once = Deno.args.includes('--once');
const leaseSeconds = Number(flag('lease-seconds') ?? 120);
const intervalMs = Number(flag('interval-seconds') ?? 5) * 1000;

do {
  const result = await drainOutbox({ leaseSeconds });
  console.log(JSON.stringify(result));
  if (!once) await new Promise((resolve) => setTimeout(resolve, intervalMs));
} while (!once);
Deno.exit(0);
