/**
 * A stand-in for Meta's Graph API lead endpoint: `GET /{leadgenId}` and `GET /{version}/{leadgenId}` return
 * `<fixturesDir>/<leadgenId>.json`. Fault hooks let tests delay responses or fail the next requests.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { LOOPBACK, listenOnLoopback } from './ports';

export interface GraphServer {
  port: number;
  /** Base URL without a version segment, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Delays every response by this many milliseconds (0 by default). */
  setDelay(ms: number): void;
  /** Delays the next `count` responses by `ms` milliseconds, on top of `setDelay`. */
  delayNext(count: number, ms: number): void;
  /** Responds to the next `count` requests with `status` (500 or 429, say) and a Graph error body. */
  failNext(count: number, status: number): void;
  /** Number of requests received since the server started. */
  requestCount(): number;
  /** Clears every delay and pending failure. */
  resetFaults(): void;
  isListening(): boolean;
  stop(): Promise<void>;
}

const LEADGEN_ID = /^\d{1,32}$/;
const VERSION = /^v\d+\.\d+$/;

/** Starts the server on 127.0.0.1; `port` 0 (the default) picks a free port. */
export async function startGraphServer(options: { fixturesDir: string; port?: number }): Promise<GraphServer> {
  let delayMs = 0;
  let delays = { remaining: 0, ms: 0 };
  let failures = { remaining: 0, status: 500 };
  let requests = 0;

  const server = createServer((request, response) => {
    requests += 1;
    const answer = async () => {
      let waitMs = delayMs;
      if (delays.remaining > 0) {
        delays = { ...delays, remaining: delays.remaining - 1 };
        waitMs += delays.ms;
      }
      if (waitMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
      if (request.socket.destroyed) {
        return;
      }
      if (failures.remaining > 0) {
        failures = { ...failures, remaining: failures.remaining - 1 };
        sendGraphError(response, failures.status, 'Injected fault of the local Graph API', 2);
        return;
      }
      const url = new URL(request.url ?? '/', `http://${LOOPBACK}`);
      const segments = url.pathname.split('/').filter((segment) => segment !== '');
      const leadgenId = segments.length === 2 && VERSION.test(segments[0] ?? '') ? segments[1] : segments[0];
      if (
        request.method !== 'GET' ||
        segments.length === 0 ||
        segments.length > 2 ||
        !LEADGEN_ID.test(leadgenId ?? '')
      ) {
        sendGraphError(response, 404, 'Unknown path components', 2500);
        return;
      }
      let body: Buffer;
      try {
        body = await readFile(join(options.fixturesDir, `${leadgenId}.json`));
      } catch {
        sendGraphError(response, 404, `Unsupported get request. Object with ID '${leadgenId}' does not exist`, 100);
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      response.end(body);
    };
    answer().catch((error: unknown) => {
      sendGraphError(response, 500, error instanceof Error ? error.message : String(error), 1);
    });
  });

  const port = await listenOnLoopback(server, options.port ?? 0);
  return {
    port,
    url: `http://${LOOPBACK}:${port}`,
    setDelay: (ms) => {
      delayMs = ms;
    },
    delayNext: (count, ms) => {
      delays = { remaining: count, ms };
    },
    failNext: (count, status) => {
      failures = { remaining: count, status };
    },
    requestCount: () => requests,
    resetFaults: () => {
      delayMs = 0;
      delays = { remaining: 0, ms: 0 };
      failures = { remaining: 0, status: 500 };
    },
    isListening: () => server.listening,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Graph API error body: `{"error":{"message","type","code"}}`. */
function sendGraphError(response: ServerResponse, status: number, message: string, code: number): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  response.end(JSON.stringify({ error: { message, type: 'GraphMethodException', code } }));
}
