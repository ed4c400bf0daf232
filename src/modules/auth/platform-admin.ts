import { roleRank, type Role } from '@libs/auth/principal';
import type { UserEntity } from 'src/modules/orgs/user.entity';

/** The permission (in `users.permissions`) that makes a user an install (platform) admin. */
export const PLATFORM_ADMIN_PERMISSION = 'platform:admin';

/**
 * Platform power is held by the user id (a stored permission granted by another platform admin,
 * or at bootstrap), never derived from an email address anyone could register.
 */
export function isPlatformAdmin(user: Pick<UserEntity, 'permissions'>): boolean {
  return (user.permissions ?? []).includes(PLATFORM_ADMIN_PERMISSION);
}

/**
 * An API key acts with platform power only when its owner has it now, it was created with the
 * `platform` scope, and it acts as admin or above (min of key role and the owner's current role).
 */
export function apiKeyHasPlatformPower(
  ownerIsPlatformAdmin: boolean,
  key: { scopes: readonly string[] },
  effectiveRole: Role,
): boolean {
  return ownerIsPlatformAdmin && key.scopes.includes('platform') && roleRank(effectiveRole) >= roleRank('admin');
}
