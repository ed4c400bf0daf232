import { Injectable } from '@nestjs/common';
import { UsersRepository } from 'src/modules/orgs/users.repository';

/** Who receives a notification: users looked up through the orgs module. */
@Injectable()
export class NotificationRecipients {
  constructor(private readonly users: UsersRepository) {}

  /** The org's enabled admins and owners. */
  admins(orgId: string): Promise<string[]> {
    return this.users.enabledAdminIds(orgId);
  }

  /** `userId` when it is an enabled member of the org, else the org's admins. */
  async userOrAdmins(orgId: string, userId: unknown): Promise<string[]> {
    const user = await this.enabledUser(orgId, userId);
    return user ? [user.id] : this.admins(orgId);
  }

  /** `userId` when it is an enabled member of the org, else nobody. */
  async user(orgId: string, userId: unknown): Promise<string[]> {
    const user = await this.enabledUser(orgId, userId);
    return user ? [user.id] : [];
  }

  /** The address of an enabled member of the org, or null. */
  async email(orgId: string, userId: string): Promise<string | null> {
    return (await this.enabledUser(orgId, userId))?.email ?? null;
  }

  private async enabledUser(orgId: string, userId: unknown) {
    if (typeof userId !== 'string' || !/^[0-9a-f-]{36}$/i.test(userId)) {
      return null;
    }
    const user = await this.users.findInOrg(orgId, userId);
    return user && !user.disabledAt ? user : null;
  }
}
