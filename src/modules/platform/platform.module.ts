import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { ArtifactsModule } from '../artifacts/artifacts.module';
import { AuthModule } from '../auth/auth.module';
import { GraphApiModule } from '../graph/graph.module';
import { OrgsModule } from '../orgs/orgs.module';
import { OrgPurgeService } from './org-purge.service';
import { PlatformController } from './platform.controller';
import { PlatformService } from './platform.service';

/** `/platform`: install administration (platform admins only), and the purge of deleted orgs. */
@Module({
  imports: [AuthModule, OrgsModule, ApiKeysModule, GraphApiModule, ArtifactsModule, IdempotencyModule],
  controllers: [PlatformController],
  providers: [PlatformService, OrgPurgeService],
})
export class PlatformModule {}
