import { NoAudit } from '@libs/audit/audit.decorators';
import { Authenticated, CurrentCaller, CurrentPrincipal, Signed } from '@libs/auth/auth.decorators';
import type { Principal, ServiceCaller } from '@libs/auth/principal';
import { Post } from '@libs/http';
import { Body, Controller, HttpCode, Param } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiHeader, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { FireAcceptedDto, HookAcceptedDto } from './dto/webhook.dto';
import { HookIntake } from './hook-intake.service';
import { HookCall, type InboundCall } from './inbound-call';
import { TriggersService } from './triggers.service';

/** `POST /hooks/:trigger_id`: the HMAC-signed receiver (the delivery log is its record, not the audit log). */
@ApiTags('webhooks')
@Controller('hooks')
export class HooksController {
  constructor(private readonly intake: HookIntake) {}

  @Post(':trigger_id')
  @Signed('webhook')
  @NoAudit()
  @HttpCode(202)
  @ApiParam({
    name: 'trigger_id',
    description: 'a task (`task_…`) with a webhook trigger, or an inbound webhook (`wh_…`)',
  })
  @ApiHeader({
    name: 'X-Agentcy-Timestamp',
    required: false,
    description: 'unix seconds; then the signature covers "<timestamp>.<body>" and must be under 5 minutes old',
  })
  @ApiOperation({
    operationId: 'hooks_receive',
    summary: 'Receive a signed webhook call; 202 once the delivery is logged and the run queued',
  })
  @ApiAcceptedResponse({ type: HookAcceptedDto })
  async receive(@CurrentCaller() caller: ServiceCaller, @HookCall() call: InboundCall): Promise<HookAcceptedDto> {
    const r = await this.intake.receive(caller, call);
    return { delivery_id: r.deliveryId, run_id: r.runId };
  }
}

/** `POST /triggers/:id/fire`: fire a task or inbound webhook with a user credential. */
@ApiTags('webhooks')
@Controller('triggers')
export class TriggersController {
  constructor(private readonly triggers: TriggersService) {}

  @Post(':id/fire')
  @Authenticated({ minRole: 'member' })
  @HttpCode(202)
  @ApiOperation({ operationId: 'triggers_fire', summary: 'Fire a task (`task_…`) or inbound webhook (`wh_…`)' })
  @ApiBody({ required: false, schema: { description: 'any JSON; exposed to templates as `trigger.body`' } })
  @ApiAcceptedResponse({ type: FireAcceptedDto })
  fire(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() body: unknown): Promise<FireAcceptedDto> {
    return this.triggers.fire(p, id, body);
  }
}
