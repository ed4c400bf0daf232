import type { FeatureFlag } from '@libs/features';
import type { LlmProviderName } from '@libs/llm/llm-config';
import type { ApprovalDefaults, ApprovalMode } from '@libs/tool-gate';

// approval defaults are defined once, in libs/tool-gate (the gate applies them)
export {
  DEFAULT_APPROVAL_DEFAULTS,
  DEFAULT_APPROVAL_TIMEOUT_SECS,
  type ApprovalDefaults,
  type ApprovalMode,
} from '@libs/tool-gate';
export const APPROVAL_MODES = ['allow', 'approve', 'deny'] as const satisfies readonly ApprovalMode[];
export const TOOL_EFFECTS = ['read', 'write', 'destructive'] as const satisfies readonly (keyof ApprovalDefaults)[];
export const MIN_APPROVAL_TIMEOUT_SECS = 10;
export const MAX_APPROVAL_TIMEOUT_SECS = 86400;

/** `organizations.settings.security` */
export interface StoredSecurity {
  approval_defaults?: Partial<ApprovalDefaults>;
  approval_timeout_secs?: number;
  org_timezone?: string;
  allow_self_approval?: boolean;
}

/** `organizations.settings.llm` (the key is sealed with SecretBox, base64) */
export interface StoredLlm {
  provider: LlmProviderName;
  model?: string | null;
  base_url?: string | null;
  api_key_sealed?: string | null;
  api_key_hint?: string | null;
  temperature?: number | null;
  max_output_tokens?: number | null;
  context_window?: number | null;
  fallback?: { provider: LlmProviderName; model?: string | null } | null;
  updated_at?: string;
}

/** The JSONB document `organizations.settings` as this module writes it. Other keys are preserved. */
export interface StoredSettings {
  timezone?: string;
  default_realm?: string | null;
  security?: StoredSecurity;
  llm?: StoredLlm;
  /** per-org feature overrides; only `false` is stored (an org can only switch an installed feature off) */
  features?: Partial<Record<FeatureFlag, boolean>>;
  [key: string]: unknown;
}

/** What the chat loop needs (SettingsService.getSecurity). */
export interface OrgSecurity {
  approvalDefaults: ApprovalDefaults;
  approvalTimeoutSecs: number;
  orgTimezone: string;
  allowSelfApproval: boolean;
}

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
