import { AuditAction, NoAudit } from '@libs/audit/audit.decorators';
import { ReqMeta, type RequestMeta } from '@libs/audit/request-meta';
import { Authenticated, CurrentPrincipal, Public } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { NotFoundException } from '@libs/errors';
import { Delete, Patch, Post } from '@libs/http';
import { NoIdempotency } from '@libs/idempotency';
import { ApiPageResponse, type Page } from '@libs/pagination';
import { AnonymousRateLimit } from '@libs/rate-limit/rate-limit.decorators';
import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthService } from 'src/modules/auth/auth.service';
import { LoginResponseDto } from 'src/modules/auth/dto/auth-response.dto';
import {
  AcceptInviteDto,
  CreateInviteDto,
  InviteCreatedDto,
  InviteDto,
  PlatformCreateInviteDto,
  PlatformListInvitesQuery,
} from 'src/modules/orgs/dto/invite.dto';
import { UserDto } from 'src/modules/users/dto/user.dto';
import {
  CreateOrgDto,
  ListOrgsQuery,
  OrgCreatedDto,
  OrgDetailDto,
  OrgDto,
  PasswordResetIssuedDto,
  PlatformAdminStatusDto,
  PlatformListUsersQuery,
  PlatformUpdateUserDto,
  UpdateOrgDto,
} from './dto/platform.dto';
import { PlatformService } from './platform.service';

const id = (what: string) => new ParseUUIDPipe({ exceptionFactory: () => new NotFoundException(what) });
const PA = () => Authenticated({ platformAdmin: true });

@ApiTags('platform')
@Controller('platform')
export class PlatformController {
  constructor(
    private readonly platform: PlatformService,
    private readonly auth: AuthService,
  ) {}

  @Get('orgs')
  @PA()
  @ApiOperation({ operationId: 'platform_list_orgs', summary: 'All orgs of the install' })
  @ApiPageResponse(OrgDto)
  listOrgs(@Query() q: ListOrgsQuery): Promise<Page<OrgDto>> {
    return this.platform.listOrgs(q);
  }

  @Post('orgs')
  @NoIdempotency()
  @PA()
  @AuditAction('platform.orgs.create', 'platform_admin', 'org')
  @ApiOperation({ operationId: 'platform_create_org', summary: 'Create an org (optionally with an owner invite)' })
  @ApiCreatedResponse({ type: OrgCreatedDto })
  createOrg(@CurrentPrincipal() p: Principal, @Body() dto: CreateOrgDto): Promise<OrgCreatedDto> {
    return this.platform.createOrg(p, dto);
  }

  @Get('orgs/:id')
  @PA()
  @ApiOperation({ operationId: 'platform_get_org', summary: 'One org with usage counters' })
  @ApiOkResponse({ type: OrgDetailDto })
  getOrg(@Param('id', id('Organization')) orgId: string): Promise<OrgDetailDto> {
    return this.platform.getOrg(orgId);
  }

  @Patch('orgs/:id')
  @PA()
  @AuditAction('platform.orgs.update', 'platform_admin', 'org')
  @ApiOperation({ operationId: 'platform_update_org', summary: 'Change display name, plan, or disable/enable an org' })
  @ApiOkResponse({ type: OrgDetailDto })
  updateOrg(@Param('id', id('Organization')) orgId: string, @Body() dto: UpdateOrgDto): Promise<OrgDetailDto> {
    return this.platform.updateOrg(orgId, dto);
  }

  @Post('orgs/:id/disable')
  @HttpCode(200)
  @PA()
  @AuditAction('platform.orgs.disable', 'platform_admin', 'org')
  @ApiOperation({ operationId: 'platform_disable_org', summary: 'Disable an org: its members get 403 org_disabled' })
  @ApiOkResponse({ type: OrgDetailDto })
  disableOrg(@Param('id', id('Organization')) orgId: string): Promise<OrgDetailDto> {
    return this.platform.updateOrg(orgId, { disabled: true });
  }

  @Post('orgs/:id/enable')
  @HttpCode(200)
  @PA()
  @AuditAction('platform.orgs.enable', 'platform_admin', 'org')
  @ApiOperation({ operationId: 'platform_enable_org', summary: 'Re-enable a disabled org' })
  @ApiOkResponse({ type: OrgDetailDto })
  enableOrg(@Param('id', id('Organization')) orgId: string): Promise<OrgDetailDto> {
    return this.platform.updateOrg(orgId, { disabled: false });
  }

  @Delete('orgs/:id')
  @HttpCode(204)
  @PA()
  @AuditAction('platform.orgs.delete', 'platform_admin', 'org')
  @ApiOperation({
    operationId: 'platform_delete_org',
    summary: 'Delete an org: disabled at once, restorable until its data is purged (ORG_PURGE_AFTER_DAYS)',
  })
  @ApiNoContentResponse()
  deleteOrg(@CurrentPrincipal() p: Principal, @Param('id', id('Organization')) orgId: string): Promise<void> {
    return this.platform.deleteOrg(p, orgId);
  }

  @Post('orgs/:id/restore')
  @HttpCode(200)
  @PA()
  @AuditAction('platform.orgs.restore', 'platform_admin', 'org')
  @ApiOperation({ operationId: 'platform_restore_org', summary: 'Restore a deleted org before it is purged' })
  @ApiOkResponse({ type: OrgDetailDto })
  restoreOrg(@Param('id', id('Organization')) orgId: string): Promise<OrgDetailDto> {
    return this.platform.restoreOrg(orgId);
  }

  @Post('orgs/:id/invites')
  @NoIdempotency()
  @PA()
  @AuditAction('platform.invites.create', 'platform_admin', 'invite')
  @ApiOperation({
    operationId: 'platform_create_org_invite',
    summary: 'Invite someone into an org; the token is returned once',
  })
  @ApiCreatedResponse({ type: InviteCreatedDto })
  createOrgInvite(
    @CurrentPrincipal() p: Principal,
    @Param('id', id('Organization')) orgId: string,
    @Body() dto: CreateInviteDto,
  ): Promise<InviteCreatedDto> {
    return this.platform.createInvite(p, orgId, dto);
  }

  @Post('invites/accept')
  @NoIdempotency()
  @Public()
  @AnonymousRateLimit()
  @NoAudit()
  @ApiOperation({
    operationId: 'platform_accept_invite',
    summary: 'Accept an invite: creates the invited user and logs in',
  })
  @ApiCreatedResponse({ type: LoginResponseDto })
  acceptInvite(@Body() dto: AcceptInviteDto, @ReqMeta() meta: RequestMeta): Promise<LoginResponseDto> {
    return this.auth.acceptInvite(dto, meta);
  }

  @Post('invites')
  @NoIdempotency()
  @PA()
  @AuditAction('platform.invites.create', 'platform_admin', 'invite')
  @ApiOperation({
    operationId: 'platform_create_invite',
    summary: 'Invite someone into the org given by org_id; the token is returned once',
  })
  @ApiCreatedResponse({ type: InviteCreatedDto })
  createInvite(@CurrentPrincipal() p: Principal, @Body() dto: PlatformCreateInviteDto): Promise<InviteCreatedDto> {
    const { org_id, ...rest } = dto;
    return this.platform.createInvite(p, org_id, rest);
  }

  @Get('invites')
  @PA()
  @ApiOperation({
    operationId: 'platform_list_invites',
    summary: 'Invites across the install (filter by org_id, status)',
  })
  @ApiPageResponse(InviteDto)
  listInvites(@Query() q: PlatformListInvitesQuery): Promise<Page<InviteDto>> {
    return this.platform.listInvites(q);
  }

  @Delete('invites/:id')
  @HttpCode(204)
  @PA()
  @AuditAction('platform.invites.revoke', 'platform_admin', 'invite')
  @ApiOperation({ operationId: 'platform_revoke_invite', summary: 'Revoke a pending invite' })
  @ApiNoContentResponse({ description: 'Revoked' })
  async revokeInvite(@Param('id', id('Invite')) inviteId: string): Promise<void> {
    await this.platform.revokeInvite(inviteId);
  }

  @Get('users')
  @PA()
  @ApiOperation({
    operationId: 'platform_list_users',
    summary: 'Users across all orgs (q, org_id, role, disabled filters)',
  })
  @ApiPageResponse(UserDto)
  listUsers(@Query() q: PlatformListUsersQuery): Promise<Page<UserDto>> {
    return this.platform.listUsers(q);
  }

  @Patch('users/:id')
  @PA()
  @AuditAction('platform.users.update', 'platform_admin', 'user')
  @ApiOperation({ operationId: 'platform_update_user', summary: 'Disable/enable a user, change role or permissions' })
  @ApiOkResponse({ type: UserDto })
  updateUser(
    @CurrentPrincipal() p: Principal,
    @Param('id', id('User')) userId: string,
    @Body() dto: PlatformUpdateUserDto,
  ): Promise<UserDto> {
    return this.platform.updateUser(p, userId, dto);
  }

  @Post('users/:id/platform-admin')
  @HttpCode(200)
  @PA()
  @AuditAction('platform.users.grant_platform_admin', 'platform_admin', 'user')
  @ApiOperation({
    operationId: 'platform_grant_platform_admin',
    summary: 'Make a user a platform admin (the platform:admin permission, held by the user id)',
  })
  @ApiOkResponse({ type: PlatformAdminStatusDto })
  grantPlatformAdmin(
    @CurrentPrincipal() p: Principal,
    @Param('id', id('User')) userId: string,
  ): Promise<PlatformAdminStatusDto> {
    return this.platform.setPlatformAdmin(p, userId, true);
  }

  @Delete('users/:id/platform-admin')
  @PA()
  @AuditAction('platform.users.revoke_platform_admin', 'platform_admin', 'user')
  @ApiOperation({
    operationId: 'platform_revoke_platform_admin',
    summary: "Take platform admin away (ends the user's sessions; the last platform admin cannot lose it: 409)",
  })
  @ApiOkResponse({ type: PlatformAdminStatusDto })
  revokePlatformAdmin(
    @CurrentPrincipal() p: Principal,
    @Param('id', id('User')) userId: string,
  ): Promise<PlatformAdminStatusDto> {
    return this.platform.setPlatformAdmin(p, userId, false);
  }

  @Post('users/:id/reset-password')
  @HttpCode(200)
  @NoIdempotency()
  @PA()
  @AuditAction('platform.users.reset_password', 'platform_admin', 'user')
  @ApiOperation({
    operationId: 'platform_reset_user_password',
    summary:
      "Issue a one-time password reset token for a local user (shown once, 24 h, see POST /auth/reset-password); the user's sessions end",
  })
  @ApiOkResponse({ type: PasswordResetIssuedDto })
  resetPassword(
    @CurrentPrincipal() p: Principal,
    @Param('id', id('User')) userId: string,
  ): Promise<PasswordResetIssuedDto> {
    return this.platform.issuePasswordReset(p, userId);
  }

  @Post('users/:id/disable')
  @HttpCode(200)
  @PA()
  @AuditAction('platform.users.disable', 'platform_admin', 'user')
  @ApiOperation({
    operationId: 'platform_disable_user',
    summary: 'Disable a user: their tokens and API keys stop working at once',
  })
  @ApiOkResponse({ type: UserDto })
  disableUser(@CurrentPrincipal() p: Principal, @Param('id', id('User')) userId: string): Promise<UserDto> {
    return this.platform.updateUser(p, userId, { disabled: true });
  }

  @Post('users/:id/enable')
  @HttpCode(200)
  @PA()
  @AuditAction('platform.users.enable', 'platform_admin', 'user')
  @ApiOperation({ operationId: 'platform_enable_user', summary: 'Re-enable a disabled user' })
  @ApiOkResponse({ type: UserDto })
  enableUser(@CurrentPrincipal() p: Principal, @Param('id', id('User')) userId: string): Promise<UserDto> {
    return this.platform.updateUser(p, userId, { disabled: false });
  }
}
