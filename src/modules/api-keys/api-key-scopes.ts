import { roleRank, type Principal, type Role } from '@libs/auth/principal';
import { AppException, ForbiddenException, ValidationException } from '@libs/errors';
import type { ApiKeyScope } from './api-key.entity';

/**
 * Why a key with these scopes may not be minted by `creator`, or undefined if it may. The
 * `platform` scope (the creator's platform-admin power) needs a key role of admin or owner
 * (400) and a creator who is a platform admin right now (403).
 */
export function apiKeyScopeRefusal(
  creator: Pick<Principal, 'platformAdmin'>,
  role: Role,
  scopes: readonly ApiKeyScope[],
): AppException | undefined {
  if (!scopes.includes('platform')) {
    return undefined;
  }
  if (roleRank(role) < roleRank('admin')) {
    return new ValidationException('The platform scope needs a key role of admin or owner', {
      reason: 'platform_scope_needs_admin_role',
      fields: [{ field: 'scopes', errors: [`a ${role} key cannot carry the platform scope`] }],
    });
  }
  if (!creator.platformAdmin) {
    return new ForbiddenException('Only a platform admin can create a key with the platform scope', {
      reason: 'not_platform_admin',
    });
  }
  return undefined;
}
