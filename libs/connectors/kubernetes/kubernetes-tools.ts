import { ConnectorConfigError, ToolExecutionError } from '../connector';
import { kubeErrorInfo, KubeUnreachableError } from './kube-client';
import { isKubeHttpError } from './kube-sdk';

/** Argument schemas and the error mapping shared by the kubernetes tools. */
export const MAX_LOG_CHARS = 64_000;
export const nsProp = { type: 'string', description: 'Namespace; omit for all namespaces the source may see' };
export const nameProp = (what: string) => ({ type: 'string', description: `${what} name`, minLength: 1 });
export const mergePatch = { headers: { 'Content-Type': 'application/merge-patch+json' } };

/** Maps a client failure to the typed tool error the model sees. */
export function toToolError(e: unknown): unknown {
  if (e instanceof ToolExecutionError) {
    return e;
  }
  if (isKubeHttpError(e)) {
    const status = e.statusCode;
    const { message, reason } = kubeErrorInfo(e);
    const details = { status, reason };
    if (status === 401 || status === 403) {
      return new ToolExecutionError('upstream_auth_failed', message, details);
    }
    if (status === 404) {
      return new ToolExecutionError('not_found', message, details);
    }
    if (status === 409 || status === 422 || status === 400) {
      return new ToolExecutionError('upstream_rejected', message, details);
    }
    return new ToolExecutionError('upstream_error', message, details);
  }
  if (e instanceof KubeUnreachableError) {
    return new ToolExecutionError('upstream_unreachable', e.message, { code: e.causeCode });
  }
  if (e instanceof ConnectorConfigError) {
    return new ToolExecutionError('source_misconfigured', e.message, e.details);
  }
  return e;
}
