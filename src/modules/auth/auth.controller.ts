import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, Public } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { AuthService } from './auth.service';
import { LoginResponseDto, MeResponseDto } from './dto/auth-response.dto';
import { LoginDto, RegisterDto } from './dto/login.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @HttpCode(200)
  @Public()
  @ApiOperation({ operationId: 'auth_login', summary: 'Log in with email and password' })
  @ApiOkResponse({ type: LoginResponseDto })
  login(@Body() dto: LoginDto): Promise<LoginResponseDto> {
    return this.auth.login(dto);
  }

  @Post('register')
  @Public()
  @ApiOperation({ operationId: 'auth_register', summary: 'Register a user (new org, or join one with an invite token)' })
  @ApiCreatedResponse({ type: LoginResponseDto })
  register(@Body() dto: RegisterDto): Promise<LoginResponseDto> {
    return this.auth.register(dto);
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({ operationId: 'auth_me', summary: 'The calling user' })
  @ApiOkResponse({ type: MeResponseDto })
  me(@CurrentPrincipal() principal: Principal): Promise<MeResponseDto> {
    return this.auth.me(principal);
  }
}
