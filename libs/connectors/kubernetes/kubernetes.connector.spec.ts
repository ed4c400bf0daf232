import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectorContext, rejectsWith } from '../../../test/support/connectors/connector-context';
import { FakeKubeApi, startFakeKubeApi } from '../../../test/support/connectors/fake-kube-api';
import { ConnectorConfigError, IngestBatch, ToolExecutionError } from '../connector';
import { KubernetesConfig } from './kube-client';
import { kubernetesConnector } from './kubernetes.connector';

const ctx = (config: KubernetesConfig) =>
  connectorContext(config, { sourceName: 'prod-cluster', realm: 'infrastructure' });

async function collect(it: AsyncIterable<IngestBatch>) {
  const nodes = [];
  const edges = [];
  for await (const b of it) {
    nodes.push(...b.nodes);
    edges.push(...b.edges);
  }
  return { nodes, edges };
}

describe('kubernetes connector (against a fake Kubernetes API over http)', () => {
  let api: FakeKubeApi;
  let config: KubernetesConfig;

  beforeEach(async () => {
    api = await startFakeKubeApi();
    config = { server: api.url, token: api.token };
  });
  afterEach(() => api.close());

  it('declares its schema, secrets and tools with effects', async () => {
    expect(kubernetesConnector.type).toBe('kubernetes');
    expect(kubernetesConnector.defaultRealm).toBe('infrastructure');
    expect(kubernetesConnector.secretFields).toEqual(expect.arrayContaining(['kubeconfig', 'token']));
    expect((kubernetesConnector.configSchema.properties as any).kubeconfig.writeOnly).toBe(true);
    expect((kubernetesConnector.configSchema.properties as any).token.writeOnly).toBe(true);
    const tools = await kubernetesConnector.tools(ctx(config));
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.list_pods.effect).toBe('read');
    expect(byName.get_pod_logs.effect).toBe('read');
    expect(byName.list_deployments.effect).toBe('read');
    expect(byName.scale_deployment.effect).toBe('write');
    expect(byName.restart_deployment.effect).toBe('write');
    expect(byName.delete_pod.effect).toBe('destructive');
    expect(byName.delete_pod.requiresApproval).toBe(true);
    for (const t of tools) {
      expect(t.inputSchema.type).toBe('object');
    }
  });

  it('validate lists namespaces with a good token', async () => {
    const res = await kubernetesConnector.validate(ctx(config));
    expect(res.ok).toBe(true);
    expect(res.info).toMatchObject({ namespace_count: 3, namespaces: ['default', 'kube-system', 'prod'] });
    expect(api.requests.some((r) => r.path === '/api/v1/namespaces')).toBe(true);
  });

  it('validate: 401 → credentials, 403 → scope, refused → unreachable, bad shape → shape', async () => {
    expect(
      (await rejectsWith(kubernetesConnector.validate(ctx({ ...config, token: 'wrong' })), ConnectorConfigError)).kind,
    ).toBe('credentials');
    expect(
      (
        await rejectsWith(
          kubernetesConnector.validate(ctx({ ...config, token: 'ns-only-token' })),
          ConnectorConfigError,
        )
      ).kind,
    ).toBe('scope');
    // a namespace-restricted account passes when it only asks for its namespace
    const ok = await kubernetesConnector.validate(ctx({ ...config, token: 'ns-only-token', namespaces: ['prod'] }));
    expect(ok.info).toMatchObject({ namespaces: ['prod'] });
    const missing = await rejectsWith(
      kubernetesConnector.validate(ctx({ ...config, namespaces: ['prod', 'nope'] })),
      ConnectorConfigError,
    );
    expect(missing.kind).toBe('scope');
    expect(missing.details).toEqual({ missing_namespaces: ['nope'] });
    expect(
      (
        await rejectsWith(
          kubernetesConnector.validate(ctx({ server: 'http://127.0.0.1:1', token: 'x' })),
          ConnectorConfigError,
        )
      ).kind,
    ).toBe('unreachable');
    expect(
      (await rejectsWith(kubernetesConnector.validate(ctx({} as KubernetesConfig)), ConnectorConfigError)).kind,
    ).toBe('shape');
    expect(
      (
        await rejectsWith(
          kubernetesConnector.validate(ctx({ kubeconfig: 'clusters: [\n  - bad' })),
          ConnectorConfigError,
        )
      ).kind,
    ).toBe('shape');
  });

  it('accepts a kubeconfig YAML with contexts', async () => {
    const kubeconfig = `apiVersion: v1
kind: Config
current-context: broken
clusters:
  - name: fake
    cluster:
      server: ${api.url}
  - name: other
    cluster:
      server: http://127.0.0.1:1
users:
  - name: agentcy
    user:
      token: ${api.token}
contexts:
  - name: broken
    context: { cluster: other, user: agentcy }
  - name: prod
    context: { cluster: fake, user: agentcy, namespace: prod }
`;
    const res = await kubernetesConnector.validate(ctx({ kubeconfig, context: 'prod' }));
    expect(res.info).toMatchObject({ namespace_count: 3 });
    expect((await rejectsWith(kubernetesConnector.validate(ctx({ kubeconfig })), ConnectorConfigError)).kind).toBe(
      'unreachable',
    );
    const e = await rejectsWith(
      kubernetesConnector.validate(ctx({ kubeconfig, context: 'missing' })),
      ConnectorConfigError,
    );
    expect(e.kind).toBe('shape');
    expect(e.details.available_contexts).toEqual(['broken', 'prod']);

    // the same kubeconfig as a file on the API host works too
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentcy-kubeconfig-'));
    try {
      writeFileSync(path.join(dir, 'token'), `${api.token}\n`);
      const fileConfig = kubeconfig.replace(`      token: ${api.token}`, `      tokenFile: ${path.join(dir, 'token')}`);
      writeFileSync(path.join(dir, 'config'), fileConfig);
      expect(
        (await kubernetesConnector.validate(ctx({ kubeconfig: path.join(dir, 'config'), context: 'prod' }))).ok,
      ).toBe(true);
      // inline kubeconfigs may not read host files (a tokenFile would be sent to the caller's server)
      const inline = await rejectsWith(
        kubernetesConnector.validate(ctx({ kubeconfig: fileConfig, context: 'prod' })),
        ConnectorConfigError,
      );
      expect(inline.kind).toBe('shape');
      expect(inline.message).toMatch(/cannot reference local files/);
      // a host file that is not a kubeconfig is rejected without echoing its content
      writeFileSync(path.join(dir, 'secret'), 'root:x:0:0:[secret-content\n  - : :');
      const notYaml = await rejectsWith(
        kubernetesConnector.validate(ctx({ kubeconfig: path.join(dir, 'secret') })),
        ConnectorConfigError,
      );
      expect(JSON.stringify({ m: notYaml.message, d: notYaml.details })).not.toContain('secret-content');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('list_pods returns name, namespace, phase, ready, restarts and node (paginating the API)', async () => {
    const res: any = await kubernetesConnector.executeTool(ctx(config), 'list_pods', {});
    expect(res.total).toBe(4);
    const worker = res.items.find((p: any) => p.name === 'worker-5c6b7d8e9f-klmno');
    expect(worker).toMatchObject({
      namespace: 'prod',
      phase: 'Running',
      status: 'CrashLoopBackOff',
      ready: '0/1',
      restarts: 7,
      node: 'node-b',
    });
    const web = res.items.find((p: any) => p.name === 'web-7d9f8b6c5d-abcde');
    expect(web).toMatchObject({ namespace: 'prod', phase: 'Running', ready: '1/1', restarts: 0, node: 'node-a' });

    const inNs: any = await kubernetesConnector.executeTool(ctx(config), 'list_pods', { namespace: 'kube-system' });
    expect(inNs.items.map((p: any) => p.name)).toEqual(['coredns-6f6b679f8f-pqrst']);
    expect(api.requests.some((r) => r.path === '/api/v1/namespaces/kube-system/pods')).toBe(true);

    const crashing: any = await kubernetesConnector.executeTool(ctx(config), 'list_pods', {
      status: 'CrashLoopBackOff',
    });
    expect(crashing.items.map((p: any) => p.name)).toEqual(['worker-5c6b7d8e9f-klmno']);

    const bySel: any = await kubernetesConnector.executeTool(ctx(config), 'list_pods', { label_selector: 'app=web' });
    expect(bySel.total).toBe(2);
  });

  it('follows continue tokens', async () => {
    for (let i = 0; i < 600; i++) {
      api.state.pods.push({ ...api.state.pods[3], metadata: { ...api.state.pods[3].metadata, name: `bulk-${i}` } });
    }
    const res: any = await kubernetesConnector.executeTool(ctx(config), 'list_pods', { limit: 1000 });
    expect(res.total).toBe(604);
    expect(api.requests.filter((r) => r.path === '/api/v1/pods').length).toBe(2);
  });

  it('namespaces restrict tools', async () => {
    const scoped = { ...config, namespaces: ['prod'] };
    const res: any = await kubernetesConnector.executeTool(ctx(scoped), 'list_pods', {});
    expect(res.items.every((p: any) => p.namespace === 'prod')).toBe(true);
    expect(res.total).toBe(3);
    const e = await rejectsWith(
      kubernetesConnector.executeTool(ctx(scoped), 'list_pods', { namespace: 'kube-system' }),
      ToolExecutionError,
    );
    expect(e.code).toBe('namespace_not_allowed');
  });

  it('get_pod and get_pod_logs', async () => {
    const pod: any = await kubernetesConnector.executeTool(ctx(config), 'get_pod', {
      namespace: 'prod',
      name: 'worker-5c6b7d8e9f-klmno',
    });
    expect(pod.containers[0]).toMatchObject({ name: 'worker', restarts: 7, ready: false });
    expect(pod.owner).toEqual({ kind: 'ReplicaSet', name: 'worker-5c6b7d8e9f' });
    const logs: any = await kubernetesConnector.executeTool(ctx(config), 'get_pod_logs', {
      namespace: 'prod',
      name: 'web-7d9f8b6c5d-abcde',
      tail_lines: 5,
    });
    expect(logs.logs.trim().split('\n')).toHaveLength(5);
    expect(logs.logs).toContain('GET /healthz 200 49');
    expect(api.requests.find((r) => r.path.endsWith('/log'))?.query.tailLines).toBe('5');
    const e = await rejectsWith(
      kubernetesConnector.executeTool(ctx(config), 'get_pod_logs', { namespace: 'prod', name: 'nope' }),
      ToolExecutionError,
    );
    expect(e.code).toBe('not_found');

    // a two-container pod: default to the first container, or use the one asked for
    const base = api.state.pods[0];
    api.state.pods.push({
      ...base,
      metadata: { ...base.metadata, name: 'sidecar-pod' },
      spec: {
        ...base.spec,
        containers: [
          { name: 'app', image: 'app:1' },
          { name: 'proxy', image: 'envoy:1' },
        ],
      },
    });
    api.state.logs['prod/sidecar-pod/app'] = 'app line\n';
    api.state.logs['prod/sidecar-pod/proxy'] = 'proxy line\n';
    const first: any = await kubernetesConnector.executeTool(ctx(config), 'get_pod_logs', {
      namespace: 'prod',
      name: 'sidecar-pod',
    });
    expect(first).toMatchObject({ container: 'app', logs: 'app line\n' });
    const proxy: any = await kubernetesConnector.executeTool(ctx(config), 'get_pod_logs', {
      namespace: 'prod',
      name: 'sidecar-pod',
      container: 'proxy',
    });
    expect(proxy.logs).toBe('proxy line\n');
    const wrong = await rejectsWith(
      kubernetesConnector.executeTool(ctx(config), 'get_pod_logs', {
        namespace: 'prod',
        name: 'sidecar-pod',
        container: 'nope',
      }),
      ToolExecutionError,
    );
    expect(wrong.code).toBe('upstream_rejected');
  });

  it('list_deployments, scale_deployment, restart_deployment', async () => {
    const ds: any = await kubernetesConnector.executeTool(ctx(config), 'list_deployments', { namespace: 'prod' });
    expect(ds.items.find((d: any) => d.name === 'worker')).toMatchObject({
      replicas: 1,
      ready_replicas: 0,
      ready: '0/1',
    });

    const scaled: any = await kubernetesConnector.executeTool(ctx(config), 'scale_deployment', {
      namespace: 'prod',
      name: 'web',
      replicas: 5,
    });
    expect(scaled).toEqual({ name: 'web', namespace: 'prod', previous_replicas: 2, replicas: 5 });
    const patch = api.requests.find((r) => r.method === 'PATCH');
    expect(patch?.contentType).toBe('application/merge-patch+json');
    expect(patch?.body).toEqual({ spec: { replicas: 5 } });
    expect(api.state.deployments.find((d) => d.metadata.name === 'web').spec.replicas).toBe(5);

    const restarted: any = await kubernetesConnector.executeTool(ctx(config), 'restart_deployment', {
      namespace: 'prod',
      name: 'worker',
    });
    expect(restarted.restarted_at).toMatch(/^\d{4}-/);
    expect(
      api.state.deployments.find((d) => d.metadata.name === 'worker').spec.template.metadata.annotations[
        'kubectl.kubernetes.io/restartedAt'
      ],
    ).toBe(restarted.restarted_at);

    const bad = await rejectsWith(
      kubernetesConnector.executeTool(ctx(config), 'scale_deployment', {
        namespace: 'prod',
        name: 'web',
        replicas: -1,
      }),
      ToolExecutionError,
    );
    expect(bad.code).toBe('invalid_arguments');
    const missing = await rejectsWith(
      kubernetesConnector.executeTool(ctx(config), 'scale_deployment', {
        namespace: 'prod',
        name: 'ghost',
        replicas: 1,
      }),
      ToolExecutionError,
    );
    expect(missing.code).toBe('not_found');
  });

  it('list_events returns warnings newest first', async () => {
    const all: any = await kubernetesConnector.executeTool(ctx(config), 'list_events', {});
    expect(all.items.map((e: any) => e.reason)).toEqual(['BackOff', 'Pulled']);
    const warn: any = await kubernetesConnector.executeTool(ctx(config), 'list_events', {
      namespace: 'prod',
      type: 'Warning',
    });
    expect(warn.items).toEqual([
      expect.objectContaining({
        namespace: 'prod',
        type: 'Warning',
        reason: 'BackOff',
        object: 'Pod/worker-5c6b7d8e9f-klmno',
        count: 42,
        last_seen: '2026-11-20T10:05:00Z',
      }),
    ]);
    const byObj: any = await kubernetesConnector.executeTool(ctx(config), 'list_events', {
      object_name: 'web-7d9f8b6c5d-abcde',
    });
    expect(byObj.total).toBe(1);
  });

  it('delete_pod deletes it', async () => {
    const res = await kubernetesConnector.executeTool(ctx(config), 'delete_pod', {
      namespace: 'prod',
      name: 'worker-5c6b7d8e9f-klmno',
    });
    expect(res).toEqual({ name: 'worker-5c6b7d8e9f-klmno', namespace: 'prod', deleted: true });
    expect(api.state.pods.some((p) => p.metadata.name === 'worker-5c6b7d8e9f-klmno')).toBe(false);
    expect(api.requests.some((r) => r.method === 'DELETE')).toBe(true);
  });

  it('maps auth failures and unknown tools to tool errors', async () => {
    const e = await rejectsWith(
      kubernetesConnector.executeTool(ctx({ ...config, token: 'bad' }), 'list_pods', {}),
      ToolExecutionError,
    );
    expect(e.code).toBe('upstream_auth_failed');
    const u = await rejectsWith(kubernetesConnector.executeTool(ctx(config), 'explode', {}), ToolExecutionError);
    expect(u.code).toBe('tool_not_found');
  });

  it('ingests namespaces, nodes, deployments, pods and services with edges', async () => {
    const { nodes, edges } = await collect(kubernetesConnector.ingest!(ctx(config)));
    const keys = new Set(nodes.map((n) => n.key));
    const count = (label: string) => nodes.filter((n) => n.label === label).length;
    expect(count('Namespace')).toBe(3);
    expect(count('Node')).toBe(2);
    expect(count('Deployment')).toBe(2);
    expect(count('Pod')).toBe(4);
    expect(count('Service')).toBe(2);
    expect(new Set(nodes.map((n) => n.key)).size).toBe(nodes.length);
    const pod = nodes.find((n) => n.key === 'pod:prod/worker-5c6b7d8e9f-klmno')!;
    expect(pod).toMatchObject({
      label: 'Pod',
      name: 'worker-5c6b7d8e9f-klmno',
      properties: expect.objectContaining({ restarts: 7, namespace: 'prod', node_name: 'node-b' }),
    });
    const has = (type: string, from: string, to: string) =>
      edges.some((e) => e.type === type && e.fromKey === from && e.toKey === to);
    expect(has('IN_NAMESPACE', 'pod:prod/worker-5c6b7d8e9f-klmno', 'namespace:prod')).toBe(true);
    expect(has('RUNS_ON', 'pod:prod/worker-5c6b7d8e9f-klmno', 'node:node-b')).toBe(true);
    expect(has('OWNS', 'deployment:prod/web', 'replicaset:prod/web-7d9f8b6c5d')).toBe(true);
    expect(has('OWNS', 'replicaset:prod/web-7d9f8b6c5d', 'pod:prod/web-7d9f8b6c5d-abcde')).toBe(true);
    expect(has('OWNS', 'deployment:prod/web', 'pod:prod/web-7d9f8b6c5d-abcde')).toBe(true);
    expect(has('SELECTS', 'service:prod/web', 'pod:prod/web-7d9f8b6c5d-fghij')).toBe(true);
    // every edge points at ingested nodes
    for (const e of edges) {
      expect(keys.has(e.fromKey)).toBe(true);
      expect(keys.has(e.toKey)).toBe(true);
    }
    // node properties are flat primitives or arrays of primitives
    for (const n of nodes) {
      for (const v of Object.values(n.properties ?? {})) {
        const ok =
          v === null ||
          ['string', 'number', 'boolean'].includes(typeof v) ||
          (Array.isArray(v) && v.every((x) => ['string', 'number', 'boolean'].includes(typeof x)));
        expect(ok).toBe(true);
      }
    }
  });

  it('ingest with a namespace-restricted account only reads its namespaces', async () => {
    const { nodes } = await collect(
      kubernetesConnector.ingest!(ctx({ ...config, token: 'ns-only-token', namespaces: ['prod'] })),
    );
    expect(nodes.filter((n) => n.label === 'Namespace').map((n) => n.name)).toEqual(['prod']);
    expect(nodes.filter((n) => n.label === 'Node')).toHaveLength(0);
    expect(nodes.filter((n) => n.label === 'Pod')).toHaveLength(3);
  });
});

describe('kubernetes connector over https with a private CA', () => {
  let dir: string;
  let api: FakeKubeApi;
  let caPem: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'agentcy-kube-tls-'));
    const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    ossl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=fake-kube-ca',
    );
    ossl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=127.0.0.1',
    );
    writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    ossl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '2',
      '-extfile',
      'san.ext',
    );
    caPem = readFileSync(path.join(dir, 'ca.crt'), 'utf8');
    api = await startFakeKubeApi(undefined, {
      key: readFileSync(path.join(dir, 'server.key'), 'utf8'),
      cert: readFileSync(path.join(dir, 'server.crt'), 'utf8'),
    });
  });
  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trusts the configured CA (PEM or base64), refuses an unknown one, honours insecure_skip_tls_verify', async () => {
    expect(api.url).toMatch(/^https:/);
    const b64 = Buffer.from(caPem).toString('base64');
    expect((await kubernetesConnector.validate(ctx({ server: api.url, token: api.token, ca_data: b64 }))).ok).toBe(
      true,
    );
    const pods: any = await kubernetesConnector.executeTool(
      ctx({ server: api.url, token: api.token, ca_data: caPem }),
      'list_pods',
      { namespace: 'prod' },
    );
    expect(pods.total).toBe(3);
    const untrusted = await rejectsWith(
      kubernetesConnector.validate(ctx({ server: api.url, token: api.token })),
      ConnectorConfigError,
    );
    expect(untrusted.kind).toBe('unreachable');
    expect(
      (await kubernetesConnector.validate(ctx({ server: api.url, token: api.token, insecure_skip_tls_verify: true })))
        .ok,
    ).toBe(true);
    const kubeconfig = `apiVersion: v1
kind: Config
current-context: tls
clusters: [{ name: c, cluster: { server: '${api.url}', certificate-authority-data: '${b64}' } }]
users: [{ name: u, user: { token: '${api.token}' } }]
contexts: [{ name: tls, context: { cluster: c, user: u } }]
`;
    expect((await kubernetesConnector.validate(ctx({ kubeconfig }))).info).toMatchObject({ namespace_count: 3 });
  });
});
