import { clientIp } from '@libs/audit/request-meta';
import { SIGNATURE_HEADER } from '@libs/auth/strategies/webhook-signature.strategy';
import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookTarget } from './webhook.entity';

/** What a webhook call fires, as resolved from its trigger id (`task_…` or `wh_…`). */
export type FireTarget =
  | { type: 'task'; taskId: string }
  | { type: 'agent'; agent: string; realm: string | null; inputTemplate: Record<string, unknown> };

/** What the signature strategy hands on to the receiver (ServiceCaller.claims). */
export interface HookClaims {
  trigger_id: string;
  target: FireTarget;
}

/** The request of one inbound call, as the delivery log and the trigger context need it. */
export interface InboundCall {
  /** `trigger.body`: parsed JSON, form fields, else the raw text */
  body: unknown;
  /** the raw text (for the log) */
  text: string;
  contentType: string | null;
  /** lower-cased, signature removed */
  headers: Record<string, string>;
  query: Record<string, unknown>;
  sizeBytes: number;
  sourceIp: string | null;
}

export function fireTargetOf(webhookTarget: WebhookTarget): FireTarget {
  return webhookTarget.type === 'task'
    ? { type: 'task', taskId: webhookTarget.task_id }
    : {
        type: 'agent',
        agent: webhookTarget.agent,
        realm: webhookTarget.realm ?? null,
        inputTemplate: webhookTarget.input_template,
      };
}

/** The logged headers of a call: lower-cased names, the signature left out. */
export function loggableHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (v !== undefined && name !== SIGNATURE_HEADER) {
      out[name] = Array.isArray(v) ? v.join(', ') : v;
    }
  }
  return out;
}

/** Reads an inbound call off the request (raw body kept by the body parsers or by the resolver). */
export function inboundCallOf(req: Request & { rawBody?: Buffer }): InboundCall {
  const raw = req.rawBody ?? Buffer.alloc(0);
  const contentType = req.header('content-type') ?? null;
  const text = raw.toString('utf8');
  let body: unknown = text;
  const parsed: unknown = req.body;
  if (parsed !== undefined && !Buffer.isBuffer(parsed) && raw.length > 0) {
    body = parsed; // JSON or urlencoded form fields, parsed by the body parsers
  }
  return {
    body,
    text,
    contentType,
    headers: loggableHeaders(req.headers),
    query: { ...(req.query as Record<string, unknown>) },
    sizeBytes: raw.length,
    sourceIp: clientIp(req),
  };
}

/** Handler parameter of `/hooks/:trigger_id`: the call, read once the signature was verified. */
export const HookCall = createParamDecorator((_: unknown, ctx: ExecutionContext): InboundCall =>
  inboundCallOf(ctx.switchToHttp().getRequest()),
);
