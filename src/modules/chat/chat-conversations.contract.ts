import type { Principal } from '@libs/auth/principal';

/** A conversation as other modules may see it. */
export interface ConversationRef {
  id: string;
  orgId: string;
  /** agent name and id the conversation runs with */
  agent: string;
  agentId: string | null;
  realm: string | null;
  createdBy: string | null;
}

/** What ChatModule offers modules with routes under a conversation (e.g. `/chat/conversations/:id/skills`). */
export abstract class ChatConversationsContract {
  /** The conversation if `p` may read it (its creator or an org admin); else 404 `not_found` (Conversation). */
  abstract readable(p: Principal, id: string): Promise<ConversationRef>;
}
