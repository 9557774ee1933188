/** Port helpers for the local stack; everything listens on 127.0.0.1. */
import { createServer, type Server } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** Starts `server` listening on 127.0.0.1:`port` and resolves with the bound port (useful for port 0). */
export function listenOnLoopback(server: Pick<Server, 'listen' | 'once' | 'removeListener' | 'address'>, port: number) {
  return new Promise<number>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, LOOPBACK, () => {
      server.removeListener('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** Returns a port that was free a moment ago, found by listening on port 0; another process may take it first. */
export async function reserveFreePort(): Promise<number> {
  const server = createServer();
  const port = await listenOnLoopback(server, 0);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves when `port` can be bound on 127.0.0.1, and rejects with the listen error (EADDRINUSE...) otherwise. */
export async function listenPort(port: number): Promise<void> {
  const server = createServer();
  await listenOnLoopback(server, port);
  await new Promise((resolve) => server.close(resolve));
}

/** True when the error is the one `listen` raises for a port that is taken. */
export function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}
