import type { GraphEdgeInput, GraphNodeInput, IngestBatch } from '../connector';
import { kubeStatus } from './kube-client';
import { listNamespaced, listNamespaces, listNodes, type NamespacedResource } from './kube-lists';
import { summarizeDeployment, summarizeNode, summarizePod, summarizeService } from './kube-summaries';
import { kubeClient, scopedNamespaces, type KubeCtx } from './kubernetes-config';

const BATCH = 500;

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

/** What the later kinds need from the earlier ones: names seen and owner keys. */
interface KubeGraphState {
  nsNames: Set<string>;
  nodeNames: Set<string>;
  known: Set<string>;
  rsOwner: Map<string, string>;
}

function inNamespace(st: KubeGraphState, kind: string, o: any): GraphEdgeInput[] {
  return st.nsNames.has(o.metadata?.namespace)
    ? [
        {
          type: 'IN_NAMESPACE',
          fromKey: objKey(kind, o.metadata.namespace, o.metadata.name),
          toKey: nsKey(o.metadata.namespace),
        },
      ]
    : [];
}

/** Deployments (collects their keys in `known`). */
function deploymentGraph(deployments: any[], st: KubeGraphState): [GraphNodeInput[], GraphEdgeInput[]] {
  const { known } = st;
  const inNs = (kind: string, o: any) => inNamespace(st, kind, o);
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
  return [ns, es];
}

/** ReplicaSets, OWNS from their Deployment (remembered in `rsOwner`). */
function replicaSetGraph(replicaSets: any[], st: KubeGraphState): [GraphNodeInput[], GraphEdgeInput[]] {
  const { known, rsOwner } = st;
  const inNs = (kind: string, o: any) => inNamespace(st, kind, o);
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
  return [ns, es];
}

/** Pods with IN_NAMESPACE, RUNS_ON and OWNS (also from the Deployment through its ReplicaSet). */
function podGraph(pods: any[], st: KubeGraphState): [GraphNodeInput[], GraphEdgeInput[]] {
  const { known, rsOwner, nodeNames } = st;
  const inNs = (kind: string, o: any) => inNamespace(st, kind, o);
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
  return [ns, es];
}

/** Services with SELECTS edges to the pods they route to. */
function serviceGraph(services: any[], st: KubeGraphState, pods: any[]): [GraphNodeInput[], GraphEdgeInput[]] {
  const inNs = (kind: string, o: any) => inNamespace(st, kind, o);
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
  return [ns, es];
}

/** Namespaces, nodes, deployments, replica sets, pods and services with their relations. */
export async function* ingestKubernetes(ctx: KubeCtx): AsyncIterable<IngestBatch> {
  const config = ctx.config;
  const client = await kubeClient(ctx);
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

  const st: KubeGraphState = { nsNames, nodeNames, known: new Set<string>(), rsOwner: new Map<string, string>() };
  const listNs = (resource: NamespacedResource) => listNamespaced(client, config, resource, undefined);

  // Deployments
  const deployments = await listNs('deployments');
  yield* chunk(...deploymentGraph(deployments, st));

  // ReplicaSets (link Deployments to their Pods)
  let replicaSets: any[] = [];
  try {
    replicaSets = await listNs('replicasets');
  } catch (e) {
    if (kubeStatus(e) !== 403 && kubeStatus(e) !== 404) {
      throw e;
    }
  }
  yield* chunk(...replicaSetGraph(replicaSets, st));

  // Pods
  const pods = await listNs('pods');
  yield* chunk(...podGraph(pods, st));

  // Services (+ SELECTS edges to the pods they route to)
  const services = await listNs('services');
  yield* chunk(...serviceGraph(services, st, pods));
}

// ---------- validate ----------
