import { CryptoModule } from '@libs/crypto/crypto.module';
import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { RealmsModule } from '../realms/realms.module';
import { OrgFeaturesModule, OrgLlmModule, OrgSettingsModule } from './org-settings.module';
import { RealmCheck } from './realm-check';
import { SettingsContract } from './settings.contract';
import { SettingsController } from './settings.controller';
import { SettingsService } from './settings.service';

/**
 * `/settings`. The org settings store and the ports libs read it through live in OrgSettingsModule
 * (see org-settings.module.ts). Exports SettingsService (`getSecurity(orgId)` for the chat loop).
 */
@Module({
  imports: [OrgSettingsModule, OrgFeaturesModule, OrgLlmModule, RealmsModule, CryptoModule, IdempotencyModule],
  controllers: [SettingsController],
  providers: [SettingsService, RealmCheck, { provide: SettingsContract, useExisting: SettingsService }],
  exports: [SettingsService, RealmCheck, SettingsContract],
})
export class SettingsModule {}
