/**
 * Compiles a path glob: `*` matches within one path segment, `**` across
 * segments, `?` one character; a trailing slash on the path is ignored.
 * `/compare/*` matches `/compare/acme` but not `/compare/acme/pricing`.
 */
export function globToRegExp(glob: string): RegExp {
  const source = glob
    .replace(/\/$/, '')
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*\*|\*|\?/g, (wildcard) => (wildcard === '**' ? '.*' : wildcard === '*' ? '[^/]*' : '[^/]'));
  return new RegExp(`^${source}/?$`);
}

/**
 * Turns `{ '/compare/*': 'competitor_comparison', '/pricing': 'pricing' }` into
 * a lookup from path to page type. The first matching glob, in the object's
 * insertion order, wins — list specific globs before general ones.
 */
export function compilePageTypes(globs: Record<string, string> = {}): (path: string) => string | undefined {
  const rules = Object.entries(globs || {}).map(([glob, type]) => [globToRegExp(glob), type] as const);
  return (path) => rules.find(([pattern]) => pattern.test(path))?.[1];
}
