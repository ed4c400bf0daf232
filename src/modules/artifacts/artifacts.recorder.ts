import { AuditService } from '@libs/audit';
import { AppConfig } from '@libs/config';
import { prefixedId } from '@libs/database/ids';
import { BlobStore, BlobTooLargeError, sniffContentType, type StoredBlob } from '@libs/storage';
import { Injectable, Logger } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { ArtifactLinkSigner } from './artifact-links';
import type { ArtifactEntity, ArtifactSourceType } from './artifact.entity';
import {
  ArtifactsContract,
  type ArtifactSummary,
  type ArtifactText,
  type RecordArtifactInput,
} from './artifacts.contract';
import { ArtifactsRepository } from './artifacts.repository';
import { storageKeyOf, tooLarge } from './blob-storage.engine';
import { sanitizeFileName } from './file-names';

/** A blob already in the store, about to get its row. */
export interface StoredArtifact {
  orgId: string;
  artifactId: string;
  storageKey: string;
  stored: StoredBlob;
  name: string;
  description?: string | null;
  declaredContentType?: string | null;
  sourceType: ArtifactSourceType;
  realm?: string | null;
  conversationId?: string | null;
  taskRunId?: string | null;
  toolCallId?: string | null;
  createdBy?: string | null;
}

/** Content types read as text for a model (the sniffed types of text files are these two). */
const isTextType = (contentType: string) =>
  contentType.startsWith('text/') || contentType.startsWith('application/json');

export const toSummary = (e: ArtifactEntity): ArtifactSummary => ({
  id: e.id,
  name: e.name,
  mime: e.contentType,
  sizeBytes: e.sizeBytes,
  sha256: e.sha256,
  conversationId: e.conversationId,
  taskRunId: e.taskRunId,
  toolCallId: e.toolCallId,
  createdAt: e.createdAt,
});

/**
 * Writes artifacts: the row of a stored blob (content type sniffed here, never taken from the
 * client), and the `ArtifactsContract` other modules record tool-call / task-run output with.
 */
@Injectable()
export class ArtifactsRecorder extends ArtifactsContract {
  private readonly logger = new Logger(ArtifactsRecorder.name);

  constructor(
    private readonly repo: ArtifactsRepository,
    private readonly store: BlobStore,
    private readonly config: AppConfig,
    private readonly links: ArtifactLinkSigner,
    private readonly audit: AuditService,
  ) {
    super();
  }

  /** Inserts the row of a stored blob; removes the blob when that fails (no orphan bytes). */
  async commit(a: StoredArtifact): Promise<ArtifactEntity> {
    try {
      return await this.repo.insert({
        id: a.artifactId,
        orgId: a.orgId,
        name: sanitizeFileName(a.name),
        description: a.description?.replaceAll('\u0000', '') || null,
        sizeBytes: a.stored.sizeBytes,
        contentType: sniffContentType(a.stored.head, a.stored.sizeBytes <= a.stored.head.length),
        // eslint-disable-next-line no-control-regex
        declaredContentType: a.declaredContentType?.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 255) || null,
        sha256: a.stored.sha256,
        storage: this.store.kind,
        storageKey: a.storageKey,
        sourceType: a.sourceType,
        realm: a.realm ?? null,
        conversationId: a.conversationId ?? null,
        taskRunId: a.taskRunId ?? null,
        toolCallId: a.toolCallId ?? null,
        createdBy: a.createdBy ?? null,
      });
    } catch (err) {
      await this.discard(a.storageKey);
      throw err;
    }
  }

  /** Best effort: a blob whose row was never written (or was deleted) is garbage. */
  async discard(storageKey: string): Promise<void> {
    try {
      await this.store.delete(storageKey);
    } catch (err) {
      this.logger.warn({ err, storageKey }, 'could not delete an artifact blob');
    }
  }

  async record(orgId: string, input: RecordArtifactInput): Promise<ArtifactSummary> {
    const artifactId = prefixedId('art');
    const storageKey = storageKeyOf(orgId, artifactId);
    let stored: StoredBlob;
    try {
      stored = await this.store.put(storageKey, input.content, { maxBytes: this.config.artifacts.maxBytes });
    } catch (err) {
      throw err instanceof BlobTooLargeError ? tooLarge(this.config.artifacts.maxBytes) : err;
    }
    const sourceType = input.sourceType ?? (input.taskRunId ? 'task_run' : 'chat');
    const e = await this.commit({
      orgId,
      artifactId,
      storageKey,
      stored,
      name: input.name,
      description: input.description?.slice(0, 1000),
      declaredContentType: input.declaredContentType,
      sourceType,
      realm: input.realm,
      conversationId: input.conversationId,
      taskRunId: input.taskRunId,
      toolCallId: input.toolCallId,
      createdBy: input.createdBy,
    });
    await this.audit.record({
      orgId,
      category: 'api',
      action: 'artifacts.record',
      result: 'success',
      actor: input.createdBy ? { userId: input.createdBy } : null,
      target: { type: 'artifact', id: e.id },
      details: {
        source_type: sourceType,
        task_run_id: e.taskRunId,
        conversation_id: e.conversationId,
        tool_call_id: e.toolCallId,
        size_bytes: e.sizeBytes,
      },
    });
    return toSummary(e);
  }

  async listFor(
    orgId: string,
    filter: { taskRunId?: string; conversationId?: string; toolCallId?: string },
  ): Promise<ArtifactSummary[]> {
    if (!filter.taskRunId && !filter.conversationId && !filter.toolCallId) {
      return [];
    }
    return (await this.repo.listAll(orgId, filter, 200)).map(toSummary);
  }

  async findMany(orgId: string, ids: string[]): Promise<ArtifactSummary[]> {
    return (await this.repo.findMany(orgId, [...new Set(ids)])).map(toSummary);
  }

  async linkToConversation(orgId: string, ids: string[], conversationId: string, userId: string | null): Promise<void> {
    const linked = await this.repo.linkConversation(orgId, [...new Set(ids)], conversationId);
    for (const id of linked) {
      await this.audit.record({
        orgId,
        category: 'api',
        action: 'artifacts.link',
        result: 'success',
        actor: userId ? { userId } : null,
        target: { type: 'artifact', id },
        details: { conversation_id: conversationId },
      });
    }
  }

  async linkToTaskRun(orgId: string, conversationId: string, taskRunId: string): Promise<string[]> {
    const linked = await this.repo.linkTaskRun(orgId, conversationId, taskRunId);
    for (const id of linked) {
      await this.audit.record({
        orgId,
        category: 'api',
        action: 'artifacts.link',
        result: 'success',
        actor: null,
        target: { type: 'artifact', id },
        details: { task_run_id: taskRunId, conversation_id: conversationId },
      });
    }
    return linked;
  }

  async readText(orgId: string, artifactId: string, maxChars: number): Promise<ArtifactText | null> {
    const e = await this.repo.find(orgId, artifactId);
    if (!e) {
      return null;
    }
    const out: ArtifactText = {
      id: e.id,
      name: e.name,
      mime: e.contentType,
      sizeBytes: e.sizeBytes,
      text: null,
      truncated: false,
    };
    if (!isTextType(e.contentType)) {
      return out;
    }
    if (maxChars <= 0) {
      out.text = '';
      out.truncated = e.sizeBytes > 0;
      return out;
    }
    // at most 4 bytes per character: never more than that is read from the store
    const maxBytes = maxChars * 4;
    const bytes = await this.readHead(e.storageKey, maxBytes);
    let text = new TextDecoder('utf-8').decode(bytes);
    let truncated = e.sizeBytes > bytes.length;
    if (truncated && text.endsWith('\uFFFD')) {
      text = text.slice(0, -1); // a character cut by the byte limit
    }
    if (text.length > maxChars) {
      text = text.slice(0, maxChars);
      truncated = true;
    }
    out.text = text;
    out.truncated = truncated;
    return out;
  }

  async openContent(orgId: string, artifactId: string): Promise<{ summary: ArtifactSummary; stream: Readable } | null> {
    const e = await this.repo.find(orgId, artifactId);
    return e ? { summary: toSummary(e), stream: await this.store.get(e.storageKey) } : null;
  }

  private async readHead(storageKey: string, maxBytes: number): Promise<Buffer> {
    const stream = await this.store.get(storageKey);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of stream) {
        const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
        chunks.push(b);
        size += b.length;
        if (size >= maxBytes) {
          break;
        }
      }
    } finally {
      stream.destroy();
    }
    return Buffer.concat(chunks).subarray(0, maxBytes);
  }

  async idsForRuns(
    orgId: string,
    runs: { taskRunId: string; conversationId: string | null }[],
  ): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(runs.map((r) => [r.taskRunId, []]));
    const byConversation = new Map<string, string>();
    for (const r of runs) {
      if (r.conversationId) {
        byConversation.set(r.conversationId, r.taskRunId);
      }
    }
    const rows = await this.repo.linkedToRuns(
      orgId,
      runs.map((r) => r.taskRunId),
      [...byConversation.keys()],
    );
    for (const a of rows) {
      for (const runId of new Set([a.taskRunId, a.conversationId && byConversation.get(a.conversationId)])) {
        const ids = runId ? out.get(runId) : undefined;
        if (ids && ids.length < 200) {
          ids.push(a.id);
        }
      }
    }
    return out;
  }

  async deleteOrgBlobs(orgId: string): Promise<number> {
    let after = '';
    let deleted = 0;
    for (;;) {
      const page = await this.repo.storageKeysAfter(orgId, after, 500);
      for (const a of page) {
        await this.store.delete(a.storageKey);
        deleted++;
      }
      if (page.length < 500) {
        return deleted;
      }
      after = page[page.length - 1].id;
    }
  }

  async downloadUrl(orgId: string, artifactId: string): Promise<{ url: string; expiresAt: Date } | null> {
    return (await this.repo.find(orgId, artifactId)) ? this.links.sign(artifactId) : null;
  }
}
