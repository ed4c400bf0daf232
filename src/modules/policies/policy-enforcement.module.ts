import { PolicyModule } from '@libs/policy/policy.module';
import { ToolGateModule } from '@libs/tool-gate/tool-gate.module';
import { PolicyStoreModule } from './policy-store.module';

/** The policy engine reading this app's store: import it (not the bare `PolicyModule`). */
export const PolicyEnforcementModule = PolicyModule.withStore(PolicyStoreModule);

/** `ToolGate` asking the org policies: every module that runs connector tools imports this. */
export const OrgToolGateModule = ToolGateModule.withPolicy(PolicyEnforcementModule);
