import { AppConfig } from '@libs/config';
import type { GraphEdgeInput, GraphNodeInput } from '@libs/connectors/connector';
import { SecretBox } from '@libs/crypto';
import { AppException, ForbiddenException, UnauthorizedException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { ContextGraphSink } from './context-graph.sink';
import type { ContextPipelineEntity, ContextPipelineTokenEntity } from './context-pipeline.entity';
import { ContextPipelinesRepository, type EventRow } from './context-pipelines.repository';
import { InFlightLimiter } from './in-flight-limiter';
import { spoolBody, tooLarge } from './ndjson-spool';
import { mapRecord } from './record-mapper';

export const INGEST_BATCH = 500;
/** Per-line errors listed in a response; `rejected` always counts them all. */
export const MAX_LISTED_ERRORS = 100;

export interface IngestRequest {
  pipelineId: string;
  authorization?: string;
  signature?: string;
  contentLength?: string;
  contentType?: string;
  body: Readable;
}

export interface IngestResult {
  accepted: number;
  rejected: number;
  errors: { line: number; message: string }[];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const invalidSignature = () =>
  new UnauthorizedException(
    'Missing or invalid X-Agentcy-Signature',
    { reason: 'invalid_signature' },
    'invalid_signature',
  );

/**
 * `POST /context/pipelines/:id/ingest`: authenticates the `ctx_` token, spools the NDJSON body
 * to a temporary file (limits and HMAC checked while it streams), then lands the lines in batches
 * of 500. Nothing is written before the whole body passed the limits and the signature check.
 */
@Injectable()
export class ContextIngestService {
  constructor(
    private readonly repo: ContextPipelinesRepository,
    private readonly sink: ContextGraphSink,
    private readonly limiter: InFlightLimiter,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
  ) {}

  async ingest(r: IngestRequest): Promise<IngestResult> {
    const { pipeline, token } = await this.authenticate(r.pipelineId, r.authorization);
    // any other type may have been consumed by a global body parser: only NDJSON reaches us as a stream
    if (r.contentType?.split(';')[0]?.trim().toLowerCase() !== 'application/x-ndjson' || r.body.readableEnded) {
      throw new AppException(415, 'unsupported_media_type', 'Send the records as Content-Type: application/x-ndjson');
    }
    const release = this.limiter.tryAcquire(pipeline.id, this.config.contextIngest.maxInFlight);
    if (!release) {
      throw new AppException(
        429,
        'ingest_busy',
        'Too many ingest requests in progress for this pipeline; retry shortly',
        { retry_after_secs: 1 },
        { 'Retry-After': '1' },
      );
    }
    const path = join(tmpdir(), `agentcy-ctx-${randomUUID()}.ndjson`);
    try {
      const limits = { maxBytes: this.config.contextIngest.maxBytes, maxLines: this.config.contextIngest.maxLines };
      if (r.contentLength !== undefined && Number(r.contentLength) > limits.maxBytes) {
        throw tooLarge('bytes', limits);
      }
      const secret = this.signingSecret(pipeline, token);
      let expected: Buffer | undefined;
      if (secret) {
        const m = /^sha256=([0-9a-f]{64})$/i.exec(r.signature?.trim() ?? '');
        if (!m) {
          throw invalidSignature();
        }
        expected = Buffer.from(m[1]!.toLowerCase(), 'hex');
      }
      const hmac = secret ? createHmac('sha256', secret) : undefined;
      const spooled = await spoolBody(r.body, path, limits, hmac);
      if (hmac && expected && !timingSafeEqual(hmac.digest(), expected)) {
        throw invalidSignature();
      }
      const result = await this.land(pipeline, path);
      await this.repo.addToWindow(pipeline.orgId, pipeline.id, {
        accepted: result.accepted,
        rejected: result.rejected,
        bytes: spooled.bytes,
      });
      await this.repo.touchToken(token.id);
      return result;
    } catch (err) {
      if (!r.body.readableEnded) {
        r.body.resume();
      }
      throw err;
    } finally {
      release();
      await unlink(path).catch(() => undefined);
    }
  }

  private async authenticate(
    pipelineId: string,
    authorization: string | undefined,
  ): Promise<{ pipeline: ContextPipelineEntity; token: ContextPipelineTokenEntity }> {
    const m = /^Bearer\s+(ctx_[A-Za-z0-9]{32})$/.exec(authorization?.trim() ?? '');
    const token = m ? await this.repo.findTokenByHash(sha256(m[1]!)) : null;
    if (!token || token.revokedAt || token.pipelineId !== pipelineId) {
      throw new UnauthorizedException('Missing, unknown or revoked pipeline token', { reason: 'invalid_token' });
    }
    const pipeline = await this.repo.findPipeline(token.orgId, token.pipelineId);
    if (!pipeline) {
      throw new UnauthorizedException('Missing, unknown or revoked pipeline token', { reason: 'invalid_token' });
    }
    if (!pipeline.enabled) {
      throw new ForbiddenException('This pipeline is disabled', { reason: 'pipeline_disabled' });
    }
    return { pipeline, token };
  }

  /** The HMAC key to check, or null when the request needs no signature. */
  private signingSecret(pipeline: ContextPipelineEntity, token: ContextPipelineTokenEntity): Buffer | null {
    if (token.signingSecretSealed) {
      return this.box.open(token.signingSecretSealed);
    }
    if (pipeline.requireSignature) {
      // a signature is required but this token has no secret to check it with
      throw invalidSignature();
    }
    return null;
  }

  private async land(pipeline: ContextPipelineEntity, path: string): Promise<IngestResult> {
    const result: IngestResult = { accepted: 0, rejected: 0, errors: [] };
    const scope = { orgId: pipeline.orgId, realm: pipeline.realm };
    let events: EventRow[] = [];
    let nodes: GraphNodeInput[] = [];
    let edges: GraphEdgeInput[] = [];
    const flush = async () => {
      if (events.length) {
        await this.repo.insertEvents(pipeline.orgId, pipeline.id, pipeline.realm, events);
      }
      if (nodes.length || edges.length) {
        await this.sink.write(scope, nodes, edges);
      }
      events = [];
      nodes = [];
      edges = [];
    };
    const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
    let lineNo = 0;
    const now = new Date();
    for await (const raw of lines) {
      lineNo++;
      const line = raw.trim();
      if (!line) {
        continue;
      }
      const rec = mapRecord(pipeline.targetTable, line, now);
      if (rec.kind === 'error') {
        result.rejected++;
        if (result.errors.length < MAX_LISTED_ERRORS) {
          result.errors.push({ line: lineNo, message: rec.message });
        }
        continue;
      }
      result.accepted++;
      if (rec.kind === 'event') {
        events.push({ ts: rec.ts, data: rec.data });
      } else if (rec.kind === 'node') {
        nodes.push(rec.node);
      } else {
        edges.push(rec.edge);
      }
      if (events.length + nodes.length + edges.length >= INGEST_BATCH) {
        await flush();
      }
    }
    await flush();
    return result;
  }
}
