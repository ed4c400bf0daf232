import type { OrgSecurity } from './settings.types';

/**
 * What other modules use of the settings module (`SettingsModule` provides it as
 * `SettingsService`): the org's approval settings with the documented defaults applied.
 */
export abstract class SettingsContract {
  abstract getSecurity(orgId: string): Promise<OrgSecurity>;
}
