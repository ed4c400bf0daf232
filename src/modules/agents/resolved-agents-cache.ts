import { PrincipalChanges } from '@libs/auth/principal-changes';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { ResolvedAgent } from './agents.contract';

const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  orgId: string;
  agent: ResolvedAgent;
  expiresAt: number;
}

/**
 * Agents as `AgentsService.resolve` returned them, by org and the id or name asked for (every turn
 * start resolves its agent; this saves that round trip). An org's entries are dropped on every
 * replica when one of its agents changes (PrincipalChanges `agent`, announced after the change
 * commits) or the org does (`org`); an entry lives at most TTL_MS (an announcement lost with Redis),
 * and a load that overlaps a change is not kept. Cached agents are frozen: callers copy, never edit.
 */
@Injectable()
export class ResolvedAgentsCache implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ResolvedAgentsCache.name);
  private readonly entries = new Map<string, Entry>();
  private stopListening: (() => Promise<void>) | undefined;
  /** bumped on every drop, so a load that started before a change is not kept after it */
  private generation = 0;

  constructor(private readonly changes: PrincipalChanges) {}

  async onModuleInit(): Promise<void> {
    this.stopListening = await this.changes.listen(
      (change) => {
        if (change.kind === 'agent' || change.kind === 'org') {
          this.dropOrg(change.id);
        }
      },
      () => {
        this.generation++;
        this.entries.clear();
      },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.stopListening?.().catch((err: Error) => this.logger.warn(err.message));
  }

  /** Announces, after the surrounding transaction commits, that an agent of the org changed. */
  changed(orgId: string): Promise<void> {
    return this.changes.announce('agent', orgId);
  }

  /** The cached agent, or else `load`'s (kept unless a change of any org was heard meanwhile). */
  async get(orgId: string, idOrName: string, load: () => Promise<ResolvedAgent>): Promise<ResolvedAgent> {
    const key = `${orgId}\u0000${idOrName.toLowerCase()}`;
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > Date.now()) {
      return hit.agent;
    }
    const generation = this.generation;
    const agent = deepFreeze(await load());
    if (generation === this.generation) {
      if (this.entries.size >= MAX_ENTRIES) {
        this.entries.delete(this.entries.keys().next().value as string);
      }
      this.entries.set(key, { orgId, agent, expiresAt: Date.now() + TTL_MS });
    }
    return agent;
  }

  private dropOrg(orgId: string): void {
    this.generation++;
    for (const [key, e] of this.entries) {
      if (e.orgId === orgId) {
        this.entries.delete(key);
      }
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) {
      deepFreeze(v);
    }
  }
  return value;
}
