import { PrincipalChangesModule } from '@libs/auth/principal-changes';
import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

/** `/api-keys`; exports the repository the bearer resolver uses. */
@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity]), PrincipalChangesModule, IdempotencyModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysRepository, ApiKeysService],
  exports: [ApiKeysRepository],
})
export class ApiKeysModule {}
