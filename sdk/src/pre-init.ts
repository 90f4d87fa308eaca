import { HuashuApiError } from './errors.js';

/** Methods a page may call before the SDK has loaded. `leads.capture` is not among them: its promise would have nobody to resolve to. */
export const PRE_INIT_METHODS = ['track', 'page', 'identify', 'download', 'optIn', 'optOut', 'reset'] as const;
export type PreInitMethod = (typeof PRE_INIT_METHODS)[number];

/** One buffered call: the method name, then its arguments, e.g. `['track', 'cta_click', { id: 'hero' }]`. */
export type PreInitCall = [method: PreInitMethod, ...args: unknown[]];

/** What stands in for the stub array once the SDK runs: `push` now calls straight through. */
export interface PreInitQueue {
  push(...calls: PreInitCall[]): number;
}

const installed = new WeakSet<object>();

/**
 * Drains the stub queue `holder[name]` (an array of {@link PreInitCall}s the
 * page filled before the SDK loaded) into `target`, in order, and replaces it
 * with a {@link PreInitQueue} so code that keeps pushing still works. A global
 * of that name that is neither our stub nor our queue belongs to someone else
 * and is left alone.
 */
export function drainPreInit(
  holder: Record<string, unknown>,
  name: string,
  target: Record<PreInitMethod, (...args: never[]) => unknown>,
  report: (error: HuashuApiError) => void,
): void {
  const existing = holder[name];
  if (existing !== undefined && !Array.isArray(existing) && !installed.has(existing as object)) return;
  const run = (call: unknown) => {
    const [method, ...args] = Array.isArray(call) ? call : [];
    if (!PRE_INIT_METHODS.includes(method)) {
      report(new HuashuApiError('invalid_argument', `${name}.push: unsupported method ${String(method)}`));
      return;
    }
    (target[method as PreInitMethod] as (...args: unknown[]) => unknown)(...args);
  };
  const queue: PreInitQueue = {
    push(...calls) {
      calls.forEach(run);
      return 0;
    },
  };
  installed.add(queue);
  holder[name] = queue;
  if (Array.isArray(existing)) existing.forEach(run);
}
