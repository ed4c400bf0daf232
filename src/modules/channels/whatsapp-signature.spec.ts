import { gatewaySignature, verifyGatewaySignature } from './whatsapp-signature';

describe('verifyGatewaySignature', () => {
  const body = Buffer.from('{"type":"message"}');
  const now = 1_700_000_000;
  const ts = String(now);

  it('accepts the signature the gateway computes', () => {
    expect(verifyGatewaySignature('gw', ts, gatewaySignature('gw', ts, body), body, now)).toBe(true);
  });

  it('rejects another secret, a changed body, a stale timestamp, a missing secret or header', () => {
    expect(verifyGatewaySignature('other', ts, gatewaySignature('gw', ts, body), body, now)).toBe(false);
    expect(verifyGatewaySignature('gw', ts, gatewaySignature('gw', ts, body), Buffer.from('{}'), now)).toBe(false);
    const old = String(now - 301);
    expect(verifyGatewaySignature('gw', old, gatewaySignature('gw', old, body), body, now)).toBe(false);
    expect(verifyGatewaySignature(undefined, ts, gatewaySignature('', ts, body), body, now)).toBe(false);
    expect(verifyGatewaySignature('gw', undefined, 'sha256=00', body, now)).toBe(false);
    expect(verifyGatewaySignature('gw', ts, undefined, body, now)).toBe(false);
  });
});
