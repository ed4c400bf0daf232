import { checkpointPayload } from '@libs/audit';
import { safeEqual, SecretBox } from '@libs/crypto';
import { Injectable } from '@nestjs/common';

/** Signs retention checkpoints: HMAC-SHA256 under a subkey of ENCRYPTION_KEY (SecretBox.mac) over org|seq|hash. */
@Injectable()
export class AuditCheckpointSigner {
  constructor(private readonly box: SecretBox) {}

  sign(orgKey: string, seq: number | string, hash: string): string {
    return this.box.mac(checkpointPayload(orgKey, seq, hash));
  }

  isValid(orgKey: string, seq: number | string, hash: string, signature: string): boolean {
    return safeEqual(this.sign(orgKey, seq, hash), signature);
  }
}
