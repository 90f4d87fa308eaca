import type { LoadEngine } from './load.js';
export async function runSoak(engine: LoadEngine, progress: (m: string) => void): Promise<void> {
  void [engine, progress];
}
