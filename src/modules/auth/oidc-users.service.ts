import { isRole, type Role } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { UnauthorizedException } from '@libs/errors';
import { Injectable, Logger } from '@nestjs/common';
import type { JWTPayload } from 'jose';
import { createHash } from 'node:crypto';
import { OrganizationEntity } from 'src/modules/orgs/organization.entity';
import { OrgsRepository } from 'src/modules/orgs/orgs.repository';
import { UserEntity } from 'src/modules/orgs/user.entity';
import { UsersRepository } from 'src/modules/orgs/users.repository';
import { QueryFailedError } from 'typeorm';
import { roleChangeEndsSessions } from './session-policy';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Just-in-time provisioning of OIDC users, keyed by (iss, sub). The role claim is re-applied on
 * every request (the IdP is the source of truth); unknown or missing roles become `member`.
 */
@Injectable()
export class OidcUsersService {
  private readonly logger = new Logger(OidcUsersService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly orgs: OrgsRepository,
    private readonly config: AppConfig,
  ) {}

  roleOf(claims: JWTPayload): Role {
    const raw = claims[this.config.auth.claimRole];
    return isRole(raw) ? raw : 'member';
  }

  async upsert(claims: JWTPayload & { sub: string }): Promise<UserEntity> {
    const iss = String(claims.iss);
    const role = this.roleOf(claims);
    let user = await this.users.findByExternal(iss, claims.sub);
    if (!user) {
      user = await this.provision(iss, claims, role);
    }
    const patch: Partial<UserEntity> = {};
    if (user.role !== role) {
      patch.role = role;
    }
    if (!user.lastLoginAt || Date.now() - user.lastLoginAt.getTime() > 60_000) {
      patch.lastLoginAt = new Date();
    }
    if (patch.role && roleChangeEndsSessions(user.role, patch.role)) {
      // a lower role from the IdP ends the local sessions issued by the login callback
      const tokenVersion = await this.users.updateAndEndSessions(user.orgId, user.id, patch);
      Object.assign(user, patch, { tokenVersion: tokenVersion ?? user.tokenVersion });
    } else if (Object.keys(patch).length) {
      await this.users.update(user.id, patch);
      Object.assign(user, patch);
    }
    return user;
  }

  private async provision(iss: string, claims: JWTPayload & { sub: string }, role: Role): Promise<UserEntity> {
    const email = typeof claims.email === 'string' ? claims.email.trim() : '';
    if (!email) {
      throw new UnauthorizedException('Token has no email claim', { reason: 'missing_email' });
    }
    const org = await this.orgFor(claims);
    if (await this.users.findByEmail(email)) {
      throw new UnauthorizedException('Another account already uses this email', { reason: 'email_in_use' });
    }
    try {
      return await this.users.create({
        orgId: org.id,
        email,
        name: typeof claims.name === 'string' ? claims.name : null,
        role,
        roles: [role],
        authProvider: 'oidc',
        issuer: iss,
        externalId: claims.sub,
        emailVerified: claims.email_verified === true,
        passwordHash: null,
      });
    } catch (err) {
      // two first requests raced: the other one created the row
      if (err instanceof QueryFailedError && (err.driverError as { code?: string })?.code === '23505') {
        const again = await this.users.findByExternal(iss, claims.sub);
        if (again) {
          return again;
        }
      }
      throw err;
    }
  }

  private async orgFor(claims: JWTPayload & { sub: string }): Promise<OrganizationEntity> {
    const raw = claims[this.config.auth.claimOrgId];
    const orgClaim = typeof raw === 'string' && raw.trim() ? raw.trim() : undefined;
    if (orgClaim) {
      const org = UUID.test(orgClaim) ? await this.orgs.findById(orgClaim) : await this.orgs.findByName(orgClaim);
      if (org) {
        return org;
      }
      if (!this.config.auth.jitOrg || UUID.test(orgClaim)) {
        throw new UnauthorizedException('The org named by the token does not exist', { reason: 'unknown_org' });
      }
      return this.createOrg(orgClaim);
    }
    if (!this.config.auth.jitOrg) {
      throw new UnauthorizedException('Token has no org claim', { reason: 'missing_org_claim' });
    }
    const short = createHash('sha256')
      .update(`${String(claims.iss)}\0${claims.sub}`)
      .digest('hex')
      .slice(0, 10);
    return this.createOrg(`oidc-${short}`);
  }

  private async createOrg(name: string): Promise<OrganizationEntity> {
    try {
      const org = await this.orgs.create({ name, displayName: name, settings: {} });
      this.logger.log(`created org ${name} just in time for an OIDC user`);
      return org;
    } catch (err) {
      const existing = await this.orgs.findByName(name);
      if (existing) {
        return existing;
      }
      throw err;
    }
  }
}
