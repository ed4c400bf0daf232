import { ConnectorConfigError, ConnectorContext, JsonSchemaObject } from '../connector';
import { KubeClient, KubernetesConfig, looksLikeKubeconfigYaml } from './kube-client';

/** Config of a kubernetes source: shape check, namespace scope, schema, host access and the client. */
export type KubeCtx = ConnectorContext<KubernetesConfig>;

export function kubeClient({ config, egress, signal }: KubeCtx): Promise<KubeClient> {
  return KubeClient.open(config, egress, signal);
}

export function checkShape(config: KubernetesConfig): void {
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

export function scopedNamespaces(config: KubernetesConfig): string[] | undefined {
  return config.namespaces && config.namespaces.length > 0 ? config.namespaces : undefined;
}

export const KUBERNETES_CONFIG_SCHEMA: JsonSchemaObject = {
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
};

export function kubernetesHostAccess(c: KubernetesConfig): string | null {
  const kc = c?.kubeconfig_data ?? c?.kubeconfig;
  if (typeof kc === 'string' && kc.trim()) {
    return looksLikeKubeconfigYaml(kc) ? null : 'reads a kubeconfig file on the API host';
  }
  return c?.in_cluster ? "uses the API process's Kubernetes service account" : null;
}
