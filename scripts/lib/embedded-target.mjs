// The embedded database as an operations target (backup, restore, inspect). PGlite is one process's files: a
// second process opening .staybase/db while `npm start` serves it would corrupt it, so these tools open it only
// when `npm start` is not running, and otherwise use (or refuse) the running one.
import { existsSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { root } from './database.mjs';

export const EMBEDDED_DATA_DIR = join(root, '.staybase', 'db');
// The fixed port `npm start` serves the embedded database on (scripts/start.mjs).
const EMBEDDED_PORT = 54322;
export const RUNNING_EMBEDDED_URL = `postgresql://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}/postgres?sslmode=disable`;

/** True when something (normally `npm start`) serves the embedded database. */
export function embeddedIsRunning() {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port: EMBEDDED_PORT });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

export function embeddedExists() {
  return existsSync(join(EMBEDDED_DATA_DIR, 'PG_VERSION'));
}
