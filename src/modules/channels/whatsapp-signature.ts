import { createHmac, timingSafeEqual } from 'node:crypto';

export const GATEWAY_MAX_SKEW_SECONDS = 300;

/** The WhatsApp gateway's event signature: `sha256=` + hex HMAC-SHA256(secret, `<timestamp>.<raw body>`). */
export function gatewaySignature(secret: string, timestamp: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/** Checks the signature and that the timestamp (unix seconds) is within 5 minutes of `nowSeconds`. */
export function verifyGatewaySignature(
  secret: string | undefined,
  timestamp: string | undefined,
  signature: string | undefined,
  body: Buffer,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  if (!secret || !timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) {
    return false;
  }
  if (Math.abs(nowSeconds - Number(timestamp)) > GATEWAY_MAX_SKEW_SECONDS) {
    return false;
  }
  const want = Buffer.from(gatewaySignature(secret, timestamp, body));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}
