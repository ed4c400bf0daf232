/** Field names whose values never reach a log line, wherever they sit (top level or nested two deep). */
export const SECRET_FIELDS = [
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'x-agentcy-secret',
  'x-worker-token',
  'password',
  'current_password',
  'new_password',
  'passwordHash',
  'password_hash',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'invite_token',
  'reset_token',
  'secret',
  'client_secret',
  'api_key',
  'apiKey',
  'private_key',
  'privateKey',
  'kubeconfig_data',
  // TypeORM query parameters (QueryFailedError): inserted values may be secrets or hashes
  'parameters',
];

/** Query parameters whose values are credentials (preview/WS tokens, shared secrets, OAuth codes). */
const SECRET_QUERY_PARAMS =
  /^(token|access_token|refresh_token|id_token|secret|client_secret|api_key|apikey|key|password|code|state|signature|sig)$/i;

function pathOf(field: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(field) ? field : `["${field}"]`;
}

function join(prefix: string, field: string): string {
  const p = pathOf(field);
  return p.startsWith('[') ? `${prefix}${p}` : `${prefix}.${p}`;
}

/** pino `redact.paths` for SECRET_FIELDS at depth 0, 1, 2 and 3 (pino wildcards match one level each). */
export function redactPaths(): string[] {
  return SECRET_FIELDS.flatMap((f) => [pathOf(f), join('*', f), join('*.*', f), join('*.*.*', f)]);
}

/** The URL with the values of credential-like query parameters replaced, for logs. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) {
    return url;
  }
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        /* keep as sent */
      }
      return eq >= 0 && SECRET_QUERY_PARAMS.test(name) ? `${rawName}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

const TEXT_SECRETS: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [
    /([?&](?:token|access_token|refresh_token|id_token|secret|client_secret|api_key|apikey|key|password|code|state|signature|sig)=)[^&\s"'#]+/gi,
    '$1[redacted]',
  ],
  [/\bak_[A-Za-z0-9_-]{8,}/g, 'ak_[redacted]'],
];

/** Free-text log messages: bearer credentials, credential query parameters and API keys masked. */
export function redactText(text: string): string {
  return TEXT_SECRETS.reduce((s, [re, to]) => s.replace(re, to), text);
}
