import { Module } from '@nestjs/common';

/** The preview proxy /sandbox/preview/:session_id/:port/* on session-scoped tokens (docs/ciab.md). */
@Module({})
export class SandboxPreviewModule {}
