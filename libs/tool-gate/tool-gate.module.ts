import { Module } from '@nestjs/common';
import { ToolGate } from './tool-gate';
import { NoToolPolicy, ToolPolicy } from './tool-policy';

/** Provides `ToolGate`; imported by every module that runs connector tools (chat, sources). */
@Module({
  providers: [ToolGate, { provide: ToolPolicy, useClass: NoToolPolicy }],
  exports: [ToolGate],
})
export class ToolGateModule {}
