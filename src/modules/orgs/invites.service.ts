import { roleRank, type Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { sha256Hex } from '@libs/crypto';
import { ForbiddenException, NotFoundException, ValidationException } from '@libs/errors';
import type { Page } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { CreateInviteDto, InviteCreatedDto, InviteDto, ListInvitesQuery, toInviteDto } from './dto/invite.dto';
import { InviteEntity, inviteStatus } from './invite.entity';
import { InvitesRepository } from './invites.repository';
import { OrgsRepository } from './orgs.repository';

export const INVITE_TTL_SECS = 7 * 24 * 3600;

/**
 * Invites into an org, shared by `/users/invites` (org admins, own org, role ≤ theirs) and
 * `/platform` (platform admins, any org). The token is shown once and stored as SHA-256.
 */
@Injectable()
export class InvitesService {
  constructor(
    private readonly invites: InvitesRepository,
    private readonly orgs: OrgsRepository,
    private readonly config: AppConfig,
  ) {}

  /** `inviter` null = platform admin acting on any org (no role ceiling). */
  async create(orgId: string, inviter: Principal | null, dto: CreateInviteDto): Promise<InviteCreatedDto> {
    if (this.config.registration === 'closed') {
      throw new ForbiddenException(
        'Invites cannot be accepted while registration is closed on this install',
        { registration: 'closed' },
        'registration_closed',
      );
    }
    const role = dto.role ?? 'member';
    if (inviter && !inviter.platformAdmin && roleRank(role) > roleRank(inviter.role)) {
      throw new ForbiddenException(`You cannot invite with role ${role} (your role is ${inviter.role})`, {
        role,
        your_role: inviter.role,
      });
    }
    if (!(await this.orgs.findById(orgId))) {
      throw new NotFoundException('Organization');
    }
    let expiresAt = new Date(Date.now() + (dto.expires_in_secs ?? INVITE_TTL_SECS) * 1000);
    if (dto.expires_at) {
      expiresAt = new Date(dto.expires_at);
      if (expiresAt.getTime() <= Date.now()) {
        throw new ValidationException('expires_at must be in the future', {
          fields: [{ field: 'expires_at', errors: ['expires_at must be in the future'] }],
        });
      }
    }
    const token = `inv_${randomBytes(32).toString('base64url')}`;
    const invite = await this.invites.create({
      orgId,
      email: dto.email.trim(),
      role,
      tokenHash: sha256Hex(token),
      expiresAt,
      createdBy: inviter?.userId ?? null,
    });
    return {
      ...toInviteDto(invite),
      token,
      accept_url: `${this.config.frontendUrl}/invite?token=${encodeURIComponent(token)}`,
    };
  }

  list(orgId: string | undefined, query: ListInvitesQuery): Promise<Page<InviteDto>> {
    return this.invites.list(orgId, query, toInviteDto);
  }

  async get(orgId: string | undefined, id: string): Promise<InviteDto> {
    const invite = await this.invites.find(orgId, id);
    if (!invite) {
      throw new NotFoundException('Invite');
    }
    return toInviteDto(invite);
  }

  async revoke(orgId: string | undefined, id: string): Promise<void> {
    const invite = await this.invites.find(orgId, id);
    if (!invite) {
      throw new NotFoundException('Invite');
    }
    if (inviteStatus(invite) !== 'pending') {
      return;
    }
    await this.invites.update(id, { revokedAt: new Date() });
  }

  /** Refuses an unusable invite without locking it: a cheap look before a password is hashed. */
  async check(token: string, email?: string): Promise<void> {
    this.usable(await this.invites.findByTokenHash(sha256Hex(token.trim())), email);
  }

  /**
   * Locks a pending invite for acceptance inside the caller's transaction. The caller creates
   * the user, then calls `markAccepted`. Any unusable token is the same 400.
   */
  async claim(token: string, email?: string): Promise<InviteEntity> {
    return this.usable(await this.invites.findByTokenHashForUpdate(sha256Hex(token.trim())), email);
  }

  private usable(invite: InviteEntity | null, email?: string): InviteEntity {
    const status = invite ? inviteStatus(invite) : undefined;
    if (!invite || status !== 'pending') {
      throw new ValidationException(
        'The invite token is invalid, expired, revoked or already used',
        { reason: 'invalid_invite', ...(status ? { status } : {}) },
        'invalid_invite',
      );
    }
    if (email && email.trim().toLowerCase() !== invite.email.toLowerCase()) {
      throw new ValidationException(
        'This invite was issued for another email address',
        { reason: 'invite_email_mismatch' },
        'invalid_invite',
      );
    }
    return invite;
  }

  async markAccepted(invite: InviteEntity, userId: string): Promise<void> {
    await this.invites.update(invite.id, { acceptedAt: new Date(), acceptedBy: userId });
  }
}
