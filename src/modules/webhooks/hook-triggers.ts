import { OrgStatusPort } from '@libs/auth/auth-strategy';
import { PrincipalChanges } from '@libs/auth/principal-changes';
import { SecretBox } from '@libs/crypto';
import { isPrefixedId } from '@libs/database/ids';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HookIntake } from './hook-intake.service';
import { FireTarget, fireTargetOf } from './inbound-call';
import { WebhooksRepository } from './webhooks.repository';

/** What `/hooks/:trigger_id` needs to know of its trigger. */
export interface HookTrigger {
  orgId: string;
  enabled: boolean;
  secret: string;
  target: FireTarget;
}

/** A trigger as the fast lane holds it: with its org's state, loaded at one moment. */
export interface CachedHookTrigger extends HookTrigger {
  orgActive: boolean;
  expiresAt: number;
}

const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

/**
 * The one lookup of a hook's trigger (a task's own webhook trigger `task_…`, or a stand-alone
 * inbound webhook `wh_…`), and the cache the fast lane reads it from. An entry is dropped on every
 * replica when its trigger changes (PrincipalChanges `hook_trigger`: rotation, pause, edit,
 * deletion) or its org does (`org`), and lives at most TTL_MS (an announcement lost with Redis).
 */
@Injectable()
export class HookTriggers implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(HookTriggers.name);
  private readonly cache = new Map<string, CachedHookTrigger>();
  private stopListening: (() => Promise<void>) | undefined;
  /** bumped on every drop, so a load that started before a change is not cached after it */
  private generation = 0;

  constructor(
    private readonly repo: WebhooksRepository,
    private readonly intake: HookIntake,
    private readonly box: SecretBox,
    private readonly orgStatus: OrgStatusPort,
    private readonly changes: PrincipalChanges,
  ) {}

  async onModuleInit(): Promise<void> {
    this.stopListening = await this.changes.listen(
      (change) => {
        this.generation++;
        if (change.kind === 'hook_trigger') {
          this.cache.delete(change.id);
        } else if (change.kind === 'org') {
          for (const [id, t] of this.cache) {
            if (t.orgId === change.id) {
              this.cache.delete(id);
            }
          }
        }
      },
      () => {
        this.generation++;
        this.cache.clear();
      },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.stopListening?.().catch((err: Error) => this.logger.warn(err.message));
  }

  /** A fresh cached entry, or undefined (the caller takes the slow path, which fills it). */
  cached(id: string): CachedHookTrigger | undefined {
    const t = this.cache.get(id);
    if (t && t.expiresAt < Date.now()) {
      this.cache.delete(id);
      return undefined;
    }
    return t;
  }

  /** Reads the trigger from its store; null when unknown. Fills the cache. */
  async load(id: string): Promise<HookTrigger | null> {
    const generation = this.generation;
    const found = await this.read(id);
    if (found) {
      const orgActive = await this.orgStatus.isActive(found.orgId);
      if (generation === this.generation) {
        if (this.cache.size >= MAX_ENTRIES) {
          this.cache.delete(this.cache.keys().next().value as string);
        }
        this.cache.set(id, { ...found, orgActive, expiresAt: Date.now() + TTL_MS });
      }
    }
    return found;
  }

  private async read(id: string): Promise<HookTrigger | null> {
    if (isPrefixedId('task', id)) {
      const t = await this.intake.taskRuns.hookTarget(id);
      return t ? { orgId: t.orgId, enabled: t.enabled, secret: t.secret, target: { type: 'task', taskId: id } } : null;
    }
    if (isPrefixedId('wh', id)) {
      const w = await this.repo.findWithSecret(id);
      if (!w || w.direction !== 'inbound' || !w.target) {
        return null;
      }
      return {
        orgId: w.orgId,
        enabled: w.enabled,
        secret: this.box.open(w.secretSealed).toString('utf8'),
        target: fireTargetOf(w.target),
      };
    }
    return null;
  }
}
