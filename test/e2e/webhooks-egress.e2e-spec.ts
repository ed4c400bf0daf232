import { OrgEvents } from '@libs/events/org-events';
import { registerOwner } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { api, eventually } from './chat-helpers';
import { startReceiver, type Receiver } from './webhooks-helpers';

describe('webhooks: outbound deliveries go through the egress guard (e2e)', () => {
  let t: TestApp;
  let rx: Receiver;

  beforeAll(async () => {
    rx = await startReceiver();
    // no EGRESS_ALLOW: loopback destinations are refused
    t = await startTestApp({
      EGRESS_ALLOW: '',
      WEBHOOK_DELIVERY_ATTEMPTS: '2',
      WEBHOOK_RETRY_BASE_MS: '20',
      WEBHOOK_RETRY_MAX_MS: '50',
      WEBHOOK_DISPATCH_INTERVAL_MS: '50',
    });
  });
  afterAll(async () => {
    await t?.close();
    await rx?.close();
  });

  it('a refused destination is a failed attempt recorded with egress_forbidden, then dead; nothing reaches it', async () => {
    const owner = await registerOwner(t, 'wh-egress');
    const sub = await api(t.baseUrl, 'POST', '/webhooks', owner.auth, {
      name: 'loopback',
      url: `${rx.url}/private`,
      events: ['approval.created'],
    });
    expect(sub.status).toBe(201);
    await t.app
      .get(OrgEvents)
      .publish(owner.orgId, 'approval.created', { approval_id: 'apr_e', conversation_id: 'c', tool: 't' });
    const d = await eventually(async () => {
      const items = (await api(t.baseUrl, 'GET', `/webhooks/${sub.body.id}/deliveries`, owner.auth)).body.items;
      return items[0]?.status === 'dead' ? items[0] : null;
    });
    expect(d).toMatchObject({ status: 'dead', attempts: 2, error_code: 'egress_forbidden', http_status: null });
    expect(d.error).toContain('not allowed');
    expect(rx.calls).toHaveLength(0);
    const audit = await api(t.baseUrl, 'GET', '/activity/audit?action=egress.denied', owner.auth);
    expect(audit.body.items.length).toBeGreaterThan(0);
  });
});
