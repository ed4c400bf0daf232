import type { Request } from 'express';
import type { Principal, ServiceCaller } from './principal';

/** What a verifier learnt about a credential it then refused (lets the audit entry land in the right org). */
export interface AuthFailureContext {
  orgId?: string | null;
  userId?: string | null;
  apiKeyId?: string | null;
  email?: string | null;
}

export type AuthedRequest = Request & {
  principal?: Principal;
  caller?: ServiceCaller;
  id?: string;
  authFailure?: AuthFailureContext;
};

export function bearerOf(req: Request): string | undefined {
  const h = req.headers.authorization;
  if (!h) {
    return undefined;
  }
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? m[1].trim() : undefined;
}
