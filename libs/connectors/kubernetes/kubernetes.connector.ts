import { defineConnector } from '../define-connector';
import type { KubernetesConfig } from './kube-client';
import { checkShape, KUBERNETES_CONFIG_SCHEMA, kubernetesHostAccess } from './kubernetes-config';
import { ingestKubernetes } from './kubernetes-ingest';
import { KUBERNETES_READ_TOOLS } from './kubernetes-read-tools';
import { toToolError } from './kubernetes-tools';
import { validateKubernetes } from './kubernetes-validate';
import { KUBERNETES_WRITE_TOOLS } from './kubernetes-write-tools';

export { summarizeDeployment, summarizePod, type PodSummary } from './kube-summaries';
export { kubeClient } from './kubernetes-config';

/** The kubernetes tool table (reads first, then the workload changes). */
export const KUBERNETES_TOOLS = [...KUBERNETES_READ_TOOLS, ...KUBERNETES_WRITE_TOOLS];

/**
 * Kubernetes connector. Files: kube-client (SDK over the org's egress), kubernetes-config,
 * kube-lists (namespace-scoped list calls), kube-summaries, kubernetes-validate, kubernetes-ingest,
 * kubernetes-tools (argument schemas, error mapping) with kubernetes-read-tools / -write-tools.
 */
export const kubernetesConnector = defineConnector<KubernetesConfig>({
  type: 'kubernetes',
  displayName: 'Kubernetes',
  description:
    'Kubernetes cluster: ingests namespaces, nodes, deployments, replica sets, pods and services; tools to inspect pods/logs and scale, restart or delete workloads.',
  defaultRealm: 'infrastructure',
  configSchema: KUBERNETES_CONFIG_SCHEMA,
  secretFields: ['kubeconfig', 'kubeconfig_data', 'token'],
  destinationFields: ['server', 'kubeconfig', 'kubeconfig_data'],
  hostAccess: kubernetesHostAccess,
  validate: validateKubernetes,
  ingest: ingestKubernetes,
  tools: KUBERNETES_TOOLS,
  beforeTool: (ctx) => checkShape(ctx.config),
  toolError: toToolError,
});
