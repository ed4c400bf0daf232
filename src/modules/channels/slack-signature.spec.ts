import { slackSignature, verifySlackSignature } from './slack-signature';

describe('verifySlackSignature', () => {
  const body = Buffer.from('{"type":"event_callback"}');
  const now = 1_700_000_000;
  const ts = String(now);

  it('accepts the signature Slack computes', () => {
    expect(verifySlackSignature('s3cret', ts, slackSignature('s3cret', ts, body), body, now)).toBe(true);
  });

  it('rejects another secret, a changed body, a stale timestamp and missing headers', () => {
    expect(verifySlackSignature('other', ts, slackSignature('s3cret', ts, body), body, now)).toBe(false);
    expect(verifySlackSignature('s3cret', ts, slackSignature('s3cret', ts, body), Buffer.from('{}'), now)).toBe(false);
    const old = String(now - 301);
    expect(verifySlackSignature('s3cret', old, slackSignature('s3cret', old, body), body, now)).toBe(false);
    expect(verifySlackSignature('s3cret', undefined, 'v0=00', body, now)).toBe(false);
    expect(verifySlackSignature('s3cret', ts, undefined, body, now)).toBe(false);
  });
});
