import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The server's layout as a test (README "Architecture"): platform/ and
 * retrieval/ know no domain; a domain reaches another only through its
 * service or index module, never its store; and nothing imports in a circle.
 */
const ROOT = fileURLToPath(new URL('./', import.meta.url));
/** Folders that are not domains: shared layers, and the composition code around them. */
const LAYERS = new Set(['platform', 'retrieval']);
const COMPOSITION = new Set(['testing', 'bench', 'cli', 'demo']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative imports of a file, resolved to .ts paths under ROOT. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    found.push(resolve(dirname(file), match[1]!).replace(/\.js$/, '.ts'));
  }
  return found;
}

/** `knowledge/knowledge.store.ts` → 'knowledge'; top-level files → ''. */
const folderOf = (file: string) => {
  const parts = relative(ROOT, file).split('/');
  return parts.length > 1 ? parts[0]! : '';
};

const files = sources(ROOT);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const isDomain = (folder: string) => folder !== '' && !LAYERS.has(folder) && !COMPOSITION.has(folder);

describe('server layout', () => {
  it('has the shared layers and at least the first domains', () => {
    const folders = new Set(files.map(folderOf));
    for (const folder of ['platform', 'retrieval', 'knowledge', 'assistant', 'leads', 'events']) expect(folders).toContain(folder);
  });

  it('keeps platform/ and retrieval/ free of domain imports', () => {
    const offenders: string[] = [];
    for (const [file, imports] of graph) {
      if (!LAYERS.has(folderOf(file))) continue;
      for (const target of imports) {
        const folder = folderOf(target);
        if (isDomain(folder) || folder === '' || COMPOSITION.has(folder)) offenders.push(`${relative(ROOT, file)} → ${relative(ROOT, target)}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps retrieval/ below platform/ except for configuration types', () => {
    const offenders = [...graph]
      .filter(([file]) => folderOf(file) === 'retrieval')
      .flatMap(([file, imports]) => imports.filter((target) => folderOf(target) === 'platform' && !target.endsWith('platform/config.ts')).map((target) => `${relative(ROOT, file)} → ${relative(ROOT, target)}`));
    expect(offenders).toEqual([]);
  });

  it('lets a domain use another only through its service or index', () => {
    const offenders: string[] = [];
    for (const [file, imports] of graph) {
      const from = folderOf(file);
      if (!isDomain(from)) continue;
      for (const target of imports) {
        const to = folderOf(target);
        if (!isDomain(to) || to === from) continue;
        if (!/\.service\.ts$|\/index\.ts$/.test(target)) offenders.push(`${relative(ROOT, file)} → ${relative(ROOT, target)}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('gives every domain folder its index module', () => {
    const domains = new Set(files.map(folderOf).filter(isDomain));
    const missing = [...domains].filter((domain) => !files.includes(join(ROOT, domain, 'index.ts')));
    expect(missing).toEqual([]);
  });

  it('has no circular imports', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((step) => relative(ROOT, step)).join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const target of graph.get(file) ?? []) if (graph.has(target)) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
