export async function runOutageBench(progress: (m: string) => void): Promise<void> {
  void [progress];
  throw new Error('not built yet');
}
