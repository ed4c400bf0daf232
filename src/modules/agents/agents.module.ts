import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RealmCheck } from '../settings/realm-check';
import { AgentEntity } from './agent.entity';
import { AgentsController } from './agents.controller';
import { AgentsRepository } from './agents.repository';
import { AgentsService } from './agents.service';

/** `/agents` CRUD. Exports AgentsService (`resolve(orgId, idOrName?)`, `registerUsageCheck`). */
@Module({
  imports: [TypeOrmModule.forFeature([AgentEntity])],
  controllers: [AgentsController],
  providers: [AgentsRepository, AgentsService, RealmCheck],
  exports: [AgentsService],
})
export class AgentsModule {}
