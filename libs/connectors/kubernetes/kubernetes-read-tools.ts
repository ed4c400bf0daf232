import type { ConnectorTool } from '../define-connector';
import { argInt, argString } from '../tool-args';
import { kubeErrorInfo, KubernetesConfig } from './kube-client';
import { assertNamespaceAllowed, listNamespaced, listNamespaces, listNodes } from './kube-lists';
import { isKubeHttpError } from './kube-sdk';
import { summarizeDeployment, summarizeNode, summarizePod, summarizeService } from './kube-summaries';
import { kubeClient, scopedNamespaces } from './kubernetes-config';
import { MAX_LOG_CHARS, nameProp, nsProp } from './kubernetes-tools';

/** Read-only kubernetes tools: pods, logs, deployments, namespaces, nodes, services, events. */
export const KUBERNETES_READ_TOOLS: ConnectorTool<KubernetesConfig>[] = [
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
    async run(ctx, args) {
      const config = ctx.config;
      const client = await kubeClient(ctx);
      const limit = argInt(args, 'limit', { min: 1, max: 1000 }) ?? 200;
      const wanted = argString(args, 'status')?.toLowerCase();
      const pods = (
        await listNamespaced(client, config, 'pods', argString(args, 'namespace'), argString(args, 'label_selector'))
      ).map(summarizePod);
      const filtered = wanted
        ? pods.filter((p) => p.phase.toLowerCase() === wanted || p.status.toLowerCase() === wanted)
        : pods;
      return { items: filtered.slice(0, limit), total: filtered.length, truncated: filtered.length > limit };
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
    async run(ctx, args) {
      const config = ctx.config;
      const client = await kubeClient(ctx);
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
    async run(ctx, args) {
      const config = ctx.config;
      const client = await kubeClient(ctx);
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
            isKubeHttpError(e) &&
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
    },
  },
  {
    name: 'list_deployments',
    description: 'List deployments with desired/ready/available replicas and images.',
    effect: 'read',
    inputSchema: { type: 'object', properties: { namespace: nsProp, label_selector: { type: 'string' } } },
    async run(ctx, args) {
      const config = ctx.config;
      const client = await kubeClient(ctx);
      const ds = await listNamespaced(
        client,
        config,
        'deployments',
        argString(args, 'namespace'),
        argString(args, 'label_selector'),
      );
      return { items: ds.map(summarizeDeployment), total: ds.length };
    },
  },
  {
    name: 'list_namespaces',
    description: 'List namespaces and their phase.',
    effect: 'read',
    inputSchema: { type: 'object', properties: {} },
    async run(ctx) {
      const config = ctx.config;
      const client = await kubeClient(ctx);
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
    },
  },
  {
    name: 'list_nodes',
    description: 'List cluster nodes with readiness, roles, kubelet version and internal IP.',
    effect: 'read',
    inputSchema: { type: 'object', properties: {} },
    async run(ctx) {
      const client = await kubeClient(ctx);
      const nodes = await listNodes(client);
      return { items: nodes.map(summarizeNode), total: nodes.length };
    },
  },
  {
    name: 'list_services',
    description: 'List services with type, cluster IP, ports and selector.',
    effect: 'read',
    inputSchema: { type: 'object', properties: { namespace: nsProp } },
    async run(ctx, args) {
      const config = ctx.config;
      const client = await kubeClient(ctx);
      const ss = await listNamespaced(client, config, 'services', argString(args, 'namespace'));
      return { items: ss.map(summarizeService), total: ss.length };
    },
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
    async run(ctx, args) {
      const config = ctx.config;
      const client = await kubeClient(ctx);
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
    },
  },
];
