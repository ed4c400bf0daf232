import { roleRank, type Role } from '@libs/auth/principal';
import { PLATFORM_ADMIN_PERMISSION } from './platform-admin';

/**
 * Which account changes end the sessions issued before them (users.token_version is bumped).
 * Power that is taken away ends sessions; power that is added does not need to, because the
 * role and permissions are read from the database on every request anyway.
 */
export function roleChangeEndsSessions(from: Role, to: Role): boolean {
  return roleRank(to) < roleRank(from);
}

export function permissionsChangeEndsSessions(before: readonly string[], after: readonly string[]): boolean {
  return before.some((p) => !after.includes(p));
}

/** Platform power is revoked by this change of permissions. */
export function revokesPlatformAdmin(before: readonly string[], after: readonly string[]): boolean {
  return before.includes(PLATFORM_ADMIN_PERMISSION) && !after.includes(PLATFORM_ADMIN_PERMISSION);
}
