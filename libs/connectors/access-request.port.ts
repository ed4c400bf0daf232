/** What the chat's `request_connector_access` meta-tool opens. */
export interface AccessRequestInput {
  orgId: string;
  userId: string | null;
  connector: string;
  reason: string;
  conversationId: string | null;
}

/** Stores connector access requests for admins to decide; implemented by the sources module. */
export abstract class AccessRequestPort {
  abstract open(input: AccessRequestInput): Promise<{ id: string; status: 'pending' }>;
}
