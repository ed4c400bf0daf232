/** An error the CLI reports as one line on stderr (and `{ "error": … }` on stdout with --json), exiting non-zero. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly code?: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The API's `{ error: { code, message } }` envelope, or whatever text came back. */
export function apiError(status: number, body: unknown): CliError {
  const env = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (env && typeof env.message === 'string') {
    const code = typeof env.code === 'string' ? env.code : undefined;
    return new CliError(code ? `${env.message} (${code}, HTTP ${status})` : env.message, 1, code, status);
  }
  const text = typeof body === 'string' && body.trim() ? `: ${body.trim().slice(0, 200)}` : '';
  return new CliError(`HTTP ${status}${text}`, 1, undefined, status);
}
