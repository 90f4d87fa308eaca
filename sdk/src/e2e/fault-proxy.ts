import { readFile } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the "network" does with one API request.
 * - `forward` — passes it to the real server and its answer back.
 * - `drop` — destroys the connection before reading anything: `fetch` rejects with a network error.
 * - `respond` — answers `status` (and `headers`) itself; the server never sees the request.
 * - `lose-response` — forwards it, lets the server finish, then answers `status` instead of the
 *   server's response: the request took effect but the client cannot know.
 * - `hold` — never answers, like a request stuck on a dead mobile link; it is never forwarded, and
 *   it is forgotten when the browser hangs up (page closed, reload) or when the proxy closes.
 * - `inspect` — reads the body first, then lets `decide` pick one of the faults above from the whole
 *   request: a server that fails only on one particular event, say.
 */
export type Fault = DirectFault | { kind: 'inspect'; decide(request: ProxiedRequest): DirectFault };
/** Every fault but `inspect`: applied as it is. */
export type DirectFault =
  | { kind: 'forward' }
  | { kind: 'drop' }
  | { kind: 'respond'; status: number; headers?: Record<string, string> }
  | { kind: 'lose-response'; status: number }
  | { kind: 'hold' };

export const FORWARD: DirectFault = { kind: 'forward' };
export const DROP: DirectFault = { kind: 'drop' };
export const HOLD: DirectFault = { kind: 'hold' };

/** One API request as the proxy saw it, with what it did about it. */
export interface ProxiedRequest {
  /** `Date.now()` when the request line arrived. */
  arrivedAt: number;
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /**
   * A `sendBeacon` from an unloading page: authenticated by `?key=` because a
   * beacon cannot carry an Authorization header.
   */
  beacon: boolean;
  /** The parsed JSON body (beacons send JSON as text/plain); undefined before it was read or when it is not JSON. */
  body: any;
  /** The fault applied; for `inspect`, the one `decide` picked. */
  fault: DirectFault['kind'];
  /** The status the browser was answered with; undefined for drops, held requests and hang-ups. */
  status?: number;
  /** `Date.now()` when that answer was written. */
  answeredAt?: number;
  /** The real server's parsed response body, for forwarded and lost-response requests. */
  upstream?: any;
  /** The browser hung up before an answer (a held request on a closed page). */
  abandoned?: boolean;
}

export interface FaultProxy {
  /** The origin the page is served from and the SDK's `endpoint`. */
  url: string;
  /** Decides each API request's fate when it arrives; `FORWARD` unless a test says otherwise. */
  rule: (request: ProxiedRequest) => Fault;
  /** Every API request since the last {@link FaultProxy.reset}, in arrival order. */
  readonly log: ProxiedRequest[];
  /** Back to forwarding everything, an empty log, and held requests cut off. */
  reset(): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** The real API, e.g. `http://127.0.0.1:40123`. */
  upstream: string;
  /** Served at `/page.html`. */
  page: string;
  /** The SDK bundle file, served at `/sdk.js`. */
  bundle: string;
}

const json = (text: string): any => {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
};

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/** Response headers that describe the upstream connection rather than the body; the proxy sets its own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/**
 * A small HTTP server in front of the real API that plays the network between
 * the browser and the server. It also serves the test page and the SDK bundle,
 * so page, SDK and API share one origin and the SDK's `endpoint` is simply
 * `location.origin` — no CORS in the way of what is being tested.
 */
export async function startFaultProxy({ upstream, page, bundle }: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  const held = new Set<ServerResponse>();
  const log: ProxiedRequest[] = [];
  const proxy: FaultProxy = {
    url: '',
    rule: () => FORWARD,
    log,
    reset() {
      proxy.rule = () => FORWARD;
      log.length = 0;
      for (const res of held) res.destroy();
      held.clear();
    },
    close: async () => {
      proxy.reset();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };

  const answer = (entry: ProxiedRequest, res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string) => {
    entry.status = status;
    entry.answeredAt = Date.now();
    res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) }).end(body);
  };

  const forward = (entry: ProxiedRequest, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers: IncomingHttpHeaders = { ...entry.headers, host: target.host };
      const search = entry.query.toString();
      const upstreamRequest = httpRequest(
        { host: target.hostname, port: target.port, method: entry.method, path: entry.path + (search ? `?${search}` : ''), headers, agent },
        (upstreamResponse) => {
          readBody(upstreamResponse).then((responseBody) => {
            const copied: Record<string, string> = {};
            for (const [name, value] of Object.entries(upstreamResponse.headers)) {
              if (value !== undefined && !HOP_BY_HOP.has(name)) copied[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: upstreamResponse.statusCode ?? 502, headers: copied, body: responseBody });
          }, reject);
        },
      );
      upstreamRequest.on('error', reject);
      upstreamRequest.end(body);
    });

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const entry: ProxiedRequest = {
      arrivedAt: Date.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      beacon: url.searchParams.has('key') && !req.headers['authorization'],
      body: undefined,
      fault: 'forward',
    };
    log.push(entry);
    // The rule sees method, path, headers and query; bodies are read only for requests that get
    // one, or when the rule asks to see it first (`inspect`).
    let fault: Fault = proxy.rule(entry);
    if (fault.kind !== 'inspect') entry.fault = fault.kind;
    if (fault.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    const body = await readBody(req);
    entry.body = json(body.toString('utf8'));
    if (fault.kind === 'inspect') {
      fault = fault.decide(entry);
      entry.fault = fault.kind;
      if (fault.kind === 'drop') {
        req.socket.destroy();
        return;
      }
    }
    if (fault.kind === 'hold') {
      held.add(res);
      res.on('close', () => {
        held.delete(res);
        if (entry.status === undefined) entry.abandoned = true;
      });
      return;
    }
    if (fault.kind === 'respond') {
      const error = { error: { code: fault.status === 429 ? 'rate_limited' : 'internal', message: `injected ${fault.status}` } };
      answer(entry, res, fault.status, { 'content-type': 'application/json; charset=utf-8', ...fault.headers }, JSON.stringify(error));
      return;
    }
    const response = await forward(entry, body);
    entry.upstream = json(response.body.toString('utf8'));
    if (fault.kind === 'lose-response') {
      const error = { error: { code: 'internal', message: `injected ${fault.status} after the server answered ${response.status}` } };
      answer(entry, res, fault.status, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(error));
      return;
    }
    answer(entry, res, response.status, response.headers, response.body);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy.invalid');
    if (req.method === 'GET' && url.pathname === '/page.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/sdk.js') {
      // Read per request: a rebuilt bundle is picked up without restarting the suite.
      readFile(bundle).then(
        (code) => res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }).end(code),
        () => res.writeHead(500).end(),
      );
      return;
    }
    if (url.pathname === '/favicon.ico' || url.pathname.endsWith('.map')) {
      res.writeHead(404).end();
      return;
    }
    handleApi(req, res, url).catch(() => {
      // The upstream failed or the browser vanished mid-request; either way there is nobody to tell.
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
