import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** widget/dist, from the source file (vitest) and from its compiled copy alike. */
export const WIDGET_DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
export const BUNDLE = `${WIDGET_DIST}huashu-widget.js`;

/** Where screenshots go (gitignored). */
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

export function requireBundle(): void {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npx tsc -b widget && npx rollup -c rollup.config.mjs\` (or \`npm run build\`) before the widget tests`);
}
