import { findEgressError } from '@libs/egress/egress.errors';
import { ConnectorConfigError, type ValidationResult } from '../connector';
import { kubeErrorInfo, kubeStatus, KubeUnreachableError } from './kube-client';
import { listNamespaces } from './kube-lists';
import { isKubeHttpError } from './kube-sdk';
import { checkShape, kubeClient, scopedNamespaces, type KubeCtx } from './kubernetes-config';

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
  if (isKubeHttpError(e)) {
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

/** Lists the namespaces (or, for a namespace-scoped account, the pods of each configured one). */
export async function validateKubernetes(ctx: KubeCtx): Promise<ValidationResult> {
  checkShape(ctx.config);
  const client = await kubeClient(ctx);
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
