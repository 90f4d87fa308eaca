// Browser bundles, built from the TypeScript output (`npx tsc -b` first), so
// rollup only resolves, tree-shakes and minifies: one compiler, one set of
// type errors.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { gzipSync } from 'node:zlib';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

/** Prints each written file's size minified and minified+gzip — the number budgets are about. */
function reportSizes() {
  return {
    name: 'report-sizes',
    writeBundle(outputOptions, bundle) {
      for (const [fileName, output] of Object.entries(bundle)) {
        if (output.type !== 'chunk') continue;
        const code = Buffer.from(output.code);
        const kib = (bytes) => `${(bytes / 1024).toFixed(2)} KiB`;
        console.log(`${basename(outputOptions.file ?? fileName).padEnd(28)} min ${kib(code.length).padStart(10)}   min+gzip ${kib(gzipSync(code).length).padStart(10)}`);
      }
    },
  };
}

/**
 * One self-contained ESM file per entry. `@huashu/core` is bundled; its
 * package is `"sideEffects": false`, so only what the SDK imports at runtime
 * (the error-body guard) comes along and its zod schemas, unused here, are
 * dropped.
 */
function browserBundle(input, file, { forbid } = {}) {
  return {
    input,
    output: { file, format: 'esm', sourcemap: true },
    plugins: [
      nodeResolve({ browser: true }),
      terser({ ecma: 2020, module: true, compress: { passes: 2 }, format: { comments: false } }),
      forbid && forbidModules(forbid),
      reportSizes(),
    ],
    onwarn(warning, warn) {
      // An unresolved import or a cycle in our own code is a bug, not a warning. Dependencies'
      // internal cycles (zod has some) and their comment placement are theirs to worry about.
      if (warning.code === 'UNRESOLVED_IMPORT') throw new Error(warning.message);
      if (warning.code === 'CIRCULAR_DEPENDENCY' && !warning.ids?.some((id) => id.includes('node_modules'))) throw new Error(warning.message);
      if (warning.code === 'CIRCULAR_DEPENDENCY' || warning.code === 'INVALID_ANNOTATION') return;
      warn(warning);
    },
  };
}

/**
 * Fails the build when a module matching `pattern` made it into the output —
 * rollup loads all of `@huashu/core` to tree-shake it, and one side-effectful
 * line in a schema file would otherwise quietly ship zod to every landing page.
 */
function forbidModules(pattern) {
  return {
    name: 'forbid-modules',
    generateBundle(_options, bundle) {
      for (const output of Object.values(bundle)) {
        if (output.type !== 'chunk') continue;
        const offenders = Object.entries(output.modules).filter(([id, module]) => pattern.test(id) && module.renderedLength > 0);
        if (offenders.length) this.error(`${output.fileName} must not contain ${offenders.map(([id]) => id).join(', ')}`);
      }
    },
  };
}

// ── @huashu/sdk ────────────────────────────────────────────────────────────
/** The SDK validates nothing with zod in the browser; the server does. */
const ZOD = /[\\/]node_modules[\\/]zod[\\/]/;
const sdk = [
  browserBundle('sdk/dist/index.js', 'sdk/dist/huashu-sdk.min.js', { forbid: ZOD }),
  browserBundle('sdk/dist/assistant.js', 'sdk/dist/huashu-assistant.min.js', { forbid: ZOD }),
  // Shared documents only (see sdk/src/share.ts): landing pages never pay for section tracking.
  browserBundle('sdk/dist/share.js', 'sdk/dist/huashu-share.min.js', { forbid: ZOD }),
];

// ── @huashu/widget ─────────────────────────────────────────────────────────
// The widget's section (its engineer may change entry and options): one file,
// Lit included, for a <script type="module"> tag. Only built once the widget's
// tsc output exists, so the SDK can build before the widget has any code.
const WIDGET_ENTRY = 'widget/dist/index.js';

/**
 * terser leaves template literals alone, so the components' css`…` blocks would
 * ship with their indentation and comments. Only the widget's *styles.js
 * modules are touched (they hold nothing but css`` literals without
 * interpolations); whitespace runs collapse and go around { } ; , and after
 * a colon — never before one, so `a :hover` keeps its meaning.
 */
function minifyWidgetCss() {
  const STYLES = /[\\/]widget[\\/]dist[\\/].*styles\.js$/;
  const minify = (body) =>
    body
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\s+/g, ' ')
      .replace(/\s*([{};,])\s*/g, '$1')
      .replace(/: /g, ':')
      .trim();
  return {
    name: 'minify-widget-css',
    transform(code, id) {
      if (!STYLES.test(id)) return null;
      return { code: code.replace(/\bcss\s*`([^`$]*)`/g, (_, body) => `css\`${minify(body)}\``), map: null };
    },
  };
}

/** Regenerates widget/dist/custom-elements.json from the components' JSDoc on every widget build. */
function widgetManifest() {
  return {
    name: 'widget-manifest',
    async writeBundle() {
      const { writeManifest } = await import('./widget/scripts/manifest.mjs');
      writeManifest();
    },
  };
}

function widgetBundle() {
  // Lit and the SDK are bundled; zod must not be (the widget imports only types from @huashu/core).
  const bundle = browserBundle(WIDGET_ENTRY, 'widget/dist/huashu-widget.js', { forbid: ZOD });
  return { ...bundle, plugins: [minifyWidgetCss(), ...bundle.plugins, widgetManifest()] };
}
const widget = existsSync(WIDGET_ENTRY) ? [widgetBundle()] : [];

// The manager's console: a second file, so reps' pages never load the admin widgets.
const ADMIN_ENTRY = 'widget/dist/admin/index.js';
const admin = existsSync(ADMIN_ENTRY) ? [(({ plugins, ...bundle }) => ({ ...bundle, plugins: [minifyWidgetCss(), ...plugins] }))(browserBundle(ADMIN_ENTRY, 'widget/dist/huashu-admin.js', { forbid: ZOD }))] : [];

// <huashu-daily-report>: its own small file, because the reps' bundle is at its 35 KiB budget.
const DAILY_REPORT_ENTRY = 'widget/dist/components/daily-report/daily-report.js';
const dailyReport = existsSync(DAILY_REPORT_ENTRY) ? [(({ plugins, ...bundle }) => ({ ...bundle, plugins: [minifyWidgetCss(), ...plugins] }))(browserBundle(DAILY_REPORT_ENTRY, 'widget/dist/huashu-daily-report.js', { forbid: ZOD }))] : [];

export default [...sdk, ...widget, ...admin, ...dailyReport];
