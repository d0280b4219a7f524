// Serves every edge function in functions/ from one Deno process, as Supabase's Edge Runtime does without
// Docker: /<name>/... goes to the default export of functions/<name>/handler.ts (each index.ts wires the same
// handler to Deno.serve for `supabase functions serve` and deploy).
const functionsDir = new URL('../functions/', import.meta.url);
const handlers = new Map<string, (request: Request) => Response | Promise<Response>>();

for await (const entry of Deno.readDir(functionsDir)) {
  if (!entry.isDirectory || entry.name.startsWith('_')) continue;
  const module = await import(new URL(`${entry.name}/handler.ts`, functionsDir).href);
  handlers.set(entry.name, module.default);
}

const port = Number(Deno.env.get('FUNCTIONS_PORT') ?? '54325');
Deno.serve({ hostname: '127.0.0.1', port, onListen: () => console.log(`functions: ${[...handlers.keys()].join(', ') || '(none)'}`) }, (request) => {
  const name = new URL(request.url).pathname.split('/')[1] ?? '';
  const handler = handlers.get(name);
  if (!handler) return Response.json({ code: 'NOT_FOUND', message: `no function named "${name}"` }, { status: 404 });
  return handler(request);
});
