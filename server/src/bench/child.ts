import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { ChildReady } from './serve-child.js';

/** How long a child may take to migrate, seed and listen before the bench gives up on it. */
const CHILD_START_TIMEOUT_MS = 10 * 60 * 1000;
/** How long a child gets to close its server and database on `stop`. */
const CHILD_STOP_TIMEOUT_MS = 15_000;
const KIB = 1024;

export interface ServerChild {
  ready: ChildReady;
  process: ChildProcess;
  /** Resident set size of the server process now, in MB (Linux /proc). */
  rssMb(): number;
  stop(): Promise<void>;
  /** `kill -9`: no shutdown, no cleanup. */
  kill(): Promise<void>;
}

/** The compiled entry: next to this file in dist/, or dist/'s copy when this runs from src/ (vitest; build first). */
const beside = fileURLToPath(new URL('./serve-child.js', import.meta.url));
const entry = existsSync(beside) ? beside : fileURLToPath(new URL('../../dist/bench/serve-child.js', import.meta.url));

export function rssMbOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / KIB;
}

/** Starts `serve-child.ts` with these variables and waits until it listens. */
export async function startServerChild(env: Record<string, string | undefined>): Promise<ServerChild> {
  const child = fork(entry, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<ChildReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bench server did not start in time')), CHILD_START_TIMEOUT_MS);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as ChildReady);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bench server exited with ${code} before it listened`));
    });
  });
  return {
    ready,
    process: child,
    rssMb: () => rssMbOf(child.pid!),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (!child.connected) {
        child.kill('SIGKILL');
        await exited;
        return;
      }
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** An empty database on the Postgres server at `serverUrl` (the child migrates it); `drop` removes it. */
export async function scratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `huashu_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const target = new URL(serverUrl);
  target.pathname = `/${name}`;
  return { url: target.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
