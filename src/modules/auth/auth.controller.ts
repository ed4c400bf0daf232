import { AuditAction, NoAudit } from '@libs/audit/audit.decorators';
import { ReqMeta, type RequestMeta } from '@libs/audit/request-meta';
import { Authenticated, CurrentPrincipal, Public } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Post } from '@libs/http';
import { NoIdempotency } from '@libs/idempotency';
import { AnonymousRateLimit } from '@libs/rate-limit/rate-limit.decorators';
import { Body, Controller, Get, Headers, HttpCode, Query, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiFoundResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { AcceptInviteDto } from 'src/modules/orgs/dto/invite.dto';
import { AuthService } from './auth.service';
import { LoginResponseDto, MeResponseDto } from './dto/auth-response.dto';
import { LoginDto, OidcCallbackQuery, RegisterDto, ResetPasswordDto } from './dto/login.dto';
import { OidcLoginService } from './oidc-login.service';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly oidc: OidcLoginService,
  ) {}

  @Post('login')
  @NoIdempotency()
  @HttpCode(200)
  @Public()
  @AnonymousRateLimit()
  @NoAudit()
  @ApiOperation({ operationId: 'auth_login', summary: 'Log in with email and password' })
  @ApiOkResponse({ type: LoginResponseDto })
  login(@Body() dto: LoginDto, @ReqMeta() meta: RequestMeta): Promise<LoginResponseDto> {
    return this.auth.login(dto, meta);
  }

  @Post('register')
  @NoIdempotency()
  @Public()
  @AnonymousRateLimit()
  @NoAudit()
  @ApiOperation({
    operationId: 'auth_register',
    summary: 'Register a user (new org with org_name, or join one with invite_token)',
    description:
      'Idempotency-Key: a replay within 24 h returns a fresh session for the same user (the token itself is never stored).',
  })
  @ApiCreatedResponse({ type: LoginResponseDto })
  register(
    @Body() dto: RegisterDto,
    @ReqMeta() meta: RequestMeta,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<LoginResponseDto> {
    return this.auth.register(dto, meta, idempotencyKey);
  }

  @Post('invites/accept')
  @NoIdempotency()
  @Public()
  @AnonymousRateLimit()
  @NoAudit()
  @ApiOperation({
    operationId: 'auth_accept_invite',
    summary: 'Accept an invite: creates the invited user and logs in',
  })
  @ApiCreatedResponse({ type: LoginResponseDto })
  acceptInvite(@Body() dto: AcceptInviteDto, @ReqMeta() meta: RequestMeta): Promise<LoginResponseDto> {
    return this.auth.acceptInvite(dto, meta);
  }

  @Post('reset-password')
  @NoIdempotency()
  @HttpCode(200)
  @Public()
  @AnonymousRateLimit()
  @NoAudit()
  @ApiOperation({
    operationId: 'auth_reset_password',
    summary: 'Set a new password with a one-time reset token (from a platform admin) and log in',
  })
  @ApiOkResponse({ type: LoginResponseDto })
  resetPassword(@Body() dto: ResetPasswordDto, @ReqMeta() meta: RequestMeta): Promise<LoginResponseDto> {
    return this.auth.resetPassword(dto, meta);
  }

  @Post('logout')
  @NoIdempotency()
  @HttpCode(204)
  @Authenticated()
  @AuditAction('auth.logout', 'auth', 'user')
  @ApiOperation({
    operationId: 'auth_logout',
    summary: 'End the calling session (this token only; other sessions of the user go on)',
  })
  @ApiNoContentResponse({ description: 'The token is refused from now on' })
  async logout(@CurrentPrincipal() principal: Principal): Promise<void> {
    await this.auth.logout(principal);
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({ operationId: 'auth_me', summary: 'The calling user' })
  @ApiOkResponse({ type: MeResponseDto })
  me(@CurrentPrincipal() principal: Principal): Promise<MeResponseDto> {
    return this.auth.me(principal);
  }

  @Get('oidc/login')
  @Public()
  @AnonymousRateLimit()
  @ApiOperation({
    operationId: 'auth_oidc_login',
    summary: 'Start an OIDC login: 302 to the IdP (PKCE S256, server-side state)',
  })
  @ApiFoundResponse({ description: 'Redirect to OIDC_AUTHORIZE_URL' })
  async oidcLogin(@Res() res: Response): Promise<void> {
    res.redirect(302, await this.oidc.start());
  }

  @Get('oidc/callback')
  @Public()
  @AnonymousRateLimit()
  @ApiOperation({
    operationId: 'auth_oidc_callback',
    summary: 'Finish an OIDC login: exchanges the code and returns a local session (login shape)',
  })
  @ApiOkResponse({ type: LoginResponseDto })
  oidcCallback(@Query() q: OidcCallbackQuery, @ReqMeta() meta: RequestMeta): Promise<LoginResponseDto> {
    return this.oidc.callback(q.code, q.state, meta);
  }
}
