import type { RegistrationMode } from '@libs/config';
import { ForbiddenException } from '@libs/errors';

export type RegistrationDecision =
  { allowed: true; bootstrap: boolean } | { allowed: false; refusal: ForbiddenException };

/**
 * Who may create a local account without being logged in (REGISTRATION):
 * - `closed`: nobody, not even with an invite (accounts come from the seed or the IdP);
 * - `invite`: only with an invite token, except the very first account of an empty install;
 * - `open`: anyone (a new org with `org_name`, or an org's invite).
 * The first account of an empty install (open or invite) is the bootstrap: owner of org
 * `default` unless named otherwise, and platform admin.
 */
export function decideRegistration(
  mode: RegistrationMode,
  request: { withInvite: boolean; installEmpty: boolean },
): RegistrationDecision {
  if (mode === 'closed') {
    return {
      allowed: false,
      refusal: new ForbiddenException(
        'Registration is closed on this install',
        { registration: mode },
        'registration_closed',
      ),
    };
  }
  if (request.withInvite) {
    return { allowed: true, bootstrap: false };
  }
  if (request.installEmpty) {
    return { allowed: true, bootstrap: true };
  }
  if (mode === 'invite') {
    return {
      allowed: false,
      refusal: new ForbiddenException(
        'Registration on this install needs an invite (invite_token)',
        { registration: mode },
        'invite_required',
      ),
    };
  }
  return { allowed: true, bootstrap: false };
}

/** Throws the refusal of a decision; returns whether the account is the install's bootstrap account. */
export function ensureRegistrationAllowed(
  mode: RegistrationMode,
  request: { withInvite: boolean; installEmpty: boolean },
): boolean {
  const decision = decideRegistration(mode, request);
  if (!decision.allowed) {
    throw decision.refusal;
  }
  return decision.bootstrap;
}
