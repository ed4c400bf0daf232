import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';
import { redactPaths, redactText } from './redact';

let processStdout: DestinationStream | undefined;

/**
 * Stdout for every logger of the process, written asynchronously: lines queue while a write is in
 * flight and go out together (pino flushes what is left when the process exits). A synchronous
 * write per line was the largest single cost of a cheap request (docs/performance.md).
 */
function stdout(): DestinationStream {
  return (processStdout ??= pino.destination({ dest: 1, sync: false }));
}

function baseOptions(level: string): pino.LoggerOptions {
  return {
    level,
    base: { service: 'agentcy-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
}

/** The one JSON logger; `destination` (stdout by default) lets a spec read what would be written. */
export function createRootLogger(level: string, destination: DestinationStream = stdout()): Logger {
  return pino({ ...baseOptions(level), redact: { paths: redactPaths(), censor: '[redacted]' } }, destination);
}

/**
 * The access log (one line per request, same format and destination). It skips the redaction
 * pass: its fields are fixed (request id, method, path without query, status, duration, ids) and
 * never hold a secret, and redacting every request line cost about 5 % of a request's CPU.
 */
export function createAccessLogger(level: string, destination: DestinationStream = stdout()): Logger {
  return pino(baseOptions(level), destination);
}

/** Nest's logger interface over pino: every log line is one JSON object. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly root: Logger) {}

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace', message: unknown, rest: unknown[]) {
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    if (message && typeof message === 'object') {
      const msg = typeof rest[0] === 'string' ? redactText(rest[0] as string) : undefined;
      this.root[level]({ context, ...(message as object) }, msg);
    } else {
      const stack = level === 'error' && typeof rest[0] === 'string' ? rest[0] : undefined;
      this.root[level]({ context, stack: stack && redactText(stack) }, redactText(String(message)));
    }
  }

  log(message: unknown, ...rest: unknown[]) {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.write('trace', message, rest);
  }
}
