import { ToolPolicy } from '@libs/tool-gate/tool-policy';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EngineToolPolicy } from './engine-tool-policy';
import { OrgPolicies } from './org-policies';
import { PolicyChangesModule } from './policy-changes';
import { PolicyEnforcer } from './policy-enforcer';
import { PolicyGuard } from './policy.guard';
import { RouteActions } from './route-actions';

const withStore = new Map<Type, DynamicModule>();

/**
 * The policy engine: compiled sets per org (OrgPolicies), the enforcer, the HTTP guard, the
 * ToolGate's `ToolPolicy` and the route/action table. `PolicyModule.withStore(M)` reads policies
 * from the `PolicyStorePort` module M exports, and feature flags from the `FeatureFlagService` M
 * exports (one instance per M, so every importer shares the cache).
 */
@Module({})
export class PolicyModule {
  static withStore(source: Type): DynamicModule {
    let mod = withStore.get(source);
    if (!mod) {
      mod = {
        module: PolicyModule,
        imports: [source, DiscoveryModule, PolicyChangesModule],
        providers: [
          OrgPolicies,
          PolicyEnforcer,
          PolicyGuard,
          RouteActions,
          EngineToolPolicy,
          { provide: ToolPolicy, useExisting: EngineToolPolicy },
        ],
        exports: [OrgPolicies, PolicyEnforcer, PolicyGuard, RouteActions, ToolPolicy],
      };
      withStore.set(source, mod);
    }
    return mod;
  }
}
