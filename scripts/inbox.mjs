// npm run inbox [-- <email>]: the e-mails the local Auth API would have sent (confirmation, recovery, e-mail change,
// reauthentication), newest first, from the running `npm start` (also at http://127.0.0.1:54321/inbox).
const to = process.argv.slice(2).find((arg) => !arg.startsWith('--'));
const apiUrl = process.env.STAYBASE_API_URL ?? 'http://127.0.0.1:54321';
let messages;
try {
  const response = await fetch(`${apiUrl}/inbox/messages${to ? `?to=${encodeURIComponent(to)}` : ''}`);
  messages = await response.json();
} catch (error) {
  console.error(`could not reach ${apiUrl}/inbox: is \`npm start\` running? (${error.message})`);
  process.exit(1);
}
if (!messages.length) console.log(to ? `no e-mail to ${to} yet` : 'the inbox is empty');
for (const m of messages) {
  console.log(`${m.created_at}  to ${m.to}  ${m.subject}`);
  if (m.token) console.log(`  code: ${m.token}`);
  if (m.link) console.log(`  link: ${m.link}`);
}
