import type { CatalogTool } from '@libs/connectors/tool-catalog.port';
import { replaceToolFiles, toolFilesOf, type ToolFile } from '@libs/connectors/tool-files';
import { AppException } from '@libs/errors';
import { Injectable, Logger } from '@nestjs/common';
import { ArtifactsContract } from 'src/modules/artifacts/artifacts.contract';
import { ChatRepository } from 'src/modules/chat/chat.repository';

/** What a tool result holds in place of a file's bytes. */
export type ToolFileRef =
  | { artifact_id: string; name: string; content_type: string; size_bytes: number }
  | { name: string; artifact_id: null; error: { code: string; message: string } };

/**
 * Stores the files a tool returned (`ToolFile`, libs/connectors/tool-files.ts) as artifacts
 * linked to the tool call and its conversation, and gives back the result with references in
 * place of the bytes. A file over ARTIFACT_MAX_BYTES (or one the store refuses) is not stored:
 * its reference says why, and the call still completes.
 */
@Injectable()
export class ToolArtifacts {
  private readonly logger = new Logger(ToolArtifacts.name);

  constructor(
    private readonly repo: ChatRepository,
    private readonly artifacts: ArtifactsContract,
  ) {}

  async storeFiles(orgId: string, toolCallId: string, tool: CatalogTool, result: unknown): Promise<unknown> {
    const files = toolFilesOf(result);
    if (!files.length) {
      return result;
    }
    const call = await this.repo.findToolCall(orgId, toolCallId);
    const refs = new Map<ToolFile, ToolFileRef>();
    for (const f of files) {
      refs.set(f, await this.storeOne(orgId, toolCallId, tool, call?.conversationId ?? null, call?.requestedBy, f));
    }
    return replaceToolFiles(result, refs);
  }

  private async storeOne(
    orgId: string,
    toolCallId: string,
    tool: CatalogTool,
    conversationId: string | null,
    createdBy: string | null | undefined,
    f: ToolFile,
  ): Promise<ToolFileRef> {
    try {
      const a = await this.artifacts.record(orgId, {
        name: f.name,
        content: f.content,
        description: f.description,
        declaredContentType: f.contentType,
        realm: tool.realm,
        conversationId,
        toolCallId,
        sourceType: 'chat',
        createdBy: createdBy ?? null,
      });
      return { artifact_id: a.id, name: a.name, content_type: a.mime, size_bytes: a.sizeBytes };
    } catch (err) {
      if (err instanceof AppException && err.status === 413) {
        return { name: f.name, artifact_id: null, error: { code: err.code, message: err.message } };
      }
      this.logger.warn({ err, toolCallId }, 'a file returned by a tool could not be stored');
      return {
        name: f.name,
        artifact_id: null,
        error: { code: 'artifact_not_stored', message: 'The file could not be stored' },
      };
    }
  }
}
