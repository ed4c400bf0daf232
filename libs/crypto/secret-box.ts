import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const VERSION = 1;

/** AES-256-GCM for secrets at rest: version byte || 12-byte nonce || ciphertext || 16-byte tag. */
export class SecretBox {
  private macKey: Buffer | undefined;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) {
      throw new Error('SecretBox needs a 32-byte key');
    }
  }

  seal(plaintext: string | Buffer): Buffer {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), nonce, body, cipher.getAuthTag()]);
  }

  open(sealed: Buffer): Buffer {
    if (sealed.length < 29 || sealed[0] !== VERSION) {
      throw new Error('Unknown secret format');
    }
    const nonce = sealed.subarray(1, 13);
    const tag = sealed.subarray(sealed.length - 16);
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonce);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(13, sealed.length - 16)), decipher.final()]);
  }

  sealJson(value: unknown): Buffer {
    return this.seal(JSON.stringify(value));
  }

  openJson<T>(sealed: Buffer): T {
    return JSON.parse(this.open(sealed).toString('utf8')) as T;
  }

  /**
   * Keyed digest (HMAC-SHA256 under a subkey of the box key), hex: a fingerprint of a value that
   * cannot be reversed by guessing the value offline (unlike a plain SHA-256 of a short body).
   */
  mac(value: string | Buffer): string {
    this.macKey ??= createHmac('sha256', this.key).update('agentcy:mac:v1').digest();
    return createHmac('sha256', this.macKey).update(value).digest('hex');
  }
}

export function sha256Hex(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time string comparison (length leak only). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Shows only the first characters of a secret. */
export function mask(secret: string, visible = 4): string {
  return secret.length <= visible ? '****' : `${secret.slice(0, visible)}****`;
}
