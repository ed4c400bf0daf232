/**
 * The one list of environment variables the API reads. Boot validation, the typed
 * AppConfig and the README table are all derived from it, so they cannot drift.
 */
import type { EnvVar } from './env-var';
import { AUTOMATION_VARS } from './env/automation';
import { CHAT_VARS } from './env/chat';
import { CONNECTORS_VARS } from './env/connectors';
import { FEATURES_VARS } from './env/features';
import { IDENTITY_VARS } from './env/identity';
import { INTEGRATIONS_VARS } from './env/integrations';
import { METRICS_VARS } from './env/metrics';
import { MODELS_VARS } from './env/models';
import { SERVER_VARS } from './env/server';
import { STORAGE_VARS } from './env/storage';
import { STORES_VARS } from './env/stores';
import { WEBHOOKS_VARS } from './env/webhooks';

export type { EnvKind, EnvVar } from './env-var';

/** In the order of the README table (`npm run docs:env`). */
export const ENV_VARS: readonly EnvVar[] = [
  ...SERVER_VARS,
  ...STORES_VARS,
  ...METRICS_VARS,
  ...IDENTITY_VARS,
  ...FEATURES_VARS,
  ...MODELS_VARS,
  ...CHAT_VARS,
  ...CONNECTORS_VARS,
  ...AUTOMATION_VARS,
  ...INTEGRATIONS_VARS,
  ...WEBHOOKS_VARS,
  ...STORAGE_VARS,
];
