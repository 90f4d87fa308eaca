import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

interface Booted {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Runs the built CLI the way `npm start` does and waits until it prints its URL. */
async function boot(dataDir: string, env: Record<string, string> = {}): Promise<Booted> {
  const child = spawn(process.execPath, [CLI, 'serve', '--demo'], {
    env: { ...process.env, DATABASE_URL: '', PORT: '0', HUASHU_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 90_000);
    const check = () => {
      const match = /— (http:\/\/[^\s]+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
  return { child, url, output: () => out };
}

async function stop(booted: Booted): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => booted.child.once('exit', (code) => resolve(code)));
  booted.child.kill('SIGTERM');
  return exited;
}

describe('npm start (huashu serve --demo)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'huashu-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('boots on an empty data dir, serves the demo, and keeps its data across a restart', async () => {
    const first = await boot(dataDir);
    const health = await fetch(`${first.url}/healthz`);
    expect(health.status).toBe(200);
    const page = await fetch(`${first.url}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<huashu-assistant');
    expect(html).toContain('<huashu-lead-form');
    const secretKey = /secret key:\s+(sk_\S+)/.exec(first.output())?.[1];
    expect(secretKey).toBeDefined();
    // The page must carry the publishable key and a rep token, never the secret key.
    expect(html).not.toContain(secretKey!);

    const created = await fetch(`${first.url}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'api', phone: '13912345678', name: '重启测试' }),
    });
    expect(created.status).toBe(201);
    const { lead } = (await created.json()) as { lead: { id: string } };
    expect(await stop(first)).toBe(0);

    const second = await boot(dataDir);
    // Keys are printed only on the first run.
    expect(second.output()).not.toMatch(/secret key:/);
    const again = await fetch(`${second.url}/v1/leads/${lead.id}`, { headers: { authorization: `Bearer ${secretKey}` } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { lead: { name: string } }).lead.name).toBe('重启测试');
    expect(await stop(second)).toBe(0);
  });

  it('refuses a bad configuration value, naming it', async () => {
    await expect(boot(dataDir, { PORT: 'eighty' })).rejects.toThrow(/PORT/);
  });
});
