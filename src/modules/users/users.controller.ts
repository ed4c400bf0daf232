import { AuditAction } from '@libs/audit/audit.decorators';
import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { NotFoundException } from '@libs/errors';
import { Delete, Patch, Post } from '@libs/http';
import { NoIdempotency } from '@libs/idempotency';
import { ApiPageResponse, type Page } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CreateInviteDto, InviteCreatedDto, InviteDto, ListInvitesQuery } from 'src/modules/orgs/dto/invite.dto';
import { InvitesService } from 'src/modules/orgs/invites.service';
import { ListUsersQuery, UpdateMeDto, UpdateUserRoleDto, UserDto, UserProfileDto } from './dto/user.dto';
import { UsersService } from './users.service';

const userId = new ParseUUIDPipe({ exceptionFactory: () => new NotFoundException('User') });
const inviteId = new ParseUUIDPipe({ exceptionFactory: () => new NotFoundException('Invite') });

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly invites: InvitesService,
  ) {}

  @Get('me')
  @Authenticated()
  @ApiOperation({ operationId: 'users_me', summary: 'Current user profile and org memberships' })
  @ApiOkResponse({ type: UserProfileDto })
  me(@CurrentPrincipal() p: Principal): Promise<UserProfileDto> {
    return this.users.me(p);
  }

  @Patch('me')
  @Authenticated()
  @AuditAction('users.update_self', 'auth', 'user')
  @ApiOperation({ operationId: 'users_update_me', summary: 'Update your name or password' })
  @ApiOkResponse({ type: UserProfileDto })
  updateMe(@CurrentPrincipal() p: Principal, @Body() dto: UpdateMeDto): Promise<UserProfileDto> {
    return this.users.updateMe(p, dto);
  }

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'users_list', summary: 'Members of your org' })
  @ApiPageResponse(UserDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: ListUsersQuery): Promise<Page<UserDto>> {
    return this.users.list(p, q);
  }

  @Post('invites')
  @NoIdempotency()
  @Authenticated({ minRole: 'admin' })
  @AuditAction('invites.create', 'platform_admin', 'invite')
  @ApiOperation({
    operationId: 'users_create_invite',
    summary: 'Invite someone into your org (role ≤ yours); the token is returned once',
  })
  @ApiCreatedResponse({ type: InviteCreatedDto })
  createInvite(@CurrentPrincipal() p: Principal, @Body() dto: CreateInviteDto): Promise<InviteCreatedDto> {
    return this.invites.create(p.orgId, p, dto);
  }

  @Get('invites')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'users_list_invites', summary: 'Invites of your org' })
  @ApiPageResponse(InviteDto)
  listInvites(@CurrentPrincipal() p: Principal, @Query() q: ListInvitesQuery): Promise<Page<InviteDto>> {
    return this.invites.list(p.orgId, q);
  }

  @Get('invites/:id')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'users_get_invite', summary: 'One invite of your org' })
  @ApiOkResponse({ type: InviteDto })
  getInvite(@CurrentPrincipal() p: Principal, @Param('id', inviteId) id: string): Promise<InviteDto> {
    return this.invites.get(p.orgId, id);
  }

  @Delete('invites/:id')
  @HttpCode(204)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('invites.revoke', 'platform_admin', 'invite')
  @ApiOperation({ operationId: 'users_revoke_invite', summary: 'Revoke a pending invite of your org' })
  @ApiNoContentResponse({ description: 'Revoked' })
  async revokeInvite(@CurrentPrincipal() p: Principal, @Param('id', inviteId) id: string): Promise<void> {
    await this.invites.revoke(p.orgId, id);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'users_get', summary: 'One member of your org' })
  @ApiOkResponse({ type: UserDto })
  get(@CurrentPrincipal() p: Principal, @Param('id', userId) id: string): Promise<UserDto> {
    return this.users.get(p, id);
  }

  @Patch(':id')
  @Authenticated({ minRole: 'admin' })
  @AuditAction('users.role_change', 'platform_admin', 'user')
  @ApiOperation({
    operationId: 'users_update_role',
    summary: "Change a member's role (the last owner cannot be demoted)",
  })
  @ApiOkResponse({ type: UserDto })
  changeRole(
    @CurrentPrincipal() p: Principal,
    @Param('id', userId) id: string,
    @Body() dto: UpdateUserRoleDto,
  ): Promise<UserDto> {
    return this.users.changeRole(p, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('users.remove', 'platform_admin', 'user')
  @ApiOperation({ operationId: 'users_delete', summary: 'Remove a member from your org' })
  @ApiNoContentResponse({ description: 'Removed' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id', userId) id: string): Promise<void> {
    await this.users.remove(p, id);
  }
}
