import type { UserEntity } from 'src/modules/orgs/user.entity';

/** Install admins: an email in PLATFORM_ADMIN_EMAILS, or the `platform:admin` permission. */
export function isPlatformAdmin(
  user: Pick<UserEntity, 'email' | 'permissions'>,
  adminEmails: readonly string[],
): boolean {
  return adminEmails.includes(user.email.toLowerCase()) || (user.permissions ?? []).includes('platform:admin');
}
