// Child processes the stack owns: each is killed when the stack stops, so Ctrl-C leaves no orphans.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const children = new Set();

/** Spawns a long-running child that is killed with the stack; output is prefixed with its name. */
export function spawnService(name, command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.add(child);
  const prefix = (chunk) => chunk.toString().split('\n').filter(Boolean).map((line) => `[${name}] ${line}`).join('\n');
  child.stdout.on('data', (chunk) => options.quiet || console.log(prefix(chunk)));
  child.stderr.on('data', (chunk) => options.quiet || console.error(prefix(chunk)));
  child.on('exit', () => children.delete(child));
  return child;
}

/** Runs a command to completion; resolves with its output, rejects with it on a non-zero exit. */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('exit', (code) => {
      children.delete(child);
      if (code === 0) resolve({ stdout, stderr });
      else reject(Object.assign(new Error(`${command} ${args.join(' ')} exited with ${code}\n${stdout}${stderr}`), { stdout, stderr, code }));
    });
  });
}

export async function stopChildren() {
  await Promise.all([...children].map((child) => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => { clearTimeout(force); resolve(); });
    child.kill('SIGTERM');
  })));
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor(description, probe, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${description}${lastError ? `: ${lastError.message}` : ''}`);
}

// If this process dies of an error, its children must not outlive it.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
