import { canonicalJson, sha256Hex } from '@libs/crypto';

/** `prev_hash` of an org's first entry when no checkpoint precedes it. */
export const GENESIS_HASH = '0'.repeat(64);

/** Install-level entries (no org) count and chain on their own counter row. */
export const NO_ORG_KEY = '00000000-0000-0000-0000-000000000000';

/** The stored fields of an entry the hash covers, in their stored (JSON) form. */
export interface ChainedFields {
  id: string;
  org_id: string | null;
  seq: number;
  ts: string;
  category: string;
  action: string;
  result: string;
  actor_user_id: string | null;
  actor_api_key_id: string | null;
  actor_email: string | null;
  target: unknown;
  ip: string | null;
  request_id: string | null;
  details: unknown;
}

/** `sha256(prev_hash || canonical(entry))`, hex. */
export function entryHash(prevHash: string, fields: ChainedFields): string {
  return sha256Hex(prevHash + canonicalJson(fields));
}

/** What a retention checkpoint's signature covers. */
export function checkpointPayload(orgKey: string, seq: number | string, hash: string): string {
  return `agentcy:audit-checkpoint:v1|${orgKey}|${seq}|${hash}`;
}
