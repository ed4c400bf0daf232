import { AnnouncedCache } from '@libs/auth/announced-cache';
import { OrgStatusPort } from '@libs/auth/auth-strategy';
import { PrincipalChanges, type PrincipalChange } from '@libs/auth/principal-changes';
import { SecretBox } from '@libs/crypto';
import { isPrefixedId } from '@libs/database/ids';
import { Injectable } from '@nestjs/common';
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
}

const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

/**
 * The one lookup of a hook's trigger (a task's own webhook trigger `task_…`, or a stand-alone
 * inbound webhook `wh_…`), and the cache the fast lane reads it from. An entry is dropped on every
 * replica when its trigger changes (PrincipalChanges `hook_trigger`: rotation, pause, edit,
 * deletion) or its org does (`org`); see AnnouncedCache for the TTL and the overlap rule.
 */
@Injectable()
export class HookTriggers extends AnnouncedCache<CachedHookTrigger | null> {
  constructor(
    private readonly repo: WebhooksRepository,
    private readonly intake: HookIntake,
    private readonly box: SecretBox,
    private readonly orgStatus: OrgStatusPort,
    changes: PrincipalChanges,
  ) {
    super(changes, TTL_MS, MAX_ENTRIES);
  }

  protected tagOf(change: PrincipalChange): string | undefined {
    return change.kind === 'hook_trigger' || change.kind === 'org' ? `${change.kind}:${change.id}` : undefined;
  }

  /** A fresh cached entry, or undefined (the caller takes the slow path, which fills it). */
  cached(id: string): CachedHookTrigger | undefined {
    return this.peek(id) ?? undefined;
  }

  /** Reads the trigger from its store (never from the cache); null when unknown. Fills the cache. */
  load(id: string): Promise<CachedHookTrigger | null> {
    return this.fill(
      id,
      (t) => [`hook_trigger:${id}`, `org:${t!.orgId}`],
      async () => {
        const found = await this.read(id);
        return found ? { ...found, orgActive: await this.orgStatus.isActive(found.orgId) } : null;
      },
      (t) => t !== null,
    );
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
