import { AuditAction, NoAudit } from '@libs/audit/audit.decorators';
import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { RequiresFeature } from '@libs/features';
import { Delete, Patch, Post } from '@libs/http';
import { ApiPageResponse, PageQuery, type Page } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ActionDto,
  CreatePolicyDto,
  EvaluatePolicyDto,
  EvaluationDto,
  ListPoliciesQuery,
  PolicyDto,
  PolicyVersionDto,
  UpdatePolicyDto,
} from './dto/policy.dto';
import { PoliciesService } from './policies.service';

/**
 * `/policies` (docs/policies.md). Members read, list and dry-run; admins write. `/policies/audit…`
 * belongs to the audit-log module, registered first; `:id` only ever names a `pol_…` id.
 */
@ApiTags('policies')
@RequiresFeature('policies')
@Controller('policies')
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Get()
  @Authenticated({ minRole: 'member' })
  @ApiOperation({
    operationId: 'policies_list',
    summary: "List the org's policies (starter bundles seeded on first use)",
  })
  @ApiPageResponse(PolicyDto)
  list(@CurrentPrincipal() p: Principal, @Query() query: ListPoliciesQuery): Promise<Page<PolicyDto>> {
    return this.policies.list(p, query);
  }

  @Post()
  @Authenticated({ minRole: 'admin' })
  @AuditAction('policies.create', 'policy', 'policy')
  @ApiOperation({
    operationId: 'policies_create',
    summary: 'Create a policy (Cedar forbid rules); 400 with details.compile_errors when it does not compile',
  })
  @ApiCreatedResponse({ type: PolicyDto })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreatePolicyDto): Promise<PolicyDto> {
    return this.policies.create(p, dto);
  }

  @Get('actions')
  @Authenticated({ minRole: 'member' })
  @ApiOperation({ operationId: 'policies_actions', summary: 'The action name of every policy-checked route' })
  @ApiPageResponse(ActionDto)
  actions(@Query() query: PageQuery): Page<ActionDto> {
    return this.policies.actions(query);
  }

  @Post('evaluate')
  @HttpCode(200)
  @Authenticated({ minRole: 'member' })
  @NoAudit()
  @ApiOperation({
    operationId: 'policies_evaluate',
    summary: "Dry run of the org's enabled policies on an input document: decision, rules, messages (not audited)",
  })
  @ApiOkResponse({ type: EvaluationDto })
  evaluate(@CurrentPrincipal() p: Principal, @Body() dto: EvaluatePolicyDto): Promise<EvaluationDto> {
    return this.policies.evaluate(p, dto.input);
  }

  @Get(':id')
  @Authenticated({ minRole: 'member' })
  @ApiOperation({ operationId: 'policies_get', summary: 'One policy with its source' })
  @ApiOkResponse({ type: PolicyDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<PolicyDto> {
    return this.policies.get(p, id);
  }

  @Patch(':id')
  @Authenticated({ minRole: 'admin' })
  @AuditAction('policies.update', 'policy', 'policy')
  @ApiOperation({
    operationId: 'policies_update',
    summary: 'Edit source, name, description or enabled; each save is a new version',
  })
  @ApiOkResponse({ type: PolicyDto })
  update(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() dto: UpdatePolicyDto): Promise<PolicyDto> {
    return this.policies.update(p, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('policies.delete', 'policy', 'policy')
  @ApiOperation({ operationId: 'policies_delete', summary: 'Delete a policy (starter policies: 409, disable them)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.policies.remove(p, id);
  }

  @Get(':id/versions')
  @Authenticated({ minRole: 'member' })
  @ApiOperation({ operationId: 'policies_versions', summary: 'Saved versions of a policy, newest first' })
  @ApiPageResponse(PolicyVersionDto)
  versions(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Query() query: ListPoliciesQuery,
  ): Promise<Page<PolicyVersionDto>> {
    return this.policies.versions(p, id, query);
  }
}
