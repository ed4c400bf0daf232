import type { DynamicModule, Type } from '@nestjs/common';
import { CiabNativeModule } from '../ciab-native/ciab-native.module';
import { CliDownloadModule } from '../cli-download/cli-download.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { SandboxPreviewModule } from '../sandbox-preview/sandbox-preview.module';
import { VoiceModule } from '../voice/voice.module';
import { WorkersModule } from '../workers/workers.module';

/** Route-group modules of the runtime area (workers, sidecars, coding sessions, voice, CLI); listed once in feature-modules.ts. */
export const RUNTIME_MODULES: (Type<unknown> | DynamicModule)[] = [
  WorkersModule,
  OrchestratorModule,
  CiabNativeModule,
  SandboxPreviewModule,
  VoiceModule,
  CliDownloadModule,
];
