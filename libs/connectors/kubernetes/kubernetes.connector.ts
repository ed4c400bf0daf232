import { HttpError, PatchUtils } from '@kubernetes/client-node';
import { findEgressError } from '@libs/egress/egress.errors';
import {
  ConnectorConfigError,
  ConnectorContext,
  ConnectorDefinition,
  ConnectorToolSpec,
  GraphEdgeInput,
  GraphNodeInput,
  IngestBatch,
  ToolExecutionError,
} from '../connector';
import { argInt, argString } from '../tool-args';
import {
  KubeClient,
  kubeErrorInfo,
  KubernetesConfig,
  kubeStatus,
  KubeUnreachableError,
  ListPage,
  looksLikeKubeconfigYaml,
  resolveKubeConfig,
} from './kube-client';

type Ctx = ConnectorContext<KubernetesConfig>;

const BATCH = 500;
const MAX_LOG_CHARS = 64_000;

export function kubeClient({ config, egress, signal }: Ctx): KubeClient {
  return new KubeClient(resolveKubeConfig(config), egress, config.timeout_ms ?? 30_000, signal);
}

function checkShape(config: KubernetesConfig): void {
  if (config == null || typeof config !== 'object') {
    throw new ConnectorConfigError('shape', 'config must be an object');
  }
  if (config.namespaces !== undefined) {
    if (!Array.isArray(config.namespaces) || config.namespaces.some((n) => typeof n !== 'string' || !n)) {
      throw new ConnectorConfigError('shape', '`namespaces` must be an array of namespace names', {
        field: 'namespaces',
      });
    }
  }
  for (const f of ['kubeconfig', 'kubeconfig_data', 'context', 'server', 'token', 'ca_data'] as const) {
    if (config[f] !== undefined && config[f] !== null && typeof config[f] !== 'string') {
      throw new ConnectorConfigError('shape', `\`${f}\` must be a string`, { field: f });
    }
  }
}

function scopedNamespaces(config: KubernetesConfig): string[] | undefined {
  return config.namespaces && config.namespaces.length > 0 ? config.namespaces : undefined;
}

/** Maps a client failure to the typed tool error the model sees. */
function toToolError(e: unknown): unknown {
  if (e instanceof ToolExecutionError) {
    return e;
  }
  if (e instanceof HttpError) {
    const status = e.statusCode;
    const { message, reason } = kubeErrorInfo(e);
    const details = { status, reason };
    if (status === 401 || status === 403) {
      return new ToolExecutionError('upstream_auth_failed', message, details);
    }
    if (status === 404) {
      return new ToolExecutionError('not_found', message, details);
    }
    if (status === 409 || status === 422 || status === 400) {
      return new ToolExecutionError('upstream_rejected', message, details);
    }
    return new ToolExecutionError('upstream_error', message, details);
  }
  if (e instanceof KubeUnreachableError) {
    return new ToolExecutionError('upstream_unreachable', e.message, { code: e.causeCode });
  }
  if (e instanceof ConnectorConfigError) {
    return new ToolExecutionError('source_misconfigured', e.message, e.details);
  }
  return e;
}

// ---------- summaries ----------

export interface PodSummary {
  name: string;
  namespace: string;
  phase: string;
  status: string;
  ready: string;
  ready_containers: number;
  total_containers: number;
  restarts: number;
  node: string | null;
  ip: string | null;
  created_at: string | null;
  labels: Record<string, string>;
}

export function summarizePod(p: any): PodSummary {
  const statuses: any[] = p.status?.containerStatuses ?? [];
  const total = (p.spec?.containers ?? []).length || statuses.length;
  const readyCount = statuses.filter((s) => s.ready).length;
  const waiting = statuses.map((s) => s.state?.waiting?.reason || s.state?.terminated?.reason).find(Boolean);
  const phase = p.status?.phase ?? 'Unknown';
  return {
    name: p.metadata?.name,
    namespace: p.metadata?.namespace,
    phase,
    status: p.metadata?.deletionTimestamp ? 'Terminating' : (waiting ?? p.status?.reason ?? phase),
    ready: `${readyCount}/${total}`,
    ready_containers: readyCount,
    total_containers: total,
    restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
    node: p.spec?.nodeName ?? null,
    ip: p.status?.podIP ?? null,
    created_at: p.metadata?.creationTimestamp ?? null,
    labels: p.metadata?.labels ?? {},
  };
}

export function summarizeDeployment(d: any) {
  return {
    name: d.metadata?.name,
    namespace: d.metadata?.namespace,
    replicas: d.spec?.replicas ?? 0,
    ready_replicas: d.status?.readyReplicas ?? 0,
    updated_replicas: d.status?.updatedReplicas ?? 0,
    available_replicas: d.status?.availableReplicas ?? 0,
    ready: `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
    images: (d.spec?.template?.spec?.containers ?? []).map((c: any) => c.image),
    selector: d.spec?.selector?.matchLabels ?? {},
    created_at: d.metadata?.creationTimestamp ?? null,
  };
}

function summarizeNode(n: any) {
  const ready = (n.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  const roles = Object.keys(n.metadata?.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length));
  return {
    name: n.metadata?.name,
    ready: ready?.status === 'True',
    roles,
    kubelet_version: n.status?.nodeInfo?.kubeletVersion ?? null,
    os_image: n.status?.nodeInfo?.osImage ?? null,
    internal_ip: (n.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP')?.address ?? null,
    unschedulable: n.spec?.unschedulable === true,
  };
}

function summarizeService(s: any) {
  return {
    name: s.metadata?.name,
    namespace: s.metadata?.namespace,
    type: s.spec?.type ?? 'ClusterIP',
    cluster_ip: s.spec?.clusterIP ?? null,
    ports: (s.spec?.ports ?? []).map((p: any) => ({
      name: p.name ?? null,
      port: p.port,
      target_port: p.targetPort ?? null,
      protocol: p.protocol ?? 'TCP',
    })),
    selector: s.spec?.selector ?? {},
  };
}

// ---------- tools ----------

const nsProp = { type: 'string', description: 'Namespace; omit for all namespaces the source may see' };
const nameProp = (what: string) => ({ type: 'string', description: `${what} name`, minLength: 1 });

export const KUBERNETES_TOOLS: ConnectorToolSpec[] = [
  {
    name: 'list_pods',
    description:
      'List pods with phase, readiness (ready/total containers), restart count and node. Filter by namespace, label selector or phase (e.g. Failed, Pending).',
    effect: 'read',
    inputSchema: {
      type: 'object',
      properties: {
        namespace: nsProp,
        label_selector: { type: 'string', description: 'e.g. app=web' },
        status: {
          type: 'string',
          description: 'pod phase or container status reason to keep, e.g. Running, Pending, Failed, CrashLoopBackOff',
        },
        limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 },
      },
    },
  },
  {
    name: 'get_pod',
    description: 'Get one pod: status, containers (image, state, restarts), conditions and node.',
    effect: 'read',
    inputSchema: {
      type: 'object',
      properties: { namespace: nameProp('Namespace'), name: nameProp('Pod') },
      required: ['namespace', 'name'],
    },
  },
  {
    name: 'get_pod_logs',
    description: 'Fetch the last lines of a pod container log.',
    effect: 'read',
    inputSchema: {
      type: 'object',
      properties: {
        namespace: nameProp('Namespace'),
        name: nameProp('Pod'),
        container: { type: 'string', description: 'container name (defaults to the only/first container)' },
        tail_lines: { type: 'integer', minimum: 1, maximum: 5000, default: 200 },
        since_seconds: { type: 'integer', minimum: 1 },
        previous: { type: 'boolean', description: 'logs of the previous (crashed) container instance', default: false },
      },
      required: ['namespace', 'name'],
    },
  },
  {
    name: 'list_deployments',
    description: 'List deployments with desired/ready/available replicas and images.',
    effect: 'read',
    inputSchema: { type: 'object', properties: { namespace: nsProp, label_selector: { type: 'string' } } },
  },
  {
    name: 'list_namespaces',
    description: 'List namespaces and their phase.',
    effect: 'read',
    inputSchema: { type: 'object', properties: {} },
  },
  {
    name: 'list_nodes',
    description: 'List cluster nodes with readiness, roles, kubelet version and internal IP.',
    effect: 'read',
    inputSchema: { type: 'object', properties: {} },
  },
  {
    name: 'list_services',
    description: 'List services with type, cluster IP, ports and selector.',
    effect: 'read',
    inputSchema: { type: 'object', properties: { namespace: nsProp } },
  },
  {
    name: 'list_events',
    description:
      'Recent cluster events (newest first), e.g. BackOff, FailedScheduling, Unhealthy; filter by namespace, type (Warning/Normal) or involved object name.',
    effect: 'read',
    inputSchema: {
      type: 'object',
      properties: {
        namespace: nsProp,
        type: { type: 'string', enum: ['Warning', 'Normal'] },
        object_name: { type: 'string', description: 'involved object name, e.g. a pod name' },
        limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
      },
    },
  },
  {
    name: 'scale_deployment',
    description: 'Set the replica count of a deployment.',
    effect: 'write',
    inputSchema: {
      type: 'object',
      properties: {
        namespace: nameProp('Namespace'),
        name: nameProp('Deployment'),
        replicas: { type: 'integer', minimum: 0, maximum: 1000 },
      },
      required: ['namespace', 'name', 'replicas'],
    },
  },
  {
    name: 'restart_deployment',
    description: 'Rolling-restart a deployment (like `kubectl rollout restart`).',
    effect: 'write',
    inputSchema: {
      type: 'object',
      properties: { namespace: nameProp('Namespace'), name: nameProp('Deployment') },
      required: ['namespace', 'name'],
    },
  },
  {
    name: 'delete_pod',
    description: 'Delete a pod (its controller, if any, recreates it).',
    effect: 'destructive',
    requiresApproval: true,
    inputSchema: {
      type: 'object',
      properties: {
        namespace: nameProp('Namespace'),
        name: nameProp('Pod'),
        grace_period_seconds: { type: 'integer', minimum: 0 },
      },
      required: ['namespace', 'name'],
    },
  },
];

function assertNamespaceAllowed(config: KubernetesConfig, ns: string): void {
  const allowed = scopedNamespaces(config);
  if (allowed && !allowed.includes(ns)) {
    throw new ToolExecutionError('namespace_not_allowed', `namespace "${ns}" is not one of this source's namespaces`, {
      allowed_namespaces: allowed,
    });
  }
}

type NamespacedResource = 'pods' | 'services' | 'events' | 'deployments' | 'replicasets';

/** The SDK list call of a namespaced resource, in one namespace or across all of them. */
function listPage(
  client: KubeClient,
  resource: NamespacedResource,
  namespace: string | undefined,
  labelSelector?: string,
): ListPage {
  const { core, apps } = client;
  if (namespace) {
    switch (resource) {
      case 'pods':
        return (cont, limit) =>
          core.listNamespacedPod(namespace, undefined, undefined, cont, undefined, labelSelector, limit);
      case 'services':
        return (cont, limit) =>
          core.listNamespacedService(namespace, undefined, undefined, cont, undefined, labelSelector, limit);
      case 'events':
        return (cont, limit) =>
          core.listNamespacedEvent(namespace, undefined, undefined, cont, undefined, labelSelector, limit);
      case 'deployments':
        return (cont, limit) =>
          apps.listNamespacedDeployment(namespace, undefined, undefined, cont, undefined, labelSelector, limit);
      case 'replicasets':
        return (cont, limit) =>
          apps.listNamespacedReplicaSet(namespace, undefined, undefined, cont, undefined, labelSelector, limit);
    }
  }
  switch (resource) {
    case 'pods':
      return (cont, limit) => core.listPodForAllNamespaces(undefined, cont, undefined, labelSelector, limit);
    case 'services':
      return (cont, limit) => core.listServiceForAllNamespaces(undefined, cont, undefined, labelSelector, limit);
    case 'events':
      return (cont, limit) => core.listEventForAllNamespaces(undefined, cont, undefined, labelSelector, limit);
    case 'deployments':
      return (cont, limit) => apps.listDeploymentForAllNamespaces(undefined, cont, undefined, labelSelector, limit);
    case 'replicasets':
      return (cont, limit) => apps.listReplicaSetForAllNamespaces(undefined, cont, undefined, labelSelector, limit);
  }
}

/** Lists a namespaced resource across the allowed namespaces (or cluster-wide when unrestricted). */
async function listNamespaced(
  client: KubeClient,
  config: KubernetesConfig,
  resource: NamespacedResource,
  namespace: string | undefined,
  labelSelector?: string,
): Promise<any[]> {
  if (namespace) {
    assertNamespaceAllowed(config, namespace);
    return client.listAll(listPage(client, resource, namespace, labelSelector));
  }
  const allowed = scopedNamespaces(config);
  if (!allowed) {
    return client.listAll(listPage(client, resource, undefined, labelSelector));
  }
  const out: any[] = [];
  for (const ns of allowed) {
    out.push(...(await client.listAll(listPage(client, resource, ns, labelSelector))));
  }
  return out;
}

const listNamespaces = (client: KubeClient) =>
  client.listAll((cont, limit) => client.core.listNamespace(undefined, undefined, cont, undefined, undefined, limit));
const listNodes = (client: KubeClient) =>
  client.listAll((cont, limit) => client.core.listNode(undefined, undefined, cont, undefined, undefined, limit));
const mergePatch = { headers: { 'Content-Type': PatchUtils.PATCH_FORMAT_JSON_MERGE_PATCH } };

async function runTool(ctx: Ctx, tool: string, args: Record<string, unknown>): Promise<unknown> {
  const config = ctx.config;
  const client = kubeClient(ctx);
  switch (tool) {
    case 'list_pods': {
      const limit = argInt(args, 'limit', { min: 1, max: 1000 }) ?? 200;
      const wanted = argString(args, 'status')?.toLowerCase();
      const pods = (
        await listNamespaced(client, config, 'pods', argString(args, 'namespace'), argString(args, 'label_selector'))
      ).map(summarizePod);
      const filtered = wanted
        ? pods.filter((p) => p.phase.toLowerCase() === wanted || p.status.toLowerCase() === wanted)
        : pods;
      return { items: filtered.slice(0, limit), total: filtered.length, truncated: filtered.length > limit };
    }
    case 'get_pod': {
      const ns = argString(args, 'namespace', true);
      assertNamespaceAllowed(config, ns);
      const p = await client.call(client.core.readNamespacedPod(argString(args, 'name', true), ns));
      return {
        ...summarizePod(p),
        containers: (p.spec?.containers ?? []).map((c: any) => {
          const s = (p.status?.containerStatuses ?? []).find((x: any) => x.name === c.name) ?? {};
          return {
            name: c.name,
            image: c.image,
            ready: s.ready ?? false,
            restarts: s.restartCount ?? 0,
            state: s.state ?? null,
            last_state: s.lastState ?? null,
          };
        }),
        conditions: (p.status?.conditions ?? []).map((c: any) => ({
          type: c.type,
          status: c.status,
          reason: c.reason ?? null,
          message: c.message ?? null,
        })),
        owner: (p.metadata?.ownerReferences ?? []).map((o: any) => ({ kind: o.kind, name: o.name }))[0] ?? null,
      };
    }
    case 'get_pod_logs': {
      const ns = argString(args, 'namespace', true);
      const name = argString(args, 'name', true);
      assertNamespaceAllowed(config, ns);
      const tail = argInt(args, 'tail_lines', { min: 1, max: 5000 }) ?? 200;
      let container = argString(args, 'container');
      const sinceSeconds = argInt(args, 'since_seconds', { min: 1 });
      const previous = args.previous === true ? true : undefined;
      const fetchLogs = () =>
        client.call<string>(
          client.logs.readNamespacedPodLog(
            name,
            ns,
            container,
            undefined,
            undefined,
            undefined,
            undefined,
            previous,
            sinceSeconds,
            tail,
          ),
        );
      let logs: string;
      try {
        logs = await fetchLogs();
      } catch (e) {
        // multi-container pods need a container: default to the first one, like kubectl
        if (
          container ||
          !(
            e instanceof HttpError &&
            e.statusCode === 400 &&
            /container name must be specified/i.test(kubeErrorInfo(e).message)
          )
        ) {
          throw e;
        }
        const pod = await client.call(client.core.readNamespacedPod(name, ns));
        container = pod.spec?.containers?.[0]?.name;
        if (!container) {
          throw e;
        }
        logs = await fetchLogs();
      }
      const truncated = logs.length > MAX_LOG_CHARS;
      return {
        pod: name,
        namespace: ns,
        container: container ?? null,
        tail_lines: tail,
        logs: truncated ? logs.slice(-MAX_LOG_CHARS) : logs,
        truncated,
      };
    }
    case 'list_deployments': {
      const ds = await listNamespaced(
        client,
        config,
        'deployments',
        argString(args, 'namespace'),
        argString(args, 'label_selector'),
      );
      return { items: ds.map(summarizeDeployment), total: ds.length };
    }
    case 'list_namespaces': {
      const allowed = scopedNamespaces(config);
      const nss = await listNamespaces(client);
      const items = nss
        .filter((n) => !allowed || allowed.includes(n.metadata?.name))
        .map((n) => ({
          name: n.metadata?.name,
          phase: n.status?.phase ?? null,
          created_at: n.metadata?.creationTimestamp ?? null,
          labels: n.metadata?.labels ?? {},
        }));
      return { items, total: items.length };
    }
    case 'list_events': {
      const limit = argInt(args, 'limit', { min: 1, max: 500 }) ?? 50;
      const type = argString(args, 'type');
      const objectName = argString(args, 'object_name');
      const events = (await listNamespaced(client, config, 'events', argString(args, 'namespace')))
        .filter((e) => (!type || e.type === type) && (!objectName || e.involvedObject?.name === objectName))
        .map((e) => ({
          namespace: e.metadata?.namespace ?? null,
          type: e.type ?? null,
          reason: e.reason ?? null,
          message: e.message ?? null,
          object: e.involvedObject ? `${e.involvedObject.kind}/${e.involvedObject.name}` : null,
          count: e.count ?? e.series?.count ?? 1,
          last_seen: e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? null,
        }))
        .sort((a, b) => String(b.last_seen ?? '').localeCompare(String(a.last_seen ?? '')));
      return { items: events.slice(0, limit), total: events.length, truncated: events.length > limit };
    }
    case 'list_nodes': {
      const nodes = await listNodes(client);
      return { items: nodes.map(summarizeNode), total: nodes.length };
    }
    case 'list_services': {
      const ss = await listNamespaced(client, config, 'services', argString(args, 'namespace'));
      return { items: ss.map(summarizeService), total: ss.length };
    }
    case 'scale_deployment': {
      const ns = argString(args, 'namespace', true);
      const name = argString(args, 'name', true);
      const replicas = argInt(args, 'replicas', { min: 0, max: 1000, required: true });
      assertNamespaceAllowed(config, ns);
      const before = await client.call(client.apps.readNamespacedDeploymentScale(name, ns));
      const after = await client.call(
        client.apps.patchNamespacedDeploymentScale(
          name,
          ns,
          { spec: { replicas } },
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          mergePatch,
        ),
      );
      return {
        name,
        namespace: ns,
        previous_replicas: before.spec?.replicas ?? null,
        replicas: after.spec?.replicas ?? replicas,
      };
    }
    case 'restart_deployment': {
      const ns = argString(args, 'namespace', true);
      const name = argString(args, 'name', true);
      assertNamespaceAllowed(config, ns);
      const restartedAt = new Date().toISOString();
      const body = {
        spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } } },
      };
      const d = await client.call(
        client.apps.patchNamespacedDeployment(
          name,
          ns,
          body,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          mergePatch,
        ),
      );
      return { name, namespace: ns, restarted_at: restartedAt, generation: d.metadata?.generation ?? null };
    }
    case 'delete_pod': {
      const ns = argString(args, 'namespace', true);
      const name = argString(args, 'name', true);
      assertNamespaceAllowed(config, ns);
      const grace = argInt(args, 'grace_period_seconds', { min: 0 });
      await client.call(
        client.core.deleteNamespacedPod(
          name,
          ns,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          grace !== undefined ? { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: grace } : undefined,
        ),
      );
      return { name, namespace: ns, deleted: true };
    }
    default:
      throw new ToolExecutionError('tool_not_found', `kubernetes has no tool "${tool}"`, { tool });
  }
}

// ---------- ingest ----------

const nsKey = (n: string) => `namespace:${n}`;
const nodeKey = (n: string) => `node:${n}`;
const objKey = (kind: string, ns: string, n: string) => `${kind.toLowerCase()}:${ns}/${n}`;

function labelsMatch(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector || Object.keys(selector).length === 0) {
    return false;
  }
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function* chunk(nodes: GraphNodeInput[], edges: GraphEdgeInput[]): Generator<IngestBatch> {
  for (let i = 0; i < Math.max(nodes.length, edges.length); i += BATCH) {
    yield { nodes: nodes.slice(i, i + BATCH), edges: edges.slice(i, i + BATCH) };
  }
}

async function* ingest(ctx: Ctx): AsyncIterable<IngestBatch> {
  const config = ctx.config;
  const client = kubeClient(ctx);
  const allowed = scopedNamespaces(config);

  // Namespaces
  let namespaces: any[];
  try {
    namespaces = (await listNamespaces(client)).filter((n) => !allowed || allowed.includes(n.metadata?.name));
  } catch (e) {
    if (!(kubeStatus(e) === 403 && allowed)) {
      throw e;
    }
    namespaces = [];
    for (const ns of allowed) {
      namespaces.push(await client.call(client.core.readNamespace(ns)));
    }
  }
  const nsNames = new Set(namespaces.map((n) => n.metadata?.name));
  yield* chunk(
    namespaces.map((n) => ({
      label: 'Namespace',
      key: nsKey(n.metadata.name),
      name: n.metadata.name,
      properties: {
        uid: n.metadata.uid ?? null,
        phase: n.status?.phase ?? null,
        created_at: n.metadata.creationTimestamp ?? null,
      },
    })),
    [],
  );

  // Nodes (cluster-scoped; a namespace-restricted account may not list them)
  let nodes: any[] = [];
  try {
    nodes = await listNodes(client);
  } catch (e) {
    if (kubeStatus(e) !== 403) {
      throw e;
    }
    ctx.logger.warn('kubernetes: not allowed to list nodes; skipping Node ingestion', { source_id: ctx.sourceId });
  }
  const nodeNames = new Set(nodes.map((n) => n.metadata?.name));
  yield* chunk(
    nodes.map((n) => {
      const s = summarizeNode(n);
      return {
        label: 'Node',
        key: nodeKey(s.name),
        name: s.name,
        properties: {
          uid: n.metadata.uid ?? null,
          ready: s.ready,
          roles: s.roles,
          kubelet_version: s.kubelet_version,
          os_image: s.os_image,
          internal_ip: s.internal_ip,
          unschedulable: s.unschedulable,
        },
      };
    }),
    [],
  );

  const inNs = (kind: string, o: any): GraphEdgeInput[] =>
    nsNames.has(o.metadata?.namespace)
      ? [
          {
            type: 'IN_NAMESPACE',
            fromKey: objKey(kind, o.metadata.namespace, o.metadata.name),
            toKey: nsKey(o.metadata.namespace),
          },
        ]
      : [];
  const listNs = (resource: NamespacedResource) => listNamespaced(client, config, resource, undefined);

  // Deployments
  const deployments = await listNs('deployments');
  const known = new Set<string>();
  {
    const ns: GraphNodeInput[] = [];
    const es: GraphEdgeInput[] = [];
    for (const d of deployments) {
      const s = summarizeDeployment(d);
      const key = objKey('Deployment', s.namespace, s.name);
      known.add(key);
      ns.push({
        label: 'Deployment',
        key,
        name: s.name,
        properties: {
          uid: d.metadata.uid ?? null,
          namespace: s.namespace,
          replicas: s.replicas,
          ready_replicas: s.ready_replicas,
          available_replicas: s.available_replicas,
          images: s.images,
          created_at: s.created_at,
        },
      });
      es.push(...inNs('Deployment', d));
    }
    yield* chunk(ns, es);
  }

  // ReplicaSets (link Deployments to their Pods)
  let replicaSets: any[] = [];
  try {
    replicaSets = await listNs('replicasets');
  } catch (e) {
    if (kubeStatus(e) !== 403 && kubeStatus(e) !== 404) {
      throw e;
    }
  }
  const rsOwner = new Map<string, string>();
  {
    const ns: GraphNodeInput[] = [];
    const es: GraphEdgeInput[] = [];
    for (const rs of replicaSets) {
      const key = objKey('ReplicaSet', rs.metadata.namespace, rs.metadata.name);
      known.add(key);
      ns.push({
        label: 'ReplicaSet',
        key,
        name: rs.metadata.name,
        properties: {
          uid: rs.metadata.uid ?? null,
          namespace: rs.metadata.namespace,
          replicas: rs.spec?.replicas ?? 0,
          ready_replicas: rs.status?.readyReplicas ?? 0,
        },
      });
      es.push(...inNs('ReplicaSet', rs));
      for (const o of rs.metadata?.ownerReferences ?? []) {
        const ownerKey = objKey(o.kind, rs.metadata.namespace, o.name);
        if (known.has(ownerKey)) {
          es.push({ type: 'OWNS', fromKey: ownerKey, toKey: key });
          rsOwner.set(key, ownerKey);
        }
      }
    }
    yield* chunk(ns, es);
  }

  // Pods
  const pods = await listNs('pods');
  {
    const ns: GraphNodeInput[] = [];
    const es: GraphEdgeInput[] = [];
    for (const p of pods) {
      const s = summarizePod(p);
      const key = objKey('Pod', s.namespace, s.name);
      ns.push({
        label: 'Pod',
        key,
        name: s.name,
        description: `${s.status} pod in ${s.namespace}${s.node ? ` on ${s.node}` : ''}`,
        properties: {
          uid: p.metadata.uid ?? null,
          namespace: s.namespace,
          phase: s.phase,
          status: s.status,
          ready: s.ready,
          restarts: s.restarts,
          node_name: s.node,
          ip: s.ip,
          created_at: s.created_at,
          images: (p.spec?.containers ?? []).map((c: any) => c.image),
        },
      });
      es.push(...inNs('Pod', p));
      if (s.node && nodeNames.has(s.node)) {
        es.push({ type: 'RUNS_ON', fromKey: key, toKey: nodeKey(s.node) });
      }
      for (const o of p.metadata?.ownerReferences ?? []) {
        const ownerKey = objKey(o.kind, s.namespace, o.name);
        if (!known.has(ownerKey)) {
          continue;
        }
        es.push({ type: 'OWNS', fromKey: ownerKey, toKey: key });
        const dep = rsOwner.get(ownerKey);
        if (dep) {
          es.push({ type: 'OWNS', fromKey: dep, toKey: key, properties: { via: 'ReplicaSet' } });
        }
      }
    }
    yield* chunk(ns, es);
  }

  // Services (+ SELECTS edges to the pods they route to)
  const services = await listNs('services');
  {
    const ns: GraphNodeInput[] = [];
    const es: GraphEdgeInput[] = [];
    for (const svc of services) {
      const s = summarizeService(svc);
      const key = objKey('Service', s.namespace, s.name);
      ns.push({
        label: 'Service',
        key,
        name: s.name,
        properties: {
          uid: svc.metadata.uid ?? null,
          namespace: s.namespace,
          type: s.type,
          cluster_ip: s.cluster_ip,
          ports: s.ports.map((p: any) => `${p.port}/${p.protocol}`),
        },
      });
      es.push(...inNs('Service', svc));
      for (const p of pods) {
        if (p.metadata.namespace === s.namespace && labelsMatch(s.selector, p.metadata.labels)) {
          es.push({ type: 'SELECTS', fromKey: key, toKey: objKey('Pod', p.metadata.namespace, p.metadata.name) });
        }
      }
    }
    yield* chunk(ns, es);
  }
}

// ---------- validate ----------

function toConfigError(e: unknown): unknown {
  if (e instanceof ConnectorConfigError) {
    return e;
  }
  const refused = findEgressError(e);
  if (refused) {
    return refused;
  }
  if (e instanceof KubeUnreachableError) {
    return new ConnectorConfigError('unreachable', e.message, { code: e.causeCode });
  }
  if (e instanceof HttpError) {
    if (e.statusCode === 401) {
      return new ConnectorConfigError('credentials', 'Kubernetes rejected the credentials', { status: 401 });
    }
    if (e.statusCode === 403) {
      return new ConnectorConfigError('scope', 'Kubernetes credentials lack permission to list namespaces', {
        status: 403,
        missing_permissions: ['list namespaces'],
      });
    }
    return new ConnectorConfigError('unreachable', kubeErrorInfo(e).message, { status: e.statusCode });
  }
  if (e instanceof Error && e.name === 'AbortError') {
    return e;
  }
  return new ConnectorConfigError('unreachable', (e as Error)?.message ?? String(e));
}

async function validate(ctx: Ctx) {
  checkShape(ctx.config);
  const client = kubeClient(ctx);
  const allowed = scopedNamespaces(ctx.config);
  try {
    let names: string[];
    try {
      names = (await listNamespaces(client)).map((n) => n.metadata?.name);
    } catch (e) {
      // a namespace-scoped service account cannot list namespaces: check each configured one instead
      if (!(kubeStatus(e) === 403 && allowed)) {
        throw e;
      }
      names = [];
      for (const ns of allowed) {
        try {
          await client.call(
            client.core.listNamespacedPod(ns, undefined, undefined, undefined, undefined, undefined, 1),
          );
          names.push(ns);
        } catch (inner) {
          if (kubeStatus(inner) === 403) {
            throw new ConnectorConfigError('scope', `Kubernetes credentials cannot list pods in namespace "${ns}"`, {
              status: 403,
              namespace: ns,
              missing_permissions: ['list pods'],
            });
          }
          if (kubeStatus(inner) !== 404) {
            throw inner;
          }
        }
      }
    }
    const missing = allowed?.filter((n) => !names.includes(n)) ?? [];
    if (missing.length > 0) {
      throw new ConnectorConfigError('scope', 'Some configured namespaces do not exist or are not visible', {
        missing_namespaces: missing,
      });
    }
    return {
      ok: true as const,
      info: { server: client.server, namespaces: allowed ?? names, namespace_count: (allowed ?? names).length },
    };
  } catch (e) {
    throw toConfigError(e);
  }
}

export const kubernetesConnector: ConnectorDefinition<KubernetesConfig> = {
  type: 'kubernetes',
  displayName: 'Kubernetes',
  description:
    'Kubernetes cluster: ingests namespaces, nodes, deployments, replica sets, pods and services; tools to inspect pods/logs and scale, restart or delete workloads.',
  defaultRealm: 'infrastructure',
  configSchema: {
    type: 'object',
    properties: {
      kubeconfig: {
        type: 'string',
        writeOnly: true,
        description: 'kubeconfig YAML (or a path to a kubeconfig file on the API host)',
      },
      kubeconfig_data: { type: 'string', writeOnly: true, description: 'kubeconfig YAML (alias of kubeconfig)' },
      context: { type: 'string', description: 'kubeconfig context (default: current-context)' },
      server: { type: 'string', description: 'API server URL when not using a kubeconfig, e.g. https://10.0.0.1:6443' },
      token: { type: 'string', writeOnly: true, description: 'bearer token (service account) used with `server`' },
      ca_data: { type: 'string', description: 'cluster CA certificate (PEM or base64 PEM) used with `server`' },
      insecure_skip_tls_verify: { type: 'boolean', default: false },
      in_cluster: { type: 'boolean', default: false, description: 'use the pod service account of the API process' },
      namespaces: {
        type: 'array',
        items: { type: 'string' },
        description: 'restrict ingestion and tools to these namespaces (default: all)',
      },
      timeout_ms: { type: 'integer', minimum: 1000, maximum: 120000, default: 30000 },
    },
    anyOf: [
      { required: ['kubeconfig'] },
      { required: ['kubeconfig_data'] },
      { required: ['server'] },
      { required: ['in_cluster'] },
    ],
    additionalProperties: false,
  },
  secretFields: ['kubeconfig', 'kubeconfig_data', 'token'],
  destinationFields: ['server', 'kubeconfig', 'kubeconfig_data'],
  hostAccess: (c) => {
    const kc = c?.kubeconfig_data ?? c?.kubeconfig;
    if (typeof kc === 'string' && kc.trim()) {
      return looksLikeKubeconfigYaml(kc) ? null : 'reads a kubeconfig file on the API host';
    }
    return c?.in_cluster ? "uses the API process's Kubernetes service account" : null;
  },
  validate,
  ingest,
  tools() {
    return Promise.resolve(KUBERNETES_TOOLS.map((t) => ({ ...t })));
  },
  async executeTool(ctx, tool, args) {
    try {
      checkShape(ctx.config);
      return await runTool(ctx, tool, args ?? {});
    } catch (e) {
      throw toToolError(e);
    }
  },
};
