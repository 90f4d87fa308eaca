export async function runReplicasBench(serverUrl: string, progress: (m: string) => void): Promise<void> {
  void [serverUrl];
  throw new Error('not built yet');
}
