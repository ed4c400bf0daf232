import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { PoliciesController } from './policies.controller';
import { PoliciesService } from './policies.service';
import { PolicyEnforcementModule } from './policy-enforcement.module';
import { PolicyStoreModule } from './policy-store.module';

/** `/policies`: the org's policies, the policy engine in front of every action (docs/policies.md). */
@Module({
  imports: [PolicyStoreModule, PolicyEnforcementModule, IdempotencyModule],
  controllers: [PoliciesController],
  providers: [PoliciesService],
})
export class PoliciesModule {}
