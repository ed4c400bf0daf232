import { GraphModule } from '@libs/graph/graph.module';
import { Module } from '@nestjs/common';
import { OrgFeaturesModule } from '../settings/org-settings.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({ imports: [GraphModule, OrgFeaturesModule], controllers: [HealthController], providers: [HealthService] })
export class HealthModule {}
