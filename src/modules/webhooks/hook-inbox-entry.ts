import type { InboxFields } from '@libs/queue/hook-inbox';
import type { IncomingHttpHeaders } from 'node:http';
import { type FireTarget, type InboundCall, loggableHeaders } from './inbound-call';

/** A `/hooks` call the fast lane accepted, as it waits in the HookInbox. */
export interface AcceptedHookCall {
  deliveryId: string;
  runId: string;
  triggerId: string;
  target: FireTarget;
  /** the raw JSON body */
  body: Buffer;
  headers: IncomingHttpHeaders;
  contentType: string | null;
  sourceIp: string | null;
  /** epoch ms */
  receivedAt: number;
}

/** Two fields: the call's facts as one JSON text, and the body as its bytes. */
export function inboxFieldsOf(call: AcceptedHookCall): Record<string, string | Buffer> {
  const meta: Omit<AcceptedHookCall, 'body'> = {
    deliveryId: call.deliveryId,
    runId: call.runId,
    triggerId: call.triggerId,
    target: call.target,
    headers: call.headers,
    contentType: call.contentType,
    sourceIp: call.sourceIp,
    receivedAt: call.receivedAt,
  };
  return { meta: JSON.stringify(meta), body: call.body };
}

/** A call back from the inbox: the ids its 202 gave, the target and the call as HookIntake takes it. */
export interface InboxHookCall {
  deliveryId: string;
  runId: string;
  triggerId: string;
  target: FireTarget;
  receivedAt: Date;
  call: InboundCall;
}

export function hookCallOfInbox(fields: InboxFields): InboxHookCall {
  const meta = JSON.parse(fields.meta) as Omit<AcceptedHookCall, 'body'>;
  const text = fields.body ?? '';
  return {
    deliveryId: meta.deliveryId,
    runId: meta.runId,
    triggerId: meta.triggerId,
    target: meta.target,
    receivedAt: new Date(meta.receivedAt),
    call: {
      body: JSON.parse(text) as unknown, // the fast lane parsed it before accepting
      text,
      contentType: meta.contentType,
      headers: loggableHeaders(meta.headers),
      query: {},
      sizeBytes: Buffer.byteLength(text),
      sourceIp: meta.sourceIp,
    },
  };
}
