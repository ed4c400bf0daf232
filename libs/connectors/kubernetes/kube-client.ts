import type { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { findEgressError } from '@libs/egress/egress.errors';
import type { OrgEgress } from '@libs/egress/org-egress';
import { existsSync, readFileSync } from 'node:fs';
import type { Agent, IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ConnectorConfigError } from '../connector';
import { isKubeHttpError, kubeSdk, type KubeHttpError, type KubeSdk } from './kube-sdk';

/**
 * Kubernetes access through `@kubernetes/client-node` 0.22 (the CommonJS line; 1.x is ESM-only).
 * The SDK is loaded on first use (kube-sdk). API failures surface as the SDK's `HttpError`
 * (`isKubeHttpError`: `statusCode`, `body`: the Kubernetes `Status`); network failures (refused,
 * DNS, TLS, timeout) as `KubeUnreachableError`.
 */
export interface KubernetesConfig {
  /** kubeconfig YAML (or a path to a kubeconfig file readable by the API process) */
  kubeconfig?: string;
  /** alias of `kubeconfig` holding YAML content */
  kubeconfig_data?: string;
  context?: string;
  server?: string;
  token?: string;
  /** PEM or base64 PEM of the cluster CA */
  ca_data?: string;
  insecure_skip_tls_verify?: boolean;
  in_cluster?: boolean;
  namespaces?: string[];
  timeout_ms?: number;
}

/** network-level failure (refused, DNS, TLS, timeout) */
export class KubeUnreachableError extends Error {
  constructor(
    message: string,
    readonly causeCode?: string,
  ) {
    super(message);
    this.name = 'KubeUnreachableError';
  }
}

/** The HTTP status of a Kubernetes API error, or undefined for anything else. */
export function kubeStatus(e: unknown): number | undefined {
  return isKubeHttpError(e) ? e.statusCode : undefined;
}

/** The `Status` object of a Kubernetes API error (the SDK leaves it unparsed on text responses). */
function statusBody(e: KubeHttpError): { message?: string; reason?: string } | undefined {
  let body: unknown = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return body && typeof body === 'object' ? (body as { message?: string; reason?: string }) : undefined;
}

/** The Kubernetes `Status` message and reason of an API error. */
export function kubeErrorInfo(e: KubeHttpError): { message: string; reason?: string } {
  const body = statusBody(e);
  const req = (
    e.response as (IncomingMessage & { request?: { method?: string; uri?: { pathname?: string } } }) | undefined
  )?.request;
  return {
    message: body?.message
      ? String(body.message)
      : `Kubernetes API ${req?.method ?? 'request'} ${req?.uri?.pathname ?? ''} failed with HTTP ${e.statusCode}`,
    reason: body?.reason,
  };
}

/** base64 of a PEM given as PEM or base64 PEM (the SDK's `*Data` fields are base64) */
function base64Pem(value: string | undefined): string | undefined {
  if (!value) {
    return undefined;
  }
  const v = value.trim();
  return v.includes('-----BEGIN') ? Buffer.from(v, 'utf8').toString('base64') : v;
}

function readLocalFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConnectorConfigError('shape', `kubeconfig references a file that cannot be read: ${path}`, {
      field: 'kubeconfig',
    });
  }
}

interface NamedEntry<T> {
  name: string;
  [k: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

/** A cluster + credentials to load as a one-context `KubeConfig`, or the pod's service account. */
type KubeTarget =
  | {
      cluster: { server: string; caData?: string; skipTLSVerify?: boolean };
      user: { token?: string; certData?: string; keyData?: string; username?: string; password?: string };
      namespace?: string;
    }
  | 'in_cluster';

/**
 * `fromFile`: the kubeconfig came from a file on the API host (operator-provisioned), so it may
 * reference other local files. Inline kubeconfigs from API callers may not: a `tokenFile` pointing at a
 * host secret would otherwise be sent to a server of the caller's choosing.
 *
 * The kubeconfig is parsed and vetted here, once, and the SDK gets the selected context's resolved
 * entries through `loadFromOptions`. (`KubeConfig.loadFromString` would re-parse the YAML with another
 * parser — which, e.g., expands `<<` merge keys this vetting would not see — and reads `token-file`
 * while parsing, before any check could run.)
 */
function parseKubeconfig(text: string, contextName: string | undefined, fromFile: boolean): KubeTarget {
  let doc: any;
  try {
    doc = parseYaml(text);
  } catch (e) {
    // never echo parser context for files: it would disclose the file's content
    throw new ConnectorConfigError('shape', 'kubeconfig is not valid YAML', {
      field: 'kubeconfig',
      ...(fromFile ? {} : { reason: (e as Error).message }),
    });
  }
  const readMaybeFile = (p: unknown): string | undefined => {
    if (typeof p !== 'string' || !p) {
      return undefined;
    }
    if (!fromFile) {
      throw new ConnectorConfigError(
        'shape',
        'an inline kubeconfig cannot reference local files; embed certificate-authority-data, client-*-data or token instead',
        { field: 'kubeconfig' },
      );
    }
    return readLocalFile(p);
  };
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.clusters)) {
    throw new ConnectorConfigError('shape', 'kubeconfig has no clusters', { field: 'kubeconfig' });
  }
  const contexts: NamedEntry<any>[] = Array.isArray(doc.contexts) ? doc.contexts : [];
  const wanted = contextName ?? doc['current-context'];
  let ctx: any;
  if (wanted) {
    ctx = contexts.find((c) => c?.name === wanted)?.context;
    if (!ctx) {
      throw new ConnectorConfigError('shape', `kubeconfig has no context named "${wanted}"`, {
        field: 'context',
        available_contexts: contexts.map((c) => c.name),
      });
    }
  } else if (contexts.length > 0) {
    ctx = contexts[0].context;
  }
  const clusters: NamedEntry<any>[] = doc.clusters;
  const users: NamedEntry<any>[] = Array.isArray(doc.users) ? doc.users : [];
  const cluster = (ctx ? clusters.find((c) => c?.name === ctx.cluster) : clusters[0])?.cluster;
  if (!cluster?.server) {
    throw new ConnectorConfigError('shape', 'kubeconfig context points to a cluster without a server', {
      field: 'kubeconfig',
    });
  }
  const user = (ctx ? users.find((u) => u?.name === ctx.user)?.user : users[0]?.user) ?? {};
  if (user.exec || user['auth-provider']) {
    throw new ConnectorConfigError(
      'shape',
      'kubeconfig exec/auth-provider credentials are not supported; use a token or client certificate',
      { field: 'kubeconfig' },
    );
  }
  const fileBase64 = (p: unknown) => {
    const content = readMaybeFile(p);
    return content === undefined ? undefined : Buffer.from(content, 'utf8').toString('base64');
  };
  return {
    cluster: {
      server: String(cluster.server),
      caData: base64Pem(cluster['certificate-authority-data']) ?? fileBase64(cluster['certificate-authority']),
      skipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
    },
    user: {
      token:
        user.token ??
        (user.tokenFile || user['token-file']
          ? readMaybeFile(user.tokenFile ?? user['token-file'])?.trim()
          : undefined),
      certData: base64Pem(user['client-certificate-data']) ?? fileBase64(user['client-certificate']),
      keyData: base64Pem(user['client-key-data']) ?? fileBase64(user['client-key']),
      username: user.username,
      password: user.password,
    },
    namespace: ctx?.namespace,
  };
}

/** Inline kubeconfig (YAML or JSON) as opposed to a path to a file on the API host. */
export function looksLikeKubeconfigYaml(kc: string): boolean {
  return kc.includes('\n') || kc.includes('clusters:') || kc.trim().startsWith('{');
}

/** Turns a source config into a `KubeConfig`; unusable configs throw `shape` errors before the SDK loads. */
async function resolveKubeConfig(config: KubernetesConfig): Promise<KubeConfig> {
  const target = kubeTarget(config);
  const { KubeConfig } = await kubeSdk();
  const kc = new KubeConfig();
  if (target === 'in_cluster') {
    kc.loadFromCluster();
    return kc;
  }
  const { cluster, user, namespace } = target;
  kc.loadFromOptions({
    clusters: [{ name: 'cluster', ...cluster, server: cluster.server.replace(/\/$/, '') }],
    users: [{ name: 'user', ...user }],
    contexts: [{ name: 'context', cluster: 'cluster', user: 'user', namespace }],
    currentContext: 'context',
  });
  return kc;
}

/** What a source config points at; throws `shape` errors for unusable configs. */
function kubeTarget(config: KubernetesConfig): KubeTarget {
  const kc = config.kubeconfig_data ?? config.kubeconfig;
  if (typeof kc === 'string' && kc.trim()) {
    const looksLikeYaml = looksLikeKubeconfigYaml(kc);
    if (!looksLikeYaml && existsSync(kc.trim())) {
      return parseKubeconfig(readFileSync(kc.trim(), 'utf8'), config.context, true);
    }
    if (!looksLikeYaml) {
      throw new ConnectorConfigError('shape', 'kubeconfig must be the kubeconfig YAML (or a readable file path)', {
        field: 'kubeconfig',
      });
    }
    return parseKubeconfig(kc, config.context, false);
  }
  if (config.in_cluster) {
    if (!process.env.KUBERNETES_SERVICE_HOST || !existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) {
      throw new ConnectorConfigError(
        'shape',
        'in_cluster is set but the process does not run inside a Kubernetes pod',
        { field: 'in_cluster' },
      );
    }
    return 'in_cluster';
  }
  if (typeof config.server === 'string' && config.server.trim()) {
    return {
      cluster: {
        server: config.server.trim(),
        caData: base64Pem(config.ca_data),
        skipTLSVerify: config.insecure_skip_tls_verify === true,
      },
      user: { token: config.token },
    };
  }
  throw new ConnectorConfigError(
    'shape',
    'kubernetes config needs `kubeconfig` (YAML), `server` (+ `token`), or `in_cluster: true`',
    {
      fields: ['kubeconfig', 'server'],
    },
  );
}

/** what node:http rejects with when its signal fires */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}

type SdkResponse = { response: IncomingMessage; body: unknown };

/** One page of a list call: `(continueToken, limit) => api.listX(...)`. */
export type ListPage = (cont: string | undefined, limit: number) => Promise<SdkResponse>;

/** What the SDK's `request` options get from the interceptor. */
interface RequestOptions {
  timeout?: number;
  agentOptions?: Record<string, unknown>;
  agent?: Agent;
  followRedirect?: boolean;
  proxy?: false;
  json?: boolean;
}

/**
 * The SDK's API clients for one source config, with its timeout and the caller's abort signal. Every
 * request goes through the org's egress guard: a guarded node:http(s) agent (the SDK's `request`
 * library applies the TLS options per request), no redirects (`request` would drop the agent on an
 * http/https switch) and no proxy from the environment (it would bypass the agent).
 */
export class KubeClient {
  readonly server: string;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  /** CoreV1Api for pod logs: keeps the body as text (the generated client would JSON-parse a JSON log line) */
  readonly logs: CoreV1Api;

  /** A client for a source config (loads the SDK on first use). */
  static async open(config: KubernetesConfig, egress: OrgEgress, signal?: AbortSignal): Promise<KubeClient> {
    const kc = await resolveKubeConfig(config);
    return new KubeClient(kc, await kubeSdk(), egress, config.timeout_ms ?? 30_000, signal);
  }

  private constructor(
    kc: KubeConfig,
    sdk: Pick<KubeSdk, 'AppsV1Api' | 'CoreV1Api'>,
    egress: OrgEgress,
    timeoutMs = 30_000,
    private readonly signal?: AbortSignal,
  ) {
    this.server = kc.getCurrentCluster()?.server ?? '';
    let base: URL;
    try {
      base = new URL(this.server);
    } catch {
      throw new ConnectorConfigError('shape', `invalid Kubernetes API server URL: ${this.server}`, { field: 'server' });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new ConnectorConfigError('shape', 'Kubernetes API server URL must be http(s)', { field: 'server' });
    }
    const prepare = (opts: RequestOptions) => {
      if (signal?.aborted) {
        throw abortError(signal);
      }
      opts.timeout = timeoutMs;
      // one-shot connections: Node 20's global agents keep sockets alive past the source's use
      const agentOptions = { ...opts.agentOptions, keepAlive: false };
      opts.agent = base.protocol === 'https:' ? egress.httpsAgent(agentOptions) : egress.httpAgent(agentOptions);
      opts.followRedirect = false;
      opts.proxy = false;
    };
    this.core = kc.makeApiClient(sdk.CoreV1Api);
    this.core.addInterceptor(prepare);
    this.apps = kc.makeApiClient(sdk.AppsV1Api);
    this.apps.addInterceptor(prepare);
    this.logs = kc.makeApiClient(sdk.CoreV1Api);
    this.logs.addInterceptor((opts: RequestOptions) => {
      prepare(opts);
      opts.json = false;
    });
  }

  /**
   * Awaits an SDK call and returns the body as the API sent it. (The SDK's typed models turn
   * timestamps into `Date`s; the connector reports the API's own values, so it reads the wire JSON.)
   */
  async call<T = any>(req: Promise<SdkResponse>): Promise<T> {
    try {
      const { response, body } = await this.abortable(req);
      return ((response as IncomingMessage & { body?: unknown }).body ?? body) as T;
    } catch (e) {
      if (isKubeHttpError(e) || (e instanceof Error && e.name === 'AbortError')) {
        throw e;
      }
      const refused = findEgressError(e);
      if (refused) {
        throw refused;
      }
      const err = e as NodeJS.ErrnoException;
      throw new KubeUnreachableError(
        `cannot reach Kubernetes API at ${new URL(this.server).origin}: ${err?.message ?? String(e)}`,
        err?.code,
      );
    }
  }

  /** Follows `metadata.continue` (500 items a page) until the list is complete. */
  async listAll<T = any>(page: ListPage): Promise<T[]> {
    const items: T[] = [];
    let cont: string | undefined;
    do {
      const res = await this.call<{ items?: T[]; metadata?: { continue?: string } }>(page(cont, 500));
      items.push(...(res.items ?? []));
      cont = res.metadata?.continue || undefined;
    } while (cont);
    return items;
  }

  /** the SDK cannot cancel an in-flight request: stop waiting for it when the caller aborts */
  private abortable<T>(p: Promise<T>): Promise<T> {
    const signal = this.signal;
    if (!signal) {
      return p;
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(abortError(signal));
      if (signal.aborted) {
        onAbort();
      }
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}
