import { clientIp } from '@libs/audit/request-meta';
import {
  REPLAY_WINDOW_MS,
  replayId,
  SIGNATURE_FORMAT,
  SIGNATURE_HEADER,
  signatureMatches,
  TIMESTAMP_FORMAT,
  TIMESTAMP_HEADER,
  timestampFresh,
} from '@libs/auth/strategies/webhook-signature.strategy';
import { AppConfig } from '@libs/config';
import { prefixedId } from '@libs/database/ids';
import { findUnsafeText, jsonDepthExceeds, jsonMayHoldUnsafeText, MAX_JSON_DEPTH } from '@libs/http';
import { HookInbox } from '@libs/queue/hook-inbox';
import { RateLimitService, serviceCallerBucket } from '@libs/rate-limit';
import { Injectable } from '@nestjs/common';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { inboxFieldsOf } from './hook-inbox-entry';
import { hookBucket, HookSecrets, hookSubject } from './hook-secrets.resolver';
import { CachedHookTrigger, HookTriggers } from './hook-triggers';

const PREFIX = '/api/v1/hooks/';
const ROUTE = { path: '/api/v1/hooks/:trigger_id' };
const TRIGGER_ID = /^(?:task|wh)_[A-Za-z0-9]{1,36}$/;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

const noop = () => undefined;

/** The client IP as Express resolves it (its `trust proxy` setting), for a request outside the app. */
function clientIpOf(expressApp: Express, req: IncomingMessage): string | null {
  if (req.headers['x-forwarded-for'] === undefined) {
    return clientIp(req as Request); // no proxy header: the socket's address, as Express would say
  }
  const view = Object.create(expressApp.request) as Request;
  Object.assign(view, { headers: req.headers, socket: req.socket, connection: req.socket });
  return clientIp(view);
}

interface Candidate {
  id: string;
  trigger: CachedHookTrigger;
  signature: string;
  timestamp: string | undefined;
}

/** A request the fast lane read the body of and then left to the route: the body parsers use these bytes. */
export interface PrereadRequest extends Request {
  rawBody?: Buffer;
  bodyPreread?: boolean;
}

/**
 * The fast lane of `POST /hooks/:trigger_id` (docs/webhooks.md, decision 0012): a request listener
 * on the HTTP server in front of the Express app (`attach`). It takes only the plain, valid case:
 * a cached enabled trigger of an active org, a JSON body within HOOK_MAX_BODY_BYTES, no query, no
 * content encoding, no Origin or Idempotency-Key, a well-formed signature that matches, within
 * both rate limits and not a replay (both checked in the one Redis step that stores the call).
 * Such a call is stored in the HookInbox and answered 202 with its delivery and run ids;
 * HookInboxConsumer writes the rows and queues the run. Every other request goes on to the app
 * (the slow lane: the route's signature strategy, guards and HookIntake), with its body when it
 * was read here, so every refusal and error is answered, audited and logged there.
 */
@Injectable()
export class HookEdge {
  private readonly maxBody: number;

  constructor(
    private readonly triggers: HookTriggers,
    private readonly secrets: HookSecrets,
    private readonly limits: RateLimitService,
    private readonly inbox: HookInbox,
    private readonly config: AppConfig,
  ) {
    this.maxBody = config.webhooks.maxBodyBytes;
  }

  /**
   * Serves the fast lane on `server` ahead of `expressApp`: a call it does not take goes to the app
   * untouched; one it takes first runs `prelude` (the app's security headers and request context,
   * so it has its headers, request id, access-log line and metrics like any other request).
   */
  attach(server: Server, expressApp: Express, prelude: RequestHandler[]): void {
    const [app] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    server.removeListener('request', app);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const taken = this.candidate(req);
      if (!taken) {
        return app(req, res);
      }
      // born with Express's prototypes (PrototypedExpressAdapter), so Express's helpers are there too
      const request = req as PrereadRequest;
      const response = res as Response;
      request.originalUrl = request.url;
      for (const step of prelude) {
        step(request, response, noop);
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.once('end', () => {
        const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        const slowLane = () => {
          request.rawBody = body;
          request.bodyPreread = true;
          app(req, res);
        };
        this.take(
          request,
          response,
          clientIpOf(expressApp, req),
          taken.id,
          taken.trigger,
          body,
          taken.signature,
          taken.timestamp,
        ).then(
          (done) => done || slowLane(),
          slowLane, // the inbox failed: the slow lane answers in the error envelope
        );
      });
    });
  }

  /** The cheap checks, before any byte of the body is read: the trigger and the headers. */
  private candidate(req: IncomingMessage): Candidate | null {
    const url = req.url ?? '';
    if (req.method !== 'POST' || !url.startsWith(PREFIX)) {
      return null;
    }
    const id = url.slice(PREFIX.length);
    const trigger = TRIGGER_ID.test(id) ? this.triggers.cached(id) : undefined;
    if (!trigger || !trigger.enabled || !trigger.orgActive) {
      return null;
    }
    const h = req.headers;
    const length = Number(h['content-length']);
    const signature = h[SIGNATURE_HEADER];
    const timestamp = h[TIMESTAMP_HEADER];
    if (
      !(length > 0 && length <= this.maxBody) ||
      h['transfer-encoding'] !== undefined ||
      h['content-encoding'] !== undefined ||
      h.origin !== undefined ||
      h['idempotency-key'] !== undefined ||
      !JSON_TYPE.test(h['content-type'] ?? '') ||
      typeof signature !== 'string' ||
      !SIGNATURE_FORMAT.test(signature) ||
      (timestamp !== undefined &&
        (typeof timestamp !== 'string' || !TIMESTAMP_FORMAT.test(timestamp) || !timestampFresh(timestamp)))
    ) {
      return null;
    }
    return { id, trigger, signature, timestamp: timestamp as string | undefined };
  }

  /** Verifies and stores the call and answers 202; false when the slow lane must answer it. */
  private async take(
    req: PrereadRequest,
    res: Response,
    sourceIp: string | null,
    id: string,
    trigger: CachedHookTrigger,
    body: Buffer,
    signature: string,
    timestamp: string | undefined,
  ): Promise<boolean> {
    if (!signatureMatches(trigger.secret, body, signature, timestamp) || jsonDepthExceeds(body, MAX_JSON_DEPTH)) {
      return false;
    }
    const text = body.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return false;
    }
    if (jsonMayHoldUnsafeText(text) && findUnsafeText(parsed)) {
      return false;
    }
    const deliveryId = prefixedId('dlv');
    const runId = prefixedId('run');
    const outcome = await this.inbox.append(
      trigger.orgId,
      inboxFieldsOf({
        deliveryId,
        runId,
        triggerId: id,
        target: trigger.target,
        body,
        headers: req.headers,
        contentType: req.headers['content-type'] ?? null,
        sourceIp,
        receivedAt: Date.now(),
      }),
      {
        // the buckets and the replay key of the slow lane, counted in the same step as the append
        limits: [
          { key: this.limits.keyOf(hookBucket(id)), limit: this.config.webhooks.rateLimitPerMin, windowMs: 60_000 },
          {
            key: this.limits.keyOf(serviceCallerBucket('webhook', hookSubject(id))),
            limit: this.config.rateLimitPerMin,
            windowMs: 60_000,
          },
        ],
        once:
          timestamp === undefined
            ? undefined
            : { key: this.secrets.replayKey(replayId(hookSubject(id), signature)), ttlMs: REPLAY_WINDOW_MS },
      },
    );
    if (outcome !== 'accepted') {
      return false; // answered there: 429, or 401 `replayed`
    }
    (req as Request & { route?: unknown }).route = ROUTE;
    const answer = JSON.stringify({ delivery_id: deliveryId, run_id: runId });
    res.statusCode = 202;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(answer));
    res.end(answer);
    return true;
  }
}
