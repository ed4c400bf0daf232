/**
 * The one reverse proxy of the code base (node:http): the OpenFang gateway, the remote CIAB
 * proxy and the sandbox preview proxy all forward through it.
 *
 * - request and response bodies stream; a JSON response is buffered only when `transformJson`
 *   is given (tenant filtering); `text/event-stream` is flushed chunk by chunk;
 * - hop-by-hop headers, the headers named in `Connection` and `target.stripHeaders` are dropped,
 *   `target.headers` are added;
 * - connect timeout (default 5 s) and read timeout (default 60 s, idle time between chunks; SSE
 *   responses have none once their headers arrived): an upstream that cannot be reached or does
 *   not start answering in time → `ServiceUnavailableException` `sidecar_unavailable`
 *   (`details.service`), or `target.unreachableError()`.
 */
import { AppException, ServiceUnavailableException } from '@libs/errors';
import { refuseUpgrade } from '@libs/http/refuse-upgrade';
import {
  request as httpRequest,
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type RequestOptions,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface ProxyTarget {
  /** name reported in `details.service` of a 503 */
  service: string;
  connect: { host: string; port: number } | { socketPath: string };
  tls?: boolean;
  /** path + query sent upstream (must start with `/`) */
  path: string;
  /** added to (and overriding) the forwarded request headers */
  headers?: Record<string, string>;
  /** request headers never forwarded (case-insensitive), beside the hop-by-hop ones */
  stripHeaders?: string[];
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  /** error thrown when the upstream cannot be reached (default: 503 sidecar_unavailable) */
  unreachableError?: () => Error;
}

export interface ProxyOptions {
  /** JSON responses are buffered, parsed and replaced by what this returns (re-serialised) */
  transformJson?: (body: unknown, status: number) => unknown;
  /** rewrites the upstream `Location` response header */
  rewriteLocation?: (location: string) => string;
  /** response headers added to (and overriding) the upstream ones */
  setHeaders?: Record<string, string | string[]>;
  /**
   * With `transformJson`: a successful (< 400) answer with a body that is not JSON is refused
   * (502 `bad_gateway`) instead of passed untransformed (the transform is a filter that must not
   * be bypassed).
   */
  requireJson?: boolean;
  /** upstream response headers never passed to the caller (e.g. `set-cookie`) */
  dropResponseHeaders?: string[];
  /** sent instead of the caller's body (e.g. a JSON body the gateway rewrote) */
  body?: Buffer;
  /**
   * Awaited once the upstream status is known, before anything is written to the caller (after
   * `transformJson`): e.g. an audit entry the caller can read as soon as it has the answer.
   */
  beforeRespond?: (status: number) => unknown;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_READ_TIMEOUT_MS = 60_000;
/** a JSON body larger than this is not transformed but refused (502), never streamed unfiltered */
export const MAX_TRANSFORM_BYTES = 32 * 1024 * 1024;

/** RFC 9110 §7.6.1 connection-specific headers plus the de-facto ones proxies drop. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/** Headers to forward: hop-by-hop ones, those listed in `Connection` and `strip` are dropped. */
export function forwardHeaders(
  incoming: IncomingHttpHeaders,
  strip: string[] = [],
  add: Record<string, string> = {},
): OutgoingHttpHeaders {
  const drop = new Set([...HOP_BY_HOP, ...strip.map((h) => h.toLowerCase())]);
  for (const h of String(incoming.connection ?? '').split(',')) {
    const name = h.trim().toLowerCase();
    if (name && name !== 'close' && name !== 'keep-alive') {
      drop.add(name);
    }
  }
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value !== undefined && !drop.has(name)) {
      out[name] = value;
    }
  }
  for (const [name, value] of Object.entries(add)) {
    out[name.toLowerCase()] = value;
  }
  return out;
}

function responseHeaders(upstream: IncomingMessage, opts: ProxyOptions): OutgoingHttpHeaders {
  const headers = forwardHeaders(upstream.headers, opts.dropResponseHeaders);
  if (opts.rewriteLocation && typeof headers.location === 'string') {
    headers.location = opts.rewriteLocation(headers.location);
  }
  for (const [name, value] of Object.entries(opts.setHeaders ?? {})) {
    const key = name.toLowerCase();
    const prev = headers[key];
    // cookies accumulate; anything else is replaced
    if (key === 'set-cookie' && prev !== undefined) {
      headers[key] = [...(Array.isArray(prev) ? prev : [String(prev)]), ...(Array.isArray(value) ? value : [value])];
    } else {
      headers[key] = value;
    }
  }
  return headers;
}

function unreachable(target: ProxyTarget, reason: string): Error {
  if (target.unreachableError) {
    return target.unreachableError();
  }
  return new ServiceUnavailableException(
    `The ${target.service} service is unavailable`,
    { service: target.service, reason },
    'sidecar_unavailable',
  );
}

function isJson(contentType: string | undefined): boolean {
  return !!contentType && /^application\/(?:[\w.+-]*\+)?json\b/i.test(contentType);
}

function isEventStream(contentType: string | undefined): boolean {
  return !!contentType && /^text\/event-stream\b/i.test(contentType);
}

/** The request body: what the body parser already read (raw bytes), or the stream itself. */
function bodySource(req: IncomingMessage): Buffer | null | 'stream' {
  const parsed = req as IncomingMessage & { rawBody?: Buffer; body?: unknown };
  if (Buffer.isBuffer(parsed.rawBody)) {
    return parsed.rawBody;
  }
  if (req.readableEnded || req.complete) {
    if (Buffer.isBuffer(parsed.body)) {
      return parsed.body;
    }
    return null;
  }
  return 'stream';
}

function requestOptions(req: IncomingMessage, target: ProxyTarget, headers: OutgoingHttpHeaders): RequestOptions {
  const base: RequestOptions = {
    method: req.method,
    path: target.path,
    headers,
    agent: false,
  };
  if ('socketPath' in target.connect) {
    return { ...base, socketPath: target.connect.socketPath };
  }
  return { ...base, host: target.connect.host, port: target.connect.port };
}

/** Arms the connect timeout on the request's socket. */
export function armConnectTimeout(upReq: ClientRequest, ms: number, onTimeout: () => void): void {
  upReq.once('socket', (socket: Socket) => {
    if (!socket.connecting) {
      return;
    }
    const timer = setTimeout(onTimeout, ms);
    socket.once('connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
  });
}

/**
 * Forwards `req` to the target and streams the answer into `res`. Resolves when the response
 * has been written (or the client went away); rejects, before anything was written, when the
 * upstream cannot be reached or does not answer in time.
 */
export function proxyHttp(
  req: IncomingMessage,
  res: ServerResponse,
  target: ProxyTarget,
  opts: ProxyOptions = {},
): Promise<void> {
  const connectTimeout = target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const readTimeout = target.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const body = opts.body ?? bodySource(req);
  const headers = forwardHeaders(req.headers, target.stripHeaders, target.headers);
  if (body !== 'stream') {
    delete headers['content-length'];
    if (body && body.length > 0) {
      headers['content-length'] = String(body.length);
    } else if (!['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(req.method ?? 'GET')) {
      headers['content-length'] = '0';
    }
  }

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let responded = false;
    const done = (err?: Error) => {
      if (settled) {
        return;
      }
      settled = true;
      if (err) {
        reject(err);
      } else {
        resolve();
      }
    };
    const send = target.tls ? httpsRequest : httpRequest;
    const upReq = send(requestOptions(req, target, headers));

    const fail = (reason: string) => {
      upReq.destroy();
      if (!responded) {
        done(unreachable(target, reason));
      } else {
        res.destroy();
        done();
      }
    };
    armConnectTimeout(upReq, connectTimeout, () => fail('connect_timeout'));
    upReq.setTimeout(readTimeout, () => fail('read_timeout'));
    upReq.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? 'error'));

    // the caller hung up: stop the upstream work too
    res.once('close', () => {
      if (!res.writableFinished) {
        upReq.destroy();
        done();
      }
    });

    upReq.on('response', (upRes) => {
      responded = true;
      const contentType = upRes.headers['content-type'];
      if (isEventStream(contentType)) {
        upReq.setTimeout(0);
      }
      upRes.on('error', () => {
        res.destroy();
        done();
      });
      if (opts.transformJson && isJson(contentType) && req.method !== 'HEAD') {
        bufferAndTransform(upRes, res, opts, done);
        return;
      }
      const status = upRes.statusCode ?? 502;
      const bodyless = status === 204 || status === 304 || upRes.headers['content-length'] === '0';
      if (opts.transformJson && opts.requireJson && status < 400 && !bodyless && req.method !== 'HEAD') {
        upRes.destroy();
        done(
          new AppException(
            502,
            'bad_gateway',
            `The ${target.service} service answered with an unexpected content type`,
          ),
        );
        return;
      }
      void Promise.resolve()
        .then(() => opts.beforeRespond?.(status))
        .then(
          () => {
            res.writeHead(status, responseHeaders(upRes, opts));
            if (isEventStream(contentType)) {
              res.flushHeaders();
            }
            upRes.pipe(res);
            res.once('finish', () => done());
          },
          (err: Error) => {
            upRes.destroy();
            done(err);
          },
        );
    });

    if (body === 'stream') {
      req.pipe(upReq);
      req.once('aborted', () => upReq.destroy());
    } else {
      upReq.end(body && body.length > 0 ? body : undefined);
    }
  });
}

function bufferAndTransform(
  upRes: IncomingMessage,
  res: ServerResponse,
  opts: ProxyOptions,
  done: (err?: Error) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  upRes.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_TRANSFORM_BYTES) {
      tooLarge = true;
      upRes.destroy();
      done(new AppException(502, 'upstream_response_too_large', 'The upstream response is too large'));
      return;
    }
    chunks.push(c);
  });
  upRes.on('end', () => {
    if (tooLarge) {
      return;
    }
    const status = upRes.statusCode ?? 502;
    const raw = Buffer.concat(chunks);
    let out: Buffer = raw;
    if (raw.length > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        done(new AppException(502, 'bad_gateway', 'The upstream answered with malformed JSON'));
        return;
      }
      try {
        out = Buffer.from(JSON.stringify(opts.transformJson!(parsed, status)) ?? 'null', 'utf8');
      } catch (err) {
        done(err as Error); // an AppException from the transform (e.g. 404 for another org's object)
        return;
      }
    }
    const headers = responseHeaders(upRes, opts);
    delete headers['content-encoding'];
    headers['content-length'] = String(out.length);
    void Promise.resolve()
      .then(() => opts.beforeRespond?.(status))
      .then(
        () => {
          res.writeHead(status, headers);
          res.end(out);
          res.once('finish', () => done());
        },
        (err: Error) => done(err),
      );
  });
}

/**
 * Forwards an upgrade request (WebSocket or any other protocol) and splices the two sockets
 * together once the upstream answered `101`. Any other answer is relayed to the client as is.
 * An unreachable upstream answers `502` (or `503` sidecar_unavailable when the target has no
 * own error) on the raw socket.
 */
export function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: ProxyTarget): void {
  const connectTimeout = target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const headers = forwardHeaders(req.headers, target.stripHeaders, target.headers);
  // an upgrade needs its own hop-by-hop headers
  headers.connection = 'Upgrade';
  if (req.headers.upgrade) {
    headers.upgrade = req.headers.upgrade;
  }
  const send = target.tls ? httpsRequest : httpRequest;
  const upReq = send(requestOptions(req, target, headers));
  let answered = false;

  const refuse = (reason: string) => {
    upReq.destroy();
    if (answered || socket.destroyed) {
      socket.destroy();
      return;
    }
    answered = true;
    const err = unreachable(target, reason);
    const status = err instanceof AppException ? err.status : 502;
    const code = err instanceof AppException ? err.code : 'bad_gateway';
    refuseUpgrade(socket, status, code, err.message);
  };
  armConnectTimeout(upReq, connectTimeout, () => refuse('connect_timeout'));
  upReq.on('error', (err: NodeJS.ErrnoException) => refuse(err.code ?? 'error'));
  socket.on('error', () => upReq.destroy());
  socket.once('close', () => upReq.destroy());

  upReq.on('upgrade', (upRes, upSocket, upHead) => {
    answered = true;
    const lines = [`HTTP/1.1 101 ${upRes.statusMessage ?? 'Switching Protocols'}`];
    for (let i = 0; i < upRes.rawHeaders.length; i += 2) {
      lines.push(`${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}`);
    }
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (upHead.length > 0) {
      socket.write(upHead);
    }
    if (head.length > 0) {
      upSocket.write(head);
    }
    upSocket.on('error', () => socket.destroy());
    socket.on('error', () => upSocket.destroy());
    upSocket.once('close', () => socket.destroy());
    socket.once('close', () => upSocket.destroy());
    upSocket.pipe(socket).pipe(upSocket);
  });

  // the upstream refused the upgrade: relay its answer
  upReq.on('response', (upRes) => {
    answered = true;
    const lines = [`HTTP/1.1 ${upRes.statusCode ?? 502} ${upRes.statusMessage ?? ''}`];
    const h = forwardHeaders(upRes.headers);
    for (const [name, value] of Object.entries(h)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        lines.push(`${name}: ${String(v)}`);
      }
    }
    lines.push('connection: close');
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    upRes.pipe(socket);
  });

  upReq.end();
}
