import pino, { type Logger } from 'pino';

/** The fields of one access-log line, in the order they are written. */
export interface AccessFields {
  request_id: string;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  user_id?: string;
  org_id?: string;
}

interface DestinationOf {
  write(line: string): unknown;
}

let lastMs = 0;
let lastIso = '';

/** `new Date().toISOString()`, computed once per millisecond (many lines share one under load). */
function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

/**
 * Writes access-log lines straight to `logger`'s destination, in the line format `logger.info(fields,
 * 'request')` gives (level label, ISO time, the logger's bindings, the fields, `msg`), without pino's
 * generic serialisation: the fields are fixed and every request writes one, so the line is built
 * as a string (about a tenth of a cheap request's CPU went to pino, docs/performance.md).
 * `access-line.spec.ts` holds it to pino's own output.
 */
export function accessLineWriter(logger: Logger): (fields: AccessFields) => void {
  const destination = (logger as unknown as Record<symbol, DestinationOf>)[pino.symbols.streamSym];
  const bindings = (logger as unknown as Record<symbol, string>)[pino.symbols.chindingsSym] ?? '';
  return (f) => {
    if (!logger.isLevelEnabled('info')) {
      return;
    }
    let line =
      `{"level":"info","time":"${isoNow()}"${bindings},"request_id":${JSON.stringify(f.request_id)}` +
      `,"method":${JSON.stringify(f.method)},"path":${JSON.stringify(f.path)},"status":${f.status}` +
      `,"duration_ms":${f.duration_ms}`;
    if (f.user_id !== undefined) {
      line += `,"user_id":${JSON.stringify(f.user_id)}`;
    }
    if (f.org_id !== undefined) {
      line += `,"org_id":${JSON.stringify(f.org_id)}`;
    }
    destination.write(`${line},"msg":"request"}\n`);
  };
}
