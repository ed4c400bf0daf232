import { EgressModule } from '@libs/egress';
import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ArtifactsModule } from '../artifacts/artifacts.module';
import { AuthModule } from '../auth/auth.module';
import { CiabLiveSessions } from './ciab-live-sessions';
import { CiabNativeController } from './ciab-native.controller';
import { CiabSessionEntity, CiabSnapshotEntity } from './ciab-session.entity';
import { CiabSessionsRepository } from './ciab-sessions.repository';
import { CiabSessionsService } from './ciab-sessions.service';
import { CiabWorkspaceService } from './ciab-workspace.service';
import { LocalJailRuntime } from './jail/local-jail.runtime';
import { SandboxSessionsContract } from './sandbox-sessions.contract';
import { SandboxesController } from './sandboxes.controller';

/**
 * Local coding-agent sessions (/ciab-native) and their port mappings (/sandboxes) (docs/ciab.md).
 * Exports `SandboxSessionsContract` for the preview proxy.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([CiabSessionEntity, CiabSnapshotEntity]),
    IdempotencyModule,
    EgressModule,
    AuthModule,
    ArtifactsModule,
  ],
  controllers: [CiabNativeController, SandboxesController],
  providers: [
    CiabSessionsRepository,
    LocalJailRuntime,
    CiabLiveSessions,
    CiabSessionsService,
    CiabWorkspaceService,
    { provide: SandboxSessionsContract, useExisting: CiabSessionsService },
  ],
  exports: [SandboxSessionsContract],
})
export class CiabNativeModule {}
