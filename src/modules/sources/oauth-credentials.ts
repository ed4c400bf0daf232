import type { ConnectorDefinition } from '@libs/connectors/connector';
import { destinationFieldsOf } from '@libs/connectors/destination-fields';

export interface OAuthClient {
  clientId?: string;
  clientSecret?: string;
  /** true: the install's OAuth app (OAUTH_<PROVIDER>_CLIENT_ID / _SECRET) */
  install: boolean;
}

/**
 * The OAuth client of a flow. A source that names its own `client_id` uses only its own
 * `client_secret` (none when it has none): the install's client secret is never paired with an
 * org's client. Otherwise the install's client.
 */
export function oauthClientFor(
  install: { clientId?: string; clientSecret?: string },
  sourceConfig: Record<string, unknown> | null,
): OAuthClient {
  if (sourceConfig && typeof sourceConfig.client_id === 'string' && sourceConfig.client_id) {
    return {
      clientId: sourceConfig.client_id,
      clientSecret: typeof sourceConfig.client_secret === 'string' ? sourceConfig.client_secret : undefined,
      install: false,
    };
  }
  return { clientId: install.clientId, clientSecret: install.clientSecret, install: true };
}

/**
 * A token obtained through the install's OAuth app goes only where the install's flow points: a
 * source whose destination fields (base_url, ...) differ from the install's API URL (e.g.
 * OAUTH_GITHUB_API_URL) or the connector's default would carry it elsewhere. Returns the first
 * such field, or null.
 */
export function misdirectedTokenField(
  def: Pick<ConnectorDefinition<any>, 'destinationFields' | 'configSchema'>,
  sourceConfig: Record<string, unknown>,
  installApiBaseUrl?: string,
): string | null {
  const props = (def.configSchema.properties ?? {}) as Record<string, { default?: unknown } | undefined>;
  for (const field of destinationFieldsOf(def)) {
    const fallback = props[field]?.default;
    const expected = field === 'base_url' && installApiBaseUrl ? installApiBaseUrl : fallback;
    const actual = sourceConfig[field] ?? fallback;
    if (comparable(actual) !== comparable(expected)) {
      return field;
    }
  }
  return null;
}

function comparable(v: unknown): string {
  return typeof v === 'string' ? v.trim().replace(/\/+$/, '') : JSON.stringify(v ?? null);
}
