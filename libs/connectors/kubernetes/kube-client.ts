import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { parse as parseYaml } from 'yaml';
import { ConnectorConfigError } from '../connector';

/**
 * Minimal Kubernetes REST client over node:http/https. (`@kubernetes/client-node` v1 is ESM-only and
 * cannot be loaded by the CommonJS build or jest, so the connector speaks the REST API directly.)
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

export interface KubeConnection {
  server: string;
  token?: string;
  username?: string;
  password?: string;
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  /** default namespace of the kubeconfig context */
  namespace?: string;
}

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** network-level failure (refused, DNS, TLS, timeout) */
export class KubeUnreachableError extends Error {
  constructor(message: string, readonly causeCode?: string) {
    super(message);
    this.name = 'KubeUnreachableError';
  }
}

function pem(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (v.includes('-----BEGIN')) return v;
  return Buffer.from(v, 'base64').toString('utf8');
}

function readLocalFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConnectorConfigError('shape', `kubeconfig references a file that cannot be read: ${path}`, { field: 'kubeconfig' });
  }
}

interface NamedEntry<T> { name: string; [k: string]: unknown; cluster?: T; user?: T; context?: T }

/**
 * `fromFile`: the kubeconfig came from a file on the API host (operator-provisioned), so it may
 * reference other local files. Inline kubeconfigs from API callers may not: a `tokenFile` pointing at a
 * host secret would otherwise be sent to a server of the caller's choosing.
 */
function parseKubeconfig(text: string, contextName: string | undefined, fromFile: boolean): KubeConnection {
  let doc: any;
  try {
    doc = parseYaml(text);
  } catch (e) {
    // never echo parser context for files: it would disclose the file's content
    throw new ConnectorConfigError('shape', 'kubeconfig is not valid YAML', { field: 'kubeconfig', ...(fromFile ? {} : { reason: (e as Error).message }) });
  }
  const readMaybeFile = (p: unknown): string | undefined => {
    if (typeof p !== 'string' || !p) return undefined;
    if (!fromFile) {
      throw new ConnectorConfigError('shape', 'an inline kubeconfig cannot reference local files; embed certificate-authority-data, client-*-data or token instead', { field: 'kubeconfig' });
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
    throw new ConnectorConfigError('shape', 'kubeconfig context points to a cluster without a server', { field: 'kubeconfig' });
  }
  const user = (ctx ? users.find((u) => u?.name === ctx.user)?.user : users[0]?.user) ?? {};
  if (user.exec || user['auth-provider']) {
    throw new ConnectorConfigError('shape', 'kubeconfig exec/auth-provider credentials are not supported; use a token or client certificate', { field: 'kubeconfig' });
  }
  return {
    server: String(cluster.server),
    ca: pem(cluster['certificate-authority-data']) ?? readMaybeFile(cluster['certificate-authority']),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    token: user.token ?? (user.tokenFile || user['token-file'] ? readMaybeFile(user.tokenFile ?? user['token-file'])?.trim() : undefined),
    cert: pem(user['client-certificate-data']) ?? readMaybeFile(user['client-certificate']),
    key: pem(user['client-key-data']) ?? readMaybeFile(user['client-key']),
    username: user.username,
    password: user.password,
    namespace: ctx?.namespace,
  };
}

/** Turns a source config into connection parameters; throws `shape` errors for unusable configs. */
export function resolveKubeConnection(config: KubernetesConfig): KubeConnection {
  const kc = config.kubeconfig_data ?? config.kubeconfig;
  if (typeof kc === 'string' && kc.trim()) {
    const looksLikeYaml = kc.includes('\n') || kc.includes('clusters:') || kc.trim().startsWith('{');
    if (!looksLikeYaml && existsSync(kc.trim())) return parseKubeconfig(readFileSync(kc.trim(), 'utf8'), config.context, true);
    if (!looksLikeYaml) {
      throw new ConnectorConfigError('shape', 'kubeconfig must be the kubeconfig YAML (or a readable file path)', { field: 'kubeconfig' });
    }
    return parseKubeconfig(kc, config.context, false);
  }
  if (config.in_cluster) {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
    const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
    if (!host || !existsSync(`${dir}/token`)) {
      throw new ConnectorConfigError('shape', 'in_cluster is set but the process does not run inside a Kubernetes pod', { field: 'in_cluster' });
    }
    return {
      server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
      token: readFileSync(`${dir}/token`, 'utf8').trim(),
      ca: existsSync(`${dir}/ca.crt`) ? readFileSync(`${dir}/ca.crt`, 'utf8') : undefined,
    };
  }
  if (typeof config.server === 'string' && config.server.trim()) {
    return {
      server: config.server.trim(),
      token: config.token,
      ca: pem(config.ca_data),
      insecure: config.insecure_skip_tls_verify === true,
    };
  }
  throw new ConnectorConfigError('shape', 'kubernetes config needs `kubeconfig` (YAML), `server` (+ `token`), or `in_cluster: true`', {
    fields: ['kubeconfig', 'server'],
  });
}

export interface KubeRequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** return the raw text body (pod logs) */
  text?: boolean;
  signal?: AbortSignal;
}

export class KubeClient {
  private readonly base: URL;
  private readonly agent: http.Agent | https.Agent;

  constructor(
    readonly conn: KubeConnection,
    private readonly timeoutMs = 30_000,
  ) {
    try {
      this.base = new URL(conn.server);
    } catch {
      throw new ConnectorConfigError('shape', `invalid Kubernetes API server URL: ${conn.server}`, { field: 'server' });
    }
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new ConnectorConfigError('shape', 'Kubernetes API server URL must be http(s)', { field: 'server' });
    }
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({ keepAlive: false, ca: conn.ca, cert: conn.cert, key: conn.key, rejectUnauthorized: !conn.insecure })
        : new http.Agent({ keepAlive: false });
  }

  get<T = any>(path: string, opts: KubeRequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, opts);
  }

  /** Follows `metadata.continue` until the list is complete (or `max` items are collected). */
  async listAll<T = any>(path: string, opts: KubeRequestOptions & { pageSize?: number; max?: number } = {}): Promise<T[]> {
    const items: T[] = [];
    let cont: string | undefined;
    do {
      const page = await this.get<{ items?: T[]; metadata?: { continue?: string } }>(path, {
        ...opts,
        query: { ...opts.query, limit: opts.pageSize ?? 500, continue: cont },
      });
      items.push(...(page.items ?? []));
      cont = page.metadata?.continue || undefined;
    } while (cont && (opts.max === undefined || items.length < opts.max));
    return opts.max === undefined ? items : items.slice(0, opts.max);
  }

  request<T = any>(method: string, path: string, opts: KubeRequestOptions = {}): Promise<T> {
    const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { Accept: opts.text ? 'text/plain, */*' : 'application/json' };
    if (this.conn.token) headers.Authorization = `Bearer ${this.conn.token}`;
    else if (this.conn.username) headers.Authorization = `Basic ${Buffer.from(`${this.conn.username}:${this.conn.password ?? ''}`).toString('base64')}`;
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.body));
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = mod.request(url, { method, headers, agent: this.agent, timeout: this.timeoutMs, signal: opts.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new KubeUnreachableError(e.message)));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            if (opts.text) return resolve(raw as unknown as T);
            try {
              return resolve((raw ? JSON.parse(raw) : {}) as T);
            } catch {
              return reject(new KubeApiError(status, `Kubernetes API returned a non-JSON body for ${method} ${path}`));
            }
          }
          let body: any;
          try {
            body = JSON.parse(raw);
          } catch {
            body = raw;
          }
          const msg = (body && typeof body === 'object' && body.message) || `Kubernetes API ${method} ${path} failed with HTTP ${status}`;
          reject(new KubeApiError(status, String(msg), body?.reason, body));
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`Kubernetes API timed out after ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.name === 'AbortError') return reject(e);
        reject(new KubeUnreachableError(`cannot reach Kubernetes API at ${this.base.origin}: ${e.message}`, e.code));
      });
      if (payload) req.write(payload);
      req.end();
    });
  }
}
