import { Module } from '@nestjs/common';

/** `/policies`: the org's policies, the policy engine in front of every action (docs/policies.md). */
@Module({})
export class PoliciesModule {}
