import { PrincipalChangesModule } from '@libs/auth/principal-changes';
import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SettingsModule } from '../settings/settings.module';
import { AgentEntity } from './agent.entity';
import { AgentsContract } from './agents.contract';
import { AgentsController } from './agents.controller';
import { AgentsRepository } from './agents.repository';
import { AgentsService } from './agents.service';
import { ResolvedAgentsCache } from './resolved-agents-cache';

/** `/agents` CRUD. Exports AgentsContract (`resolve(orgId, idOrName?)`); deletes consult the optional AgentUsagePort. */
@Module({
  imports: [TypeOrmModule.forFeature([AgentEntity]), SettingsModule, IdempotencyModule, PrincipalChangesModule],
  controllers: [AgentsController],
  providers: [
    AgentsRepository,
    AgentsService,
    ResolvedAgentsCache,
    { provide: AgentsContract, useExisting: AgentsService },
  ],
  exports: [AgentsService, AgentsContract],
})
export class AgentsModule {}
