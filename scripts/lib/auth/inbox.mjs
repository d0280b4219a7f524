// The local inbox: every e-mail the local Auth API would send (confirmation, recovery, e-mail change,
// reauthentication) is kept here instead, newest first, as Inbucket/Mailpit keep them under `supabase start`. The
// gateway serves it at /inbox (a page) and /inbox/messages (JSON, ?to=<address>); `npm run inbox` prints it.
// It also stands in for Resend's HTTP API at POST /inbox/emails (EMAIL_API_URL=<gateway>/inbox for the email-worker
// function): the notifications' e-mails land here too, once per Idempotency-Key, as Resend sends once per key.
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

export function createInbox({ limit = 500 } = {}) {
  const messages = [];
  const sentByKey = new Map();
  return {
    /** Stores a message: { to, subject, html, type, token, token_hash, link }. */
    deliver(message) {
      messages.unshift({ id: crypto.randomUUID(), created_at: new Date().toISOString(), ...message });
      messages.length = Math.min(messages.length, limit);
    },
    list(to) {
      return to ? messages.filter((m) => m.to.toLowerCase() === to.toLowerCase()) : [...messages];
    },
    /** POST /inbox/emails, Resend's shape: { from, to, subject, text | html } → { id }; a repeated key, the same id. */
    async receive(req, res) {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      let email;
      try {
        email = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        email = null;
      }
      const to = Array.isArray(email?.to) ? email.to : [email?.to].filter(Boolean);
      if (!email || to.length === 0 || !email.subject) {
        res.writeHead(422, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ name: 'validation_error', message: 'to and subject are required' }));
      }
      const key = req.headers['idempotency-key'] ? String(req.headers['idempotency-key']) : null;
      let id = key ? sentByKey.get(key) : undefined;
      if (!id) {
        id = crypto.randomUUID();
        if (key) sentByKey.set(key, id);
        const escaped = escape(email.text ?? '');
        for (const address of to) {
          this.deliver({ to: address, subject: email.subject, html: email.html ?? `<p>${escaped}</p>`, text: email.text, type: 'notification', email_id: id });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id }));
    },
    /** GET /inbox and /inbox/messages. */
    serve(req, res, url) {
      const list = this.list(url.searchParams.get('to') ?? undefined);
      if (url.pathname === '/inbox/messages') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(list));
      }
      const rows = list.map((m) => `<article><h3>${escape(m.subject)}</h3><p>to <b>${escape(m.to)}</b> · ${escape(m.created_at)} · ${escape(m.type)}${m.token ? ` · code <code>${escape(m.token)}</code>` : ''}</p>${m.html}</article>`).join('<hr>');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><meta charset="utf-8"><title>Staybase local inbox</title><style>body{font:15px system-ui;max-width:50em;margin:2em auto}article{padding:.5em 0}</style><h1>Local inbox</h1><p>E-mails the local Auth API would have sent (newest first; kept in memory until npm start stops). <a href="/inbox/messages">JSON</a></p>${rows || '<p>No messages yet.</p>'}`);
    },
  };
}
