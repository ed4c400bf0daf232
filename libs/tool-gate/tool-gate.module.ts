import { DynamicModule, Module, Type } from '@nestjs/common';
import { ToolGate } from './tool-gate';

const withPolicy = new Map<Type | DynamicModule, DynamicModule>();

/**
 * `ToolGate`, imported by every module that runs connector tools (chat, sources, and any later
 * caller) as `ToolGateModule.withPolicy(M)`: the gate asks the `ToolPolicy` module M exports (the
 * org policies, `OrgToolGateModule` in src/modules/policies). The bare module provides nothing,
 * so a caller cannot get a gate that skips the policies.
 */
@Module({})
export class ToolGateModule {
  static withPolicy(source: Type | DynamicModule): DynamicModule {
    let mod = withPolicy.get(source);
    if (!mod) {
      mod = { module: ToolGateModule, imports: [source], providers: [ToolGate], exports: [ToolGate] };
      withPolicy.set(source, mod);
    }
    return mod;
  }
}
