import { AnnouncedCache } from '@libs/auth/announced-cache';
import { PrincipalChanges, type PrincipalChange } from '@libs/auth/principal-changes';
import { Injectable } from '@nestjs/common';
import type { ConversationEntity } from './chat.entity';

/**
 * Conversations as a turn start reads them (every `POST …/messages` reads its conversation; this
 * saves that round trip). An entry is dropped on every replica when its conversation is edited or
 * deleted (PrincipalChanges `conversation`, announced after the change commits); a conversation
 * created here is kept at once. `last_message_at` and `updated_at` of an entry lag: the turn start
 * does not use them, and its insert re-checks that the conversation still exists. See
 * AnnouncedCache for the TTL and the overlap rule.
 */
@Injectable()
export class ConversationsCache extends AnnouncedCache<ConversationEntity | null> {
  constructor(changes: PrincipalChanges) {
    super(changes, 30_000);
  }

  protected tagOf(change: PrincipalChange): string | undefined {
    return change.kind === 'conversation' ? change.id : undefined;
  }

  /** Announces, after the surrounding transaction commits, that the conversation changed. */
  changed(id: string): Promise<void> {
    return this.changes.announce('conversation', id);
  }

  /** The cached conversation, else `load`'s (a conversation not found is not kept). */
  get(orgId: string, id: string, load: () => Promise<ConversationEntity | null>): Promise<ConversationEntity | null> {
    return this.through(keyOf(orgId, id), id, load, (c) => c !== null);
  }

  /** Keeps a conversation just created; the instance is frozen, so pass one no caller edits. */
  created(c: ConversationEntity): void {
    this.remember(keyOf(c.orgId, c.id), c.id, c);
  }
}

/** By org too: an id asked for by another org is another entry (its load finds nothing). */
function keyOf(orgId: string, id: string): string {
  return `${orgId}\u0000${id}`;
}
