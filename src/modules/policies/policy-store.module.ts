import { PolicyChangesModule } from '@libs/policy/policy-changes';
import { PolicyStorePort } from '@libs/policy/policy-store.port';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrgFeaturesModule, OrgSettingsModule } from '../settings/org-settings.module';
import { PoliciesRepository } from './policies.repository';
import { PolicyStore } from './policy-store';
import { PolicyEntity, PolicyVersionEntity } from './policy.entity';

/**
 * The policies store and the port the engine (libs/policy) reads it through; re-exports the
 * settings-aware feature flags the engine checks. Imports no module that consumes the engine.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([PolicyEntity, PolicyVersionEntity]),
    PolicyChangesModule,
    OrgSettingsModule,
    OrgFeaturesModule,
  ],
  providers: [PoliciesRepository, PolicyStore, { provide: PolicyStorePort, useExisting: PolicyStore }],
  exports: [PoliciesRepository, PolicyStore, PolicyStorePort, OrgFeaturesModule],
})
export class PolicyStoreModule {}
