import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A small in-memory HTTP server that answers like the Kubernetes REST API (core/v1 + apps/v1) for the
 * endpoints the kubernetes connector uses. For tests and local demos only (plain http, loopback).
 */
export interface FakeKubeApi {
  url: string;
  token: string;
  requests: { method: string; path: string; query: Record<string, string>; contentType?: string; body?: any }[];
  state: FakeKubeState;
  close(): Promise<void>;
}

export interface FakeKubeState {
  namespaces: any[];
  nodes: any[];
  deployments: any[];
  replicasets: any[];
  pods: any[];
  services: any[];
  events: any[];
  logs: Record<string, string>;
}

const ts = '2026-11-20T10:00:00Z';
let uidSeq = 0;
const uid = () => `00000000-0000-4000-8000-${String(++uidSeq).padStart(12, '0')}`;

function meta(name: string, namespace?: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    uid: uid(),
    resourceVersion: String(1000 + uidSeq),
    creationTimestamp: ts,
    ...extra,
  };
}

function pod(
  ns: string,
  name: string,
  node: string,
  opts: { app: string; rs?: string; phase?: string; ready?: boolean; restarts?: number; waiting?: string },
) {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: meta(name, ns, {
      labels: { app: opts.app, ...(opts.rs ? { 'pod-template-hash': opts.rs.split('-').pop() } : {}) },
      ...(opts.rs
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: opts.rs,
                uid: 'rs-uid',
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          }
        : {}),
    }),
    spec: {
      nodeName: node,
      containers: [
        {
          name: opts.app,
          image: `registry.example.com/${opts.app}:1.4.2`,
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
        },
      ],
      restartPolicy: 'Always',
    },
    status: {
      phase: opts.phase ?? 'Running',
      podIP: `10.244.1.${10 + uidSeq}`,
      hostIP: '192.168.1.10',
      startTime: ts,
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: ts },
        { type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: ts },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: ts },
      ],
      containerStatuses: [
        {
          name: opts.app,
          image: `registry.example.com/${opts.app}:1.4.2`,
          ready: opts.ready !== false,
          restartCount: opts.restarts ?? 0,
          started: opts.ready !== false,
          state: opts.waiting
            ? { waiting: { reason: opts.waiting, message: 'back-off 5m0s restarting failed container' } }
            : { running: { startedAt: ts } },
        },
      ],
    },
  };
}

export function defaultFakeKubeState(): FakeKubeState {
  const ns = (name: string) => ({
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: meta(name, undefined, { labels: { 'kubernetes.io/metadata.name': name } }),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });
  const node = (name: string, role: string, ip: string) => ({
    kind: 'Node',
    apiVersion: 'v1',
    metadata: meta(name, undefined, {
      labels: { 'kubernetes.io/hostname': name, [`node-role.kubernetes.io/${role}`]: '' },
    }),
    spec: { podCIDR: '10.244.1.0/24' },
    status: {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        kubeletVersion: 'v1.31.2',
        osImage: 'Ubuntu 24.04.1 LTS',
        containerRuntimeVersion: 'containerd://1.7.22',
        architecture: 'amd64',
      },
    },
  });
  const deployment = (nsName: string, name: string, replicas: number, ready: number) => ({
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: meta(name, nsName, { generation: 3, labels: { app: name } }),
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: `registry.example.com/${name}:1.4.2` }] },
      },
    },
    status: {
      observedGeneration: 3,
      replicas,
      readyReplicas: ready,
      updatedReplicas: replicas,
      availableReplicas: ready,
    },
  });
  const rs = (nsName: string, name: string, dep: string, replicas: number) => ({
    kind: 'ReplicaSet',
    apiVersion: 'apps/v1',
    metadata: meta(name, nsName, {
      labels: { app: dep },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: dep, uid: 'dep-uid', controller: true }],
    }),
    spec: { replicas, selector: { matchLabels: { app: dep } } },
    status: { replicas, readyReplicas: replicas },
  });
  const svc = (nsName: string, name: string, app: string) => ({
    kind: 'Service',
    apiVersion: 'v1',
    metadata: meta(name, nsName),
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.96.12.34',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
      selector: { app },
    },
  });
  return {
    namespaces: [ns('default'), ns('kube-system'), ns('prod')],
    nodes: [node('node-a', 'control-plane', '192.168.1.10'), node('node-b', 'worker', '192.168.1.11')],
    deployments: [deployment('prod', 'web', 2, 2), deployment('prod', 'worker', 1, 0)],
    replicasets: [rs('prod', 'web-7d9f8b6c5d', 'web', 2), rs('prod', 'worker-5c6b7d8e9f', 'worker', 1)],
    pods: [
      pod('prod', 'web-7d9f8b6c5d-abcde', 'node-a', { app: 'web', rs: 'web-7d9f8b6c5d' }),
      pod('prod', 'web-7d9f8b6c5d-fghij', 'node-b', { app: 'web', rs: 'web-7d9f8b6c5d' }),
      pod('prod', 'worker-5c6b7d8e9f-klmno', 'node-b', {
        app: 'worker',
        rs: 'worker-5c6b7d8e9f',
        ready: false,
        restarts: 7,
        waiting: 'CrashLoopBackOff',
      }),
      pod('kube-system', 'coredns-6f6b679f8f-pqrst', 'node-a', { app: 'coredns' }),
    ],
    services: [svc('prod', 'web', 'web'), svc('kube-system', 'kube-dns', 'coredns')],
    events: [
      {
        kind: 'Event',
        apiVersion: 'v1',
        metadata: meta('worker-5c6b7d8e9f-klmno.17a1', 'prod'),
        involvedObject: {
          kind: 'Pod',
          namespace: 'prod',
          name: 'worker-5c6b7d8e9f-klmno',
          apiVersion: 'v1',
          fieldPath: 'spec.containers{worker}',
        },
        reason: 'BackOff',
        message: 'Back-off restarting failed container worker in pod worker-5c6b7d8e9f-klmno_prod',
        source: { component: 'kubelet', host: 'node-b' },
        firstTimestamp: '2026-11-20T09:00:00Z',
        lastTimestamp: '2026-11-20T10:05:00Z',
        count: 42,
        type: 'Warning',
      },
      {
        kind: 'Event',
        apiVersion: 'v1',
        metadata: meta('web-7d9f8b6c5d-abcde.17a2', 'prod'),
        involvedObject: { kind: 'Pod', namespace: 'prod', name: 'web-7d9f8b6c5d-abcde', apiVersion: 'v1' },
        reason: 'Pulled',
        message: 'Container image "registry.example.com/web:1.4.2" already present on machine',
        source: { component: 'kubelet', host: 'node-a' },
        firstTimestamp: '2026-11-20T08:00:00Z',
        lastTimestamp: '2026-11-20T08:00:00Z',
        count: 1,
        type: 'Normal',
      },
    ],
    logs: {
      'prod/web-7d9f8b6c5d-abcde':
        Array.from(
          { length: 50 },
          (_, i) => `2026-11-20T10:00:${String(i).padStart(2, '0')}Z GET /healthz 200 ${i}`,
        ).join('\n') + '\n',
      'prod/worker-5c6b7d8e9f-klmno': 'starting worker\nError: connect ECONNREFUSED 10.96.0.20:5432\n',
    },
  };
}

function list(kind: string, apiVersion: string, all: any[], query: Record<string, string>) {
  let items = all;
  if (query.labelSelector) {
    const sel = query.labelSelector.split(',').map((p) => p.split('='));
    items = items.filter((o) => sel.every(([k, v]) => o.metadata?.labels?.[k] === v));
  }
  const limit = query.limit ? Number(query.limit) : items.length || 1;
  const offset = query.continue ? Number(Buffer.from(query.continue, 'base64').toString()) : 0;
  const page = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? Buffer.from(String(offset + limit)).toString('base64') : undefined;
  return {
    kind: `${kind}List`,
    apiVersion,
    metadata: {
      resourceVersion: '123456',
      ...(next ? { continue: next, remainingItemCount: items.length - offset - limit } : {}),
    },
    items: page,
  };
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/**
 * Starts the fake. Tokens: `token` (full access), `ns-only-token` (403 on cluster-wide and
 * namespace lists, allowed in `prod`), anything else → 401.
 */
export async function startFakeKubeApi(
  state: FakeKubeState = defaultFakeKubeState(),
  tls?: { key: string; cert: string },
): Promise<FakeKubeApi> {
  const token = 'fake-kube-token';
  const requests: FakeKubeApi['requests'] = [];
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const query = Object.fromEntries(url.searchParams.entries());
      const raw = Buffer.concat(chunks).toString();
      let body: any;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        query,
        contentType: req.headers['content-type'],
        body,
      });
      const send = (code: number, obj: unknown) => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      const auth = req.headers.authorization ?? '';
      const nsOnly = auth === 'Bearer ns-only-token';
      if (auth !== `Bearer ${token}` && !nsOnly) {
        return send(401, status(401, 'Unauthorized', 'Unauthorized'));
      }
      const p = url.pathname;
      let m: RegExpMatchArray | null;
      const forbidden = (what: string) =>
        send(
          403,
          status(
            403,
            'Forbidden',
            `${what} is forbidden: User "system:serviceaccount:prod:agentcy" cannot list resource in API group at the cluster scope`,
          ),
        );

      const byNs = (arr: any[], ns: string) => arr.filter((o) => o.metadata.namespace === ns);
      const find = (arr: any[], ns: string, name: string) =>
        arr.find((o) => o.metadata.namespace === ns && o.metadata.name === name);

      if (req.method === 'GET') {
        if (p === '/api/v1/namespaces') {
          return nsOnly ? forbidden('namespaces') : send(200, list('Namespace', 'v1', state.namespaces, query));
        }
        if ((m = p.match(/^\/api\/v1\/namespaces\/([^/]+)$/))) {
          const ns = state.namespaces.find((n) => n.metadata.name === m![1]);
          if (nsOnly && m[1] !== 'prod') {
            return forbidden('namespaces');
          }
          return ns ? send(200, ns) : send(404, status(404, 'NotFound', `namespaces "${m[1]}" not found`));
        }
        if (p === '/api/v1/nodes') {
          return nsOnly ? forbidden('nodes') : send(200, list('Node', 'v1', state.nodes, query));
        }
        const clusterWide: Record<string, [string, string, any[]]> = {
          '/api/v1/pods': ['Pod', 'v1', state.pods],
          '/api/v1/services': ['Service', 'v1', state.services],
          '/apis/apps/v1/deployments': ['Deployment', 'apps/v1', state.deployments],
          '/apis/apps/v1/replicasets': ['ReplicaSet', 'apps/v1', state.replicasets],
          '/api/v1/events': ['Event', 'v1', state.events],
        };
        if (clusterWide[p]) {
          return nsOnly
            ? forbidden(p)
            : send(200, list(clusterWide[p][0], clusterWide[p][1], clusterWide[p][2], query));
        }
        if (
          (m = p.match(
            /^\/(api\/v1|apis\/apps\/v1)\/namespaces\/([^/]+)\/(pods|services|deployments|replicasets|events)$/,
          ))
        ) {
          if (nsOnly && m[2] !== 'prod') {
            return forbidden(m[3]);
          }
          const arr = (state as any)[m[3]] as any[];
          const kind = (
            {
              pods: 'Pod',
              services: 'Service',
              deployments: 'Deployment',
              replicasets: 'ReplicaSet',
              events: 'Event',
            } as Record<string, string>
          )[m[3]];
          return send(200, list(kind, m[1] === 'api/v1' ? 'v1' : 'apps/v1', byNs(arr, m[2]), query));
        }
        if ((m = p.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/))) {
          const pd = find(state.pods, m[1], m[2]);
          if (!pd) {
            return send(404, status(404, 'NotFound', `pods "${m[2]}" not found`));
          }
          const names: string[] = pd.spec.containers.map((c: any) => c.name);
          if (names.length > 1 && !query.container) {
            return send(
              400,
              status(
                400,
                'BadRequest',
                `a container name must be specified for pod ${m[2]}, choose one of: [${names.join(' ')}]`,
              ),
            );
          }
          if (query.container && !names.includes(query.container)) {
            return send(400, status(400, 'BadRequest', `container ${query.container} is not valid for pod ${m[2]}`));
          }
          let text = state.logs[`${m[1]}/${m[2]}${names.length > 1 ? `/${query.container}` : ''}`] ?? '';
          if (query.tailLines) {
            const lines = text.replace(/\n$/, '').split('\n');
            text = lines.slice(-Number(query.tailLines)).join('\n') + '\n';
          }
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          return res.end(text);
        }
        if ((m = p.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/))) {
          const pd = find(state.pods, m[1], m[2]);
          return pd ? send(200, pd) : send(404, status(404, 'NotFound', `pods "${m[2]}" not found`));
        }
        if ((m = p.match(/^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)\/scale$/))) {
          const d = find(state.deployments, m[1], m[2]);
          if (!d) {
            return send(404, status(404, 'NotFound', `deployments.apps "${m[2]}" not found`));
          }
          return send(200, {
            kind: 'Scale',
            apiVersion: 'autoscaling/v1',
            metadata: { name: m[2], namespace: m[1] },
            spec: { replicas: d.spec.replicas },
            status: { replicas: d.status.replicas, selector: `app=${m[2]}` },
          });
        }
      }
      if (req.method === 'PATCH') {
        const ct = req.headers['content-type'] ?? '';
        if (!/application\/(merge-patch|strategic-merge-patch|json-patch)\+json/.test(ct)) {
          return send(
            415,
            status(
              415,
              'UnsupportedMediaType',
              `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
            ),
          );
        }
        if ((m = p.match(/^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)\/scale$/))) {
          const d = find(state.deployments, m[1], m[2]);
          if (!d) {
            return send(404, status(404, 'NotFound', `deployments.apps "${m[2]}" not found`));
          }
          if (typeof body?.spec?.replicas !== 'number') {
            return send(422, status(422, 'Invalid', 'spec.replicas: Required value'));
          }
          d.spec.replicas = body.spec.replicas;
          d.metadata.generation += 1;
          return send(200, {
            kind: 'Scale',
            apiVersion: 'autoscaling/v1',
            metadata: { name: m[2], namespace: m[1] },
            spec: { replicas: d.spec.replicas },
            status: { replicas: d.status.replicas },
          });
        }
        if ((m = p.match(/^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)$/))) {
          const d = find(state.deployments, m[1], m[2]);
          if (!d) {
            return send(404, status(404, 'NotFound', `deployments.apps "${m[2]}" not found`));
          }
          const ann = body?.spec?.template?.metadata?.annotations ?? {};
          d.spec.template.metadata.annotations = { ...(d.spec.template.metadata.annotations ?? {}), ...ann };
          d.metadata.generation += 1;
          return send(200, d);
        }
      }
      if (req.method === 'DELETE' && (m = p.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/))) {
        const pd = find(state.pods, m[1], m[2]);
        if (!pd) {
          return send(404, status(404, 'NotFound', `pods "${m[2]}" not found`));
        }
        state.pods = state.pods.filter((x) => x !== pd);
        return send(200, { ...pd, metadata: { ...pd.metadata, deletionTimestamp: new Date().toISOString() } });
      }
      send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    });
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    token,
    requests,
    state,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
