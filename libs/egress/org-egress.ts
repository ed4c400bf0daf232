import { lookup } from 'node:dns/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP, type Socket } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch, type Dispatcher } from 'undici';
import { EgressPolicy } from './egress-policy';
import { EgressForbiddenError, findEgressError } from './egress.errors';

export interface ResolvedAddress {
  /** the host name as given (brackets of IPv6 literals removed) */
  host: string;
  /** the checked address to connect to */
  address: string;
  family: 4 | 6;
}

export type EgressRefusalListener = (orgId: string, err: EgressForbiddenError) => void;

/** A `fetch` whose every connection (each redirect hop included) goes through the egress check. */
export type GuardedFetch = typeof globalThis.fetch;

/**
 * The egress guard bound to one org. Every outbound connection made on behalf of that org goes
 * through it: the host is resolved once, every address it resolves to is checked, and the socket is
 * opened to the checked address (no second DNS lookup between check and connect). Refusals throw
 * EgressForbiddenError (422 `egress_forbidden`) and are reported to the listener (audit).
 */
export class OrgEgress {
  private agent?: Agent;

  constructor(
    readonly orgId: string,
    private readonly policy: EgressPolicy,
    private readonly onRefused: EgressRefusalListener = () => undefined,
  ) {}

  /** Resolves `host` and checks every address; the first one is the one to connect to. */
  async resolve(host: string): Promise<ResolvedAddress> {
    const name = stripBrackets(host);
    let addrs: { address: string; family: number }[];
    try {
      addrs = await lookup(name, { all: true, verbatim: true });
    } catch (e) {
      throw Object.assign(new Error(`cannot resolve ${name}: ${(e as Error).message}`), {
        code: 'ENOTFOUND',
        cause: e,
      });
    }
    if (!addrs.length) {
      throw Object.assign(new Error(`cannot resolve ${name}`), { code: 'ENOTFOUND' });
    }
    for (const a of addrs) {
      const verdict = this.policy.check(name, a.address);
      if (!verdict.allowed) {
        throw this.refuse(new EgressForbiddenError(name, a.address, verdict.reason));
      }
    }
    return { host: name, address: addrs[0].address, family: addrs[0].family === 6 ? 6 : 4 };
  }

  /** Checks a URL before it is handed to a client: http(s) only, host resolved and checked. */
  async checkUrl(url: string | URL, protocols: readonly string[] = ['http:', 'https:']): Promise<ResolvedAddress> {
    let u: URL;
    try {
      u = typeof url === 'string' ? new URL(url) : url;
    } catch {
      throw this.refuse(new EgressForbiddenError(String(url), null, 'invalid_url'));
    }
    if (!protocols.includes(u.protocol)) {
      throw this.refuse(
        new EgressForbiddenError(u.host || String(url), null, `protocol_${u.protocol.replace(':', '')}`),
      );
    }
    return this.resolve(u.hostname);
  }

  /** undici dispatcher whose connector checks the destination of every new connection. */
  get dispatcher(): Dispatcher {
    if (!this.agent) {
      const base = buildConnector({});
      this.agent = new Agent({
        connect: (opts, cb) => {
          this.resolve(opts.hostname).then(
            ({ host, address }) =>
              base({ ...opts, hostname: address, servername: opts.servername ?? (isIP(host) ? undefined : host) }, cb),
            (err: Error) => cb(err, null),
          );
        },
      });
    }
    return this.agent;
  }

  /**
   * fetch through the guard. Redirects are followed by undici and each new connection is checked
   * again; a refusal anywhere surfaces as the EgressForbiddenError itself, not as "fetch failed".
   */
  readonly fetch: GuardedFetch = (async (input: Parameters<GuardedFetch>[0], init?: RequestInit) => {
    try {
      return await undiciFetch(input as never, { ...(init as object), dispatcher: this.dispatcher } as never);
    } catch (e) {
      throw findEgressError(e) ?? e;
    }
  }) as unknown as GuardedFetch;

  /** node:http(s) agents for clients built on `http.request` (the check runs before each socket opens). */
  httpAgent(options: http.AgentOptions = {}): http.Agent {
    return this.guardAgent(new http.Agent(options));
  }

  httpsAgent(options: https.AgentOptions = {}): https.Agent {
    return this.guardAgent(new https.Agent(options));
  }

  async close(): Promise<void> {
    await this.agent?.close();
    this.agent = undefined;
  }

  /** Like close, but aborts requests still in flight (an open event stream would keep close waiting). */
  async destroy(): Promise<void> {
    await this.agent?.destroy();
    this.agent = undefined;
  }

  private guardAgent<A extends http.Agent>(agent: A): A {
    const create = (agent as unknown as { createConnection: CreateConnection }).createConnection.bind(agent);
    (agent as unknown as { createConnection: CreateConnection }).createConnection = (opts, done) => {
      const host = String(opts.host ?? opts.hostname ?? 'localhost');
      this.resolve(host).then(
        ({ address, host: name }) => {
          try {
            const socket = create(
              { ...opts, host: address, servername: opts.servername ?? (isIP(name) ? undefined : name) },
              done,
            );
            if (socket) {
              done(null, socket);
            }
          } catch (e) {
            done(e as Error, undefined as unknown as Socket);
          }
        },
        (err: Error) => done(err, undefined as unknown as Socket),
      );
      return undefined;
    };
    return agent;
  }

  private refuse(err: EgressForbiddenError): EgressForbiddenError {
    this.onRefused(this.orgId, err);
    return err;
  }
}

type CreateConnection = (
  opts: { host?: string | null; hostname?: string | null; servername?: string; [k: string]: unknown },
  done: (err: Error | null, socket: Socket) => void,
) => Socket | undefined;

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
