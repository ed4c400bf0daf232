import {
  AuditChainStore,
  entryHash,
  GENESIS_HASH,
  type AuditCheckpointEntity,
  type AuditEntryEntity,
  type ChainedFields,
} from '@libs/audit';
import { Injectable } from '@nestjs/common';
import { AuditCheckpointSigner } from './audit-checkpoint.signer';

export type BrokenReason = 'hash_mismatch' | 'prev_mismatch' | 'seq_gap' | 'checkpoint_invalid';

export interface ChainReport {
  ok: boolean;
  /** entries walked */
  checked: number;
  /** entries older than the chain (written before it existed), counted but not vouched for */
  unchained: number;
  first_broken: { seq: number; id: string | null; reason: BrokenReason } | null;
  from_checkpoint: { seq: number; cut_at: string } | null;
}

const PAGE = 1000;

/** The stored fields the hash covers, read back from a row. */
export function chainedFieldsOf(e: AuditEntryEntity): ChainedFields {
  return {
    id: e.id,
    org_id: e.orgId,
    seq: Number(e.seq),
    ts: e.ts.toISOString(),
    category: e.category,
    action: e.action,
    result: e.result,
    actor_user_id: e.actorUserId,
    actor_api_key_id: e.actorApiKeyId,
    actor_email: e.actorEmail,
    target: e.target,
    ip: e.ip,
    request_id: e.requestId,
    details: e.details,
  };
}

/** Walks one org's chain, page by page, and stops at the first broken link. */
export class ChainWalk {
  checked = 0;
  unchained = 0;
  private nextSeq: number;
  private expectedPrev: string;
  private chained = false;

  constructor(checkpoint: { seq: number; hash: string } | null) {
    this.nextSeq = (checkpoint?.seq ?? 0) + 1;
    this.expectedPrev = checkpoint?.hash ?? GENESIS_HASH;
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  get lastHash(): string | null {
    return this.chained ? this.expectedPrev : null;
  }

  /** The reason `e` breaks the chain, or null when it continues it. */
  step(e: AuditEntryEntity): BrokenReason | null {
    this.checked++;
    if (Number(e.seq) !== this.nextSeq) {
      return 'seq_gap';
    }
    this.nextSeq++;
    if (e.hash === null) {
      if (this.chained) {
        return 'hash_mismatch';
      }
      this.unchained++;
      return null;
    }
    this.chained = true;
    if (e.prevHash !== this.expectedPrev) {
      return 'prev_mismatch';
    }
    if (entryHash(e.prevHash, chainedFieldsOf(e)) !== e.hash) {
      return 'hash_mismatch';
    }
    this.expectedPrev = e.hash;
    return null;
  }
}

/**
 * `GET /policies/audit/verify`: checks the latest checkpoint's signature, then every entry after it
 * in seq order (bounded memory: pages on one snapshot), then that the last entry is the one the
 * org's counter row names (a removed tail is a gap too).
 */
@Injectable()
export class AuditChainVerifier {
  constructor(
    private readonly store: AuditChainStore,
    private readonly signer: AuditCheckpointSigner,
  ) {}

  verify(orgKey: string): Promise<ChainReport> {
    return this.store.snapshot(async (s) => {
      const cp = await s.latestCheckpoint(orgKey);
      const from = cp ? { seq: Number(cp.seq), cut_at: cp.cutAt.toISOString() } : null;
      const report = (walk: ChainWalk, broken: ChainReport['first_broken']): ChainReport => ({
        ok: broken === null,
        checked: walk.checked,
        unchained: walk.unchained,
        first_broken: broken,
        from_checkpoint: from,
      });
      if (cp && !this.validCheckpoint(orgKey, cp)) {
        return report(new ChainWalk(null), { seq: Number(cp.seq), id: cp.id, reason: 'checkpoint_invalid' });
      }
      const walk = new ChainWalk(cp ? { seq: Number(cp.seq), hash: cp.hash } : null);
      for (;;) {
        const page = await s.page(orgKey, walk.lastSeq, PAGE);
        for (const e of page) {
          const reason = walk.step(e);
          if (reason) {
            return report(walk, { seq: Number(e.seq), id: e.id, reason });
          }
        }
        if (page.length < PAGE) {
          break;
        }
      }
      const head = await s.head(orgKey);
      if (head && head.seq > walk.lastSeq) {
        return report(walk, { seq: walk.lastSeq + 1, id: null, reason: 'seq_gap' });
      }
      if (head?.lastHash && walk.lastHash && head.lastHash !== walk.lastHash) {
        return report(walk, { seq: walk.lastSeq, id: null, reason: 'hash_mismatch' });
      }
      return report(walk, null);
    });
  }

  private validCheckpoint(orgKey: string, cp: AuditCheckpointEntity): boolean {
    return cp.orgKey === orgKey && this.signer.isValid(orgKey, cp.seq, cp.hash, cp.signature);
  }
}
