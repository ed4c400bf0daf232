import { AuditAction, ReqMeta, type RequestMeta } from '@libs/audit';
import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Delete, Patch, Post, Put } from '@libs/http';
import { Body, Controller, Get, HttpCode } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FeatureOverridesUpdateDto, FeaturesSettingsDto } from './dto/features-settings.dto';
import { LlmSettingsDto, LlmSettingsUpdateDto, LlmTestDto, LlmTestResultDto } from './dto/llm-settings.dto';
import { OrgSettingsDto, OrgSettingsUpdateDto } from './dto/org-settings.dto';
import { SecuritySettingsDto, SecuritySettingsUpdateDto } from './dto/security-settings.dto';
import { SettingsService } from './settings.service';

/** Org settings: any org member reads (secrets are never returned), admins write. */
@ApiTags('settings')
@Controller('settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'settings_get', summary: 'Org settings (without secrets)' })
  @ApiOkResponse({ type: OrgSettingsDto })
  get(@CurrentPrincipal() p: Principal): Promise<OrgSettingsDto> {
    return this.settings.getOrgSettings(p);
  }

  @Patch()
  @Authenticated({ minRole: 'admin' })
  @AuditAction('settings.update', 'settings', 'settings')
  @ApiOperation({
    operationId: 'settings_update',
    summary: 'Deep-merge org settings (display_name, timezone, default_realm, security, features)',
  })
  @ApiOkResponse({ type: OrgSettingsDto })
  update(
    @CurrentPrincipal() p: Principal,
    @Body() dto: OrgSettingsUpdateDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<OrgSettingsDto> {
    return this.settings.updateOrgSettings(p, dto, meta);
  }

  @Get('security')
  @Authenticated()
  @ApiOperation({
    operationId: 'settings_get_security',
    summary: 'Approval defaults per tool effect and approval timeout',
  })
  @ApiOkResponse({ type: SecuritySettingsDto })
  getSecurity(@CurrentPrincipal() p: Principal): Promise<SecuritySettingsDto> {
    return this.settings.getSecuritySettings(p);
  }

  @Post('security')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('settings.security.update', 'settings', 'settings')
  @ApiOperation({
    operationId: 'settings_set_security',
    summary: 'Set approval defaults / timeout (partial bodies merge)',
  })
  @ApiOkResponse({ type: SecuritySettingsDto })
  setSecurity(
    @CurrentPrincipal() p: Principal,
    @Body() dto: SecuritySettingsUpdateDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<SecuritySettingsDto> {
    return this.settings.updateSecuritySettings(p, dto, meta);
  }

  @Patch('security')
  @Authenticated({ minRole: 'admin' })
  @AuditAction('settings.security.update', 'settings', 'settings')
  @ApiOperation({ operationId: 'settings_update_security', summary: 'Same as POST /settings/security' })
  @ApiOkResponse({ type: SecuritySettingsDto })
  patchSecurity(
    @CurrentPrincipal() p: Principal,
    @Body() dto: SecuritySettingsUpdateDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<SecuritySettingsDto> {
    return this.settings.updateSecuritySettings(p, dto, meta);
  }

  @Get('llm')
  @Authenticated()
  @ApiOperation({
    operationId: 'settings_get_llm',
    summary: 'Effective LLM configuration (the API key is never returned)',
  })
  @ApiOkResponse({ type: LlmSettingsDto })
  getLlm(@CurrentPrincipal() p: Principal): Promise<LlmSettingsDto> {
    return this.settings.getLlmSettings(p);
  }

  @Put('llm')
  @Authenticated({ minRole: 'admin' })
  @AuditAction('settings.llm.update', 'settings', 'settings')
  @ApiOperation({ operationId: 'settings_set_llm', summary: 'Set the org LLM provider (key stored encrypted)' })
  @ApiOkResponse({ type: LlmSettingsDto })
  setLlm(
    @CurrentPrincipal() p: Principal,
    @Body() dto: LlmSettingsUpdateDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<LlmSettingsDto> {
    return this.settings.updateLlmSettings(p, dto, meta);
  }

  @Delete('llm')
  @Authenticated({ minRole: 'admin' })
  @AuditAction('settings.llm.reset', 'settings', 'settings')
  @ApiOperation({
    operationId: 'settings_reset_llm',
    summary: 'Remove the org LLM configuration (back to env defaults)',
  })
  @ApiOkResponse({ type: LlmSettingsDto })
  resetLlm(@CurrentPrincipal() p: Principal, @ReqMeta() meta: RequestMeta): Promise<LlmSettingsDto> {
    return this.settings.resetLlmSettings(p, meta);
  }

  @Post('llm/test')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('settings.llm.test', 'settings', 'settings')
  @ApiOperation({
    operationId: 'settings_test_llm',
    summary: 'Send a tiny prompt to the configured (or the given) provider',
  })
  @ApiOkResponse({ type: LlmTestResultDto })
  testLlm(@CurrentPrincipal() p: Principal, @Body() dto: LlmTestDto): Promise<LlmTestResultDto> {
    return this.settings.testLlm(p, dto);
  }

  @Get('features')
  @Authenticated()
  @ApiOperation({
    operationId: 'settings_get_features',
    summary: 'Effective feature flags for the org and where each comes from',
  })
  @ApiOkResponse({ type: FeaturesSettingsDto })
  getFeatures(@CurrentPrincipal() p: Principal): Promise<FeaturesSettingsDto> {
    return this.settings.getFeatures(p);
  }

  @Put('features')
  @Authenticated({ minRole: 'admin' })
  @AuditAction('settings.features.update', 'settings', 'settings')
  @ApiOperation({
    operationId: 'settings_set_features',
    summary: 'Replace the org feature overrides (false switches an installed feature off)',
  })
  @ApiOkResponse({ type: FeaturesSettingsDto })
  setFeatures(
    @CurrentPrincipal() p: Principal,
    @Body() dto: FeatureOverridesUpdateDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<FeaturesSettingsDto> {
    return this.settings.updateFeatures(p, dto, true, meta);
  }

  @Patch('features')
  @Authenticated({ minRole: 'admin' })
  @AuditAction('settings.features.update', 'settings', 'settings')
  @ApiOperation({ operationId: 'settings_update_features', summary: 'Merge org feature overrides' })
  @ApiOkResponse({ type: FeaturesSettingsDto })
  patchFeatures(
    @CurrentPrincipal() p: Principal,
    @Body() dto: FeatureOverridesUpdateDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<FeaturesSettingsDto> {
    return this.settings.updateFeatures(p, dto, false, meta);
  }
}
