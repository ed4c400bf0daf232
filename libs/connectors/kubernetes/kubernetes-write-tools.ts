import type { ConnectorTool } from '../define-connector';
import { argInt, argString } from '../tool-args';
import type { KubernetesConfig } from './kube-client';
import { assertNamespaceAllowed } from './kube-lists';
import { kubeClient } from './kubernetes-config';
import { mergePatch, nameProp } from './kubernetes-tools';

/** kubernetes tools that change workloads: scale, restart, delete a pod (needs approval). */
export const KUBERNETES_WRITE_TOOLS: ConnectorTool<KubernetesConfig>[] = [
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
    async run(ctx, args) {
      const config = ctx.config;
      const client = await kubeClient(ctx);
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
    async run(ctx, args) {
      const config = ctx.config;
      const client = await kubeClient(ctx);
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
    async run(ctx, args) {
      const config = ctx.config;
      const client = await kubeClient(ctx);
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
    },
  },
];
