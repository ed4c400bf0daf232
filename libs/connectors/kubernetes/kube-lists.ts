import { ToolExecutionError } from '../connector';
import { KubeClient, KubernetesConfig, ListPage } from './kube-client';
import { scopedNamespaces } from './kubernetes-config';

/** List calls shared by the tools, the ingest and validate, limited to the source's namespaces. */
export function assertNamespaceAllowed(config: KubernetesConfig, ns: string): void {
  const allowed = scopedNamespaces(config);
  if (allowed && !allowed.includes(ns)) {
    throw new ToolExecutionError('namespace_not_allowed', `namespace "${ns}" is not one of this source's namespaces`, {
      allowed_namespaces: allowed,
    });
  }
}

export type NamespacedResource = 'pods' | 'services' | 'events' | 'deployments' | 'replicasets';

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
export async function listNamespaced(
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

export const listNamespaces = (client: KubeClient) =>
  client.listAll((cont, limit) => client.core.listNamespace(undefined, undefined, cont, undefined, undefined, limit));
export const listNodes = (client: KubeClient) =>
  client.listAll((cont, limit) => client.core.listNode(undefined, undefined, cont, undefined, undefined, limit));
