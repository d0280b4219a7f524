// The e-mail worker as a plain Deno process (the same code as the email-worker function): one run with --once, or a
// run every --interval-seconds (default 5) until killed. Needs SUPABASE_DB_URL and RESEND_API_KEY / EMAIL_API_URL.
// The tests run it in a subprocess and kill -9 it mid-send to prove a restart sends no second e-mail.
//   deno run --allow-net --allow-env --allow-read --allow-sys scripts/email-worker.ts [--once] [--lease-seconds=N]
import { drainEmails } from '../functions/email-worker/drain.ts';

const flag = (name: string) => Deno.args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
const once = Deno.args.includes('--once');
const leaseSeconds = Number(flag('lease-seconds') ?? 120);
const intervalMs = Number(flag('interval-seconds') ?? 5) * 1000;

do {
  const result = await drainEmails({ leaseSeconds });
  console.log(JSON.stringify(result));
  if (!once) await new Promise((resolve) => setTimeout(resolve, intervalMs));
} while (!once);
Deno.exit(0);
