/** A canned payload users fire into a task to test it without a real sender (`/webhook-samples`). */
export interface SamplePayload {
  id: string;
  name: string;
  description: string;
  payload: unknown;
  headers: Record<string, string>;
}

const ALERT = {
  status: 'firing',
  labels: {
    alertname: 'HighErrorRate',
    severity: 'critical',
    service: 'checkout-api',
    namespace: 'prod',
    pod: 'checkout-api-7d9f8b6c5-x2k4q',
  },
  annotations: {
    summary: 'checkout-api 5xx rate above 5% for 10 minutes',
    description: 'Error rate is 7.3% (threshold 5%) on checkout-api in prod.',
    runbook_url: 'https://runbooks.example.com/checkout-api/high-error-rate',
  },
  startsAt: '2026-01-15T08:42:11.000Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL:
    'http://prometheus.example.com/graph?g0.expr=rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B5m%5D%29',
  fingerprint: '3c9a1f0d2b7e4a55',
};

function alertmanager(alerts: (typeof ALERT)[]) {
  return {
    version: '4',
    groupKey: '{}:{alertname="HighErrorRate"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'agentcy',
    groupLabels: { alertname: 'HighErrorRate' },
    commonLabels: { alertname: 'HighErrorRate', severity: 'critical', namespace: 'prod' },
    commonAnnotations: { summary: ALERT.annotations.summary },
    externalURL: 'http://alertmanager.example.com',
    alerts,
  };
}

const REPO = {
  id: 482_913_774,
  name: 'api',
  full_name: 'acme/api',
  private: true,
  html_url: 'https://github.com/acme/api',
  default_branch: 'main',
  owner: { login: 'acme', id: 9_182_736, type: 'Organization' },
};

/** The built-ins (ids are stable; an org cannot save a sample with one of these ids). */
export const BUILTIN_SAMPLES: readonly SamplePayload[] = [
  {
    id: 'alertmanager-single',
    name: 'alertmanager-single',
    description: 'Prometheus Alertmanager webhook with one firing alert',
    headers: { 'content-type': 'application/json', 'user-agent': 'Alertmanager/0.27.0' },
    payload: alertmanager([ALERT]),
  },
  {
    id: 'alertmanager-group',
    name: 'alertmanager-group',
    description: 'Prometheus Alertmanager webhook with a group of three alerts (two firing, one resolved)',
    headers: { 'content-type': 'application/json', 'user-agent': 'Alertmanager/0.27.0' },
    payload: alertmanager([
      ALERT,
      { ...ALERT, labels: { ...ALERT.labels, pod: 'checkout-api-7d9f8b6c5-p8r2m' }, fingerprint: '8b1e77c0a9d34f21' },
      {
        ...ALERT,
        status: 'resolved',
        labels: { ...ALERT.labels, pod: 'checkout-api-7d9f8b6c5-z9w1n' },
        endsAt: '2026-01-15T08:51:40.000Z',
        fingerprint: 'f04d6b2e19ac7730',
      },
    ]),
  },
  {
    id: 'github-pull-request-opened',
    name: 'github-pull-request-opened',
    description: 'GitHub `pull_request` event, action `opened`',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'user-agent': 'GitHub-Hookshot/5a4f2c1',
    },
    payload: {
      action: 'opened',
      number: 1347,
      pull_request: {
        id: 1_987_654_321,
        number: 1347,
        state: 'open',
        title: 'Retry payment capture on gateway timeouts',
        body: 'Wraps `capture()` in a bounded retry with jitter. Fixes #1290.',
        html_url: 'https://github.com/acme/api/pull/1347',
        user: { login: 'octocat', id: 583_231 },
        head: { ref: 'fix/payment-retry', sha: '6dcb09b5b57875f334f61aebed695e2e4193db5e' },
        base: { ref: 'main', sha: 'a10867b14bb761a232cd80139fbd4c0d33264240' },
        draft: false,
        additions: 84,
        deletions: 12,
        changed_files: 4,
        created_at: '2026-01-15T09:02:33Z',
      },
      repository: REPO,
      sender: { login: 'octocat', id: 583_231 },
    },
  },
  {
    id: 'github-push',
    name: 'github-push',
    description: 'GitHub `push` event with two commits to main',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': '9a1f7e40-cc79-11e3-8b0e-1b2c3d4e5f60',
      'user-agent': 'GitHub-Hookshot/5a4f2c1',
    },
    payload: {
      ref: 'refs/heads/main',
      before: 'a10867b14bb761a232cd80139fbd4c0d33264240',
      after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
      compare: 'https://github.com/acme/api/compare/a10867b14bb7...0d1a26e67d8f',
      pusher: { name: 'octocat', email: 'octocat@example.com' },
      commits: [
        {
          id: '6dcb09b5b57875f334f61aebed695e2e4193db5e',
          message: 'Retry payment capture on gateway timeouts',
          timestamp: '2026-01-15T09:10:02Z',
          author: { name: 'Mona Octocat', email: 'octocat@example.com', username: 'octocat' },
          added: [],
          removed: [],
          modified: ['src/payments/capture.ts'],
        },
        {
          id: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
          message: 'Add capture retry tests',
          timestamp: '2026-01-15T09:11:45Z',
          author: { name: 'Mona Octocat', email: 'octocat@example.com', username: 'octocat' },
          added: ['test/payments/capture.spec.ts'],
          removed: [],
          modified: [],
        },
      ],
      repository: REPO,
      sender: { login: 'octocat', id: 583_231 },
    },
  },
  {
    id: 'pagerduty-incident',
    name: 'pagerduty-incident',
    description: 'PagerDuty v3 webhook, `incident.triggered`',
    headers: { 'content-type': 'application/json', 'user-agent': 'PagerDuty-Webhook/V3.0' },
    payload: {
      event: {
        id: '01DEN4HPBQAAAG05V5QQYBRZMF',
        event_type: 'incident.triggered',
        resource_type: 'incident',
        occurred_at: '2026-01-15T08:43:05.000Z',
        agent: { type: 'service_reference', id: 'PSVC123', summary: 'checkout-api' },
        data: {
          id: 'Q2K7PZ1ABCDEF',
          type: 'incident',
          number: 4821,
          title: 'HighErrorRate: checkout-api 5xx rate above 5%',
          status: 'triggered',
          urgency: 'high',
          html_url: 'https://acme.pagerduty.com/incidents/Q2K7PZ1ABCDEF',
          service: { id: 'PSVC123', summary: 'checkout-api', type: 'service_reference' },
          assignees: [{ id: 'PUSR456', summary: 'Jane On-Call', type: 'user_reference' }],
          escalation_policy: { id: 'PEP789', summary: 'Payments primary', type: 'escalation_policy_reference' },
          priority: { id: 'PPRI1', summary: 'P1' },
        },
      },
    },
  },
  {
    id: 'grafana-alert',
    name: 'grafana-alert',
    description: 'Grafana unified alerting webhook, one firing alert',
    headers: { 'content-type': 'application/json', 'user-agent': 'Grafana' },
    payload: {
      receiver: 'agentcy',
      status: 'firing',
      orgId: 1,
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'DiskAlmostFull', grafana_folder: 'Infrastructure', instance: 'db-1:9100' },
          annotations: { summary: 'Disk usage on db-1 above 90%', description: '/var/lib/postgresql is 93% full' },
          startsAt: '2026-01-15T07:58:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'https://grafana.example.com/alerting/grafana/fdk8x2/view',
          fingerprint: 'c6eb1d2a90b3f4e7',
          silenceURL: 'https://grafana.example.com/alerting/silence/new?alertmanager=grafana',
          dashboardURL: 'https://grafana.example.com/d/node-exporter',
          panelURL: 'https://grafana.example.com/d/node-exporter?viewPanel=12',
          values: { B: 93.2, C: 1 },
        },
      ],
      groupLabels: { alertname: 'DiskAlmostFull' },
      commonLabels: { alertname: 'DiskAlmostFull', grafana_folder: 'Infrastructure' },
      commonAnnotations: {},
      externalURL: 'https://grafana.example.com/',
      version: '1',
      groupKey: '{}:{alertname="DiskAlmostFull"}',
      truncatedAlerts: 0,
      title: '[FIRING:1] DiskAlmostFull Infrastructure',
      state: 'alerting',
      message: '**Firing**\n\nValue: B=93.2\nLabels:\n - alertname = DiskAlmostFull\n - instance = db-1:9100',
    },
  },
  {
    id: 'generic-json',
    name: 'generic-json',
    description: 'A small generic JSON event',
    headers: { 'content-type': 'application/json' },
    payload: {
      event: 'deployment.finished',
      service: 'checkout-api',
      environment: 'prod',
      version: '2026.01.15-3',
      status: 'success',
      triggered_by: 'ci',
      url: 'https://ci.example.com/builds/99231',
    },
  },
];

const BY_ID = new Map(BUILTIN_SAMPLES.map((s) => [s.id, s]));

export function builtinSample(id: string): SamplePayload | undefined {
  return BY_ID.get(id);
}

/** `My Paged Alert!` → `my-paged-alert` */
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100);
}
