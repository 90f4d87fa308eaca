import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import ipaddr from 'ipaddr.js';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

/**
 * Outbound HTTP for webhooks, guarded against SSRF. A target is refused when
 * any address it resolves to is not a globally routable unicast address:
 * loopback, RFC 1918, CGNAT 100.64/10, link-local (169.254/16 — cloud metadata
 * — and fe80::/10), unique-local fc00::/7, multicast, 0.0.0.0 / ::, reserved
 * ranges, and IPv6 forms that embed an IPv4 address (::ffff:127.0.0.1, NAT64,
 * 6to4). The check runs where the socket gets its address — in the `lookup`
 * the connection uses — so the address checked is the address connected to,
 * whatever the name resolved to when the subscription was created (DNS
 * rebinding). The socket's remote address is checked again on connect, and
 * request-filtering-agent's agent repeats the lookup check underneath.
 * Redirects are not followed (a 3xx is a failed attempt): a public endpoint
 * cannot bounce a delivery to an internal one.
 */

/** Ranges ipaddr.js names that a webhook may reach; everything else is refused. */
const ROUTABLE = new Set(['unicast']);

export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
  readonly code = 'EBLOCKED';
  constructor() {
    // No address or host in the message: it ends up in logs and the delivery log.
    super('the target resolves to a loopback, private, link-local or otherwise non-public address');
  }
}

/** Whether `address` (an IP literal) is one a webhook may not reach. Unparseable counts as blocked. */
export function isBlockedAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(bare)) return true;
  return !ROUTABLE.has(ipaddr.parse(bare).range());
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for sockets that fails with BlockedAddressError when any resolved address is blocked. */
export function guardedLookup(resolve: LookupFunction = dnsLookup as unknown as LookupFunction): LookupFunction {
  return ((hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback) => {
    resolve(hostname, options, ((error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
      if (error) return callback(error, address, family);
      const addresses = Array.isArray(address) ? address.map((entry) => entry.address) : [address];
      if (addresses.some(isBlockedAddress)) return callback(new BlockedAddressError(), Array.isArray(address) ? [] : '', family);
      callback(null, address, family);
    }) as never);
  }) as LookupFunction;
}

/** How long a creation-time DNS check may take before the name is accepted unchecked (delivery checks it again). */
const CREATION_LOOKUP_TIMEOUT_MS = 2_000;

/**
 * Creation-time check of a target host: literal addresses by their text, names
 * by resolving them now. A name that does not resolve yet is let through —
 * its DNS may not be set up — because every delivery checks again.
 */
export async function hostIsBlocked(hostname: string): Promise<boolean> {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (isIP(bare) !== 0) return isBlockedAddress(bare);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), CREATION_LOOKUP_TIMEOUT_MS);
  });
  try {
    const resolved = await Promise.race([dnsLookupAsync(bare, { all: true }).catch(() => undefined), timeout]);
    return resolved !== undefined && resolved.some((entry) => isBlockedAddress(entry.address));
  } finally {
    clearTimeout(timer);
  }
}

export interface PostRequest {
  url: URL;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  maxResponseBytes: number;
  /** HUASHU_WEBHOOK_ALLOW_PRIVATE: development and tests only. */
  allowPrivate: boolean;
  signal?: AbortSignal;
  /** Replaces DNS resolution (tests simulate a name that resolves to a private address). */
  resolve?: LookupFunction;
}

export interface PostResult {
  /** `null` when no HTTP answer came. */
  status: number | null;
  headers: http.IncomingHttpHeaders;
  /** The first `maxResponseBytes` of the answer, decoded as UTF-8. */
  body: string;
  durationMs: number;
  /** The error class when no answer came: `timeout`, `blocked_address`, `dns_error` … */
  error: string | null;
}

// One agent per protocol and policy, without keep-alive: every attempt
// resolves and checks its target afresh.
const filtering = { http: new RequestFilteringHttpAgent({ keepAlive: false }), https: new RequestFilteringHttpsAgent({ keepAlive: false }) };
const permissive = { http: new http.Agent({ keepAlive: false }), https: new https.Agent({ keepAlive: false }) };

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** What went wrong, as a class safe to store: never a message (it may quote hosts or addresses). */
export function classifyError(error: unknown): string {
  if (error instanceof BlockedAddressError) return 'blocked_address';
  if (error instanceof TimeoutError) return 'timeout';
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'EBLOCKED':
      return 'blocked_address';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return 'dns_error';
    case 'ECONNREFUSED':
      return 'connection_refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection_reset';
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
      return 'timeout';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'unreachable';
    case 'ABORT_ERR':
      return 'aborted';
    default:
      if (typeof code === 'string' && /^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_SSL)/.test(code)) return 'tls_error';
      // request-filtering-agent's own refusal carries no code.
      if (error instanceof Error && /is not allowed/.test(error.message)) return 'blocked_address';
      return 'network_error';
  }
}

/**
 * POSTs `body` to `url` and reads at most `maxResponseBytes` of the answer.
 * Never throws: a failure is a result with `error` set. The whole exchange —
 * DNS, connect, TLS, headers and the bounded body — must finish within
 * `timeoutMs`.
 */
export function postWebhook(request: PostRequest): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const finish = (result: Omit<PostResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (onAbort) request.signal?.removeEventListener('abort', onAbort);
      resolve({ ...result, durationMs: elapsed() });
    };
    const fail = (error: unknown) => finish({ status: null, headers: {}, body: '', error: classifyError(error) });

    const { url } = request;
    const isHttps = url.protocol === 'https:';
    if (!request.allowPrivate && isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0 && isBlockedAddress(url.hostname)) {
      return fail(new BlockedAddressError());
    }
    const agents = request.allowPrivate ? permissive : filtering;
    const lookup = request.allowPrivate ? request.resolve : guardedLookup(request.resolve);
    const req = (isHttps ? https : http).request(url, {
      method: 'POST',
      agent: isHttps ? agents.https : agents.http,
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      ...(lookup ? { lookup } : {}),
    });

    timer = setTimeout(() => req.destroy(new TimeoutError()), request.timeoutMs);
    onAbort = () => req.destroy(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }));
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });

    req.on('socket', (socket: Socket) => {
      if (request.allowPrivate) return;
      // The address actually connected to, whichever path produced it; first
      // among the connect listeners, so nothing is written to a refused peer.
      socket.prependOnceListener('connect', () => {
        if (socket.remoteAddress && isBlockedAddress(socket.remoteAddress)) req.destroy(new BlockedAddressError());
      });
    });
    req.on('error', fail);
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        finish({ status: response.statusCode ?? null, headers: response.headers, body: Buffer.concat(chunks).toString('utf8'), error: null });
        // Whatever else it sends is not read: the receiver's answer cannot fill our memory.
        response.destroy();
        req.destroy();
      };
      response.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = request.maxResponseBytes - size;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        size += Math.min(chunk.length, room);
        if (size >= request.maxResponseBytes) done();
      });
      response.on('end', done);
      // The status line arrived: a body cut short still counts as that status.
      response.on('error', done);
      response.on('aborted', done);
    });
    req.end(request.body);
  });
}
