import { AuditAction } from '@libs/audit/audit.decorators';
import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Delete, Patch, Post } from '@libs/http';
import { ApiPageResponse, type Page } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApproveSkillDto,
  CreateSkillDto,
  ListSkillsQuery,
  RegistryInstallDto,
  RegistryListDto,
  RegistryQuery,
  RejectSkillDto,
  SkillDto,
  SkillSummaryDto,
  UpdateSkillDto,
} from './dto/skill.dto';
import { SkillsService } from './skills.service';

/** `/skills`: custom skills, their approval workflow and the registry (docs/skills.md). */
@ApiTags('skills')
@Controller('skills')
export class SkillsController {
  constructor(private readonly skills: SkillsService) {}

  @Get()
  @Authenticated()
  @ApiOperation({
    operationId: 'skills_list',
    summary: "The org's skill versions, newest first (filters status, origin, tag, slug, q)",
  })
  @ApiPageResponse(SkillSummaryDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: ListSkillsQuery): Promise<Page<SkillSummaryDto>> {
    return this.skills.list(p, q);
  }

  @Post()
  @Authenticated({ minRole: 'member' })
  @AuditAction('skills.create', 'api', 'skill')
  @ApiOperation({
    operationId: 'skills_create',
    summary: 'Create a draft skill (`markdown` with frontmatter, or fields)',
  })
  @ApiCreatedResponse({ type: SkillDto })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateSkillDto): Promise<SkillDto> {
    return this.skills.create(p, dto);
  }

  @Get('registry')
  @Authenticated()
  @ApiOperation({ operationId: 'skills_registry_list', summary: 'Browse the skill registry shipped with this build' })
  @ApiOkResponse({ type: RegistryListDto })
  registry(@CurrentPrincipal() p: Principal, @Query() q: RegistryQuery): Promise<RegistryListDto> {
    return this.skills.registryFor(p, q.q);
  }

  @Post('registry/install')
  @Authenticated({ minRole: 'member' })
  @AuditAction('skills.registry.install', 'api', 'skill')
  @ApiOperation({
    operationId: 'skills_registry_install',
    summary: 'Copy a registry skill into the org (`origin: registry`, status `pending_approval`)',
  })
  @ApiCreatedResponse({ type: SkillDto })
  install(@CurrentPrincipal() p: Principal, @Body() dto: RegistryInstallDto): Promise<SkillDto> {
    return this.skills.install(p, dto);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'skills_get', summary: 'One skill version with its body' })
  @ApiOkResponse({ type: SkillDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<SkillDto> {
    return this.skills.get(p, id);
  }

  @Patch(':id')
  @Authenticated({ minRole: 'member' })
  @AuditAction('skills.update', 'api', 'skill')
  @ApiOperation({
    operationId: 'skills_update',
    summary:
      'Edit a draft or rejected version (back to draft); editing an approved one returns its next version as a new draft',
  })
  @ApiOkResponse({ type: SkillDto })
  update(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() dto: UpdateSkillDto): Promise<SkillDto> {
    return this.skills.update(p, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ minRole: 'member' })
  @AuditAction('skills.delete', 'api', 'skill')
  @ApiOperation({
    operationId: 'skills_delete',
    summary: 'Delete a draft or rejected version (approved ones are archived)',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.skills.remove(p, id);
  }

  @Post(':id/submit')
  @HttpCode(200)
  @Authenticated({ minRole: 'member' })
  @AuditAction('skills.submit', 'api', 'skill')
  @ApiOperation({ operationId: 'skills_submit', summary: 'draft → pending_approval' })
  @ApiOkResponse({ type: SkillDto })
  submit(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<SkillDto> {
    return this.skills.submit(p, id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('skills.approve', 'api', 'skill')
  @ApiOperation({
    operationId: 'skills_approve',
    summary: 'pending_approval → approved (the previously approved version of the slug is archived)',
  })
  @ApiOkResponse({ type: SkillDto })
  approve(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() dto: ApproveSkillDto): Promise<SkillDto> {
    return this.skills.approve(p, id, dto.note);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('skills.reject', 'api', 'skill')
  @ApiOperation({ operationId: 'skills_reject', summary: 'pending_approval → rejected, with a note' })
  @ApiOkResponse({ type: SkillDto })
  reject(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() dto: RejectSkillDto): Promise<SkillDto> {
    return this.skills.reject(p, id, dto.note);
  }

  @Post(':id/archive')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('skills.archive', 'api', 'skill')
  @ApiOperation({ operationId: 'skills_archive', summary: 'approved → archived (no longer reaches the agent)' })
  @ApiOkResponse({ type: SkillDto })
  archive(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<SkillDto> {
    return this.skills.archive(p, id);
  }
}
