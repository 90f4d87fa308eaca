/**
 * Compiles a path glob: `*` matches within one path segment, `**` across
 * segments, `?` one character; a trailing slash on the path is ignored.
 * `/compare/*` matches `/compare/acme` but not `/compare/acme/pricing`.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source.replace(/\/$/, '')}/?$`);
}

/**
 * Turns `{ '/compare/*': 'competitor_comparison', '/pricing': 'pricing' }` into
 * a lookup from path to page type. The first matching glob, in the object's
 * insertion order, wins — list specific globs before general ones.
 */
export function compilePageTypes(globs: Record<string, string> = {}): (path: string) => string | undefined {
  const rules = Object.entries(globs).map(([glob, type]) => [globToRegExp(glob), type] as const);
  return (path) => rules.find(([pattern]) => pattern.test(path))?.[1];
}
