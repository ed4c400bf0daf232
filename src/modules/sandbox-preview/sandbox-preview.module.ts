import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CiabNativeModule } from '../ciab-native/ciab-native.module';
import { PreviewUpgradeHook } from './preview-upgrade.hook';
import { SandboxPreviewController } from './sandbox-preview.controller';
import { SandboxPreviewService } from './sandbox-preview.service';

/**
 * The preview proxy /sandbox/preview/:session_id/:port/* on session-scoped tokens, HTTP and
 * WebSocket, to the ports the coding sessions of CiabNativeModule bind (docs/sandbox-preview.md).
 */
@Module({
  imports: [CiabNativeModule, AuthModule],
  controllers: [SandboxPreviewController],
  providers: [SandboxPreviewService, PreviewUpgradeHook],
})
export class SandboxPreviewModule {}
