import { DEFAULT_APPROVAL_TIMEOUT_SECS, type ApprovalDefaults } from '@libs/tool-gate';
import { Injectable } from '@nestjs/common';
import { SettingsContract } from 'src/modules/settings/settings.contract';

export interface ChatSecurity {
  approvalDefaults: ApprovalDefaults;
  approvalTimeoutSecs: number;
  /** whether the user who triggered a destructive call may approve it (off unless the org turns it on) */
  allowSelfApproval: boolean;
}

/** The org's approval settings as the chat needs them (settings module contract; defaults applied there). */
@Injectable()
export class ChatSecuritySettings {
  constructor(private readonly settings: SettingsContract) {}

  async security(orgId: string): Promise<ChatSecurity> {
    const s = await this.settings.getSecurity(orgId);
    const timeout = Number(s.approvalTimeoutSecs);
    return {
      approvalDefaults: s.approvalDefaults,
      approvalTimeoutSecs: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_APPROVAL_TIMEOUT_SECS,
      allowSelfApproval: s.allowSelfApproval === true,
    };
  }
}
