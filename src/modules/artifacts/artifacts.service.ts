import type { Principal } from '@libs/auth/principal';
import { roleRank } from '@libs/auth/principal';
import { isPrefixedId } from '@libs/database/ids';
import { ForbiddenException, NotFoundException, ValidationException } from '@libs/errors';
import { validateFields } from '@libs/http';
import type { Page } from '@libs/pagination';
import { BlobNotFoundError, BlobStore } from '@libs/storage';
import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { ArtifactLinkSigner } from './artifact-links';
import type { ArtifactEntity } from './artifact.entity';
import { ArtifactsRecorder } from './artifacts.recorder';
import { ArtifactsRepository } from './artifacts.repository';
import type { UploadedBlob } from './blob-storage.engine';
import {
  type ArtifactDetailDto,
  type ArtifactDto,
  type DownloadLinkDto,
  type ListArtifactsQuery,
  toArtifactDto,
  UploadArtifactFields,
} from './dto/artifact.dto';

/** An artifact's bytes as served: always the sniffed type, always an attachment. */
export interface ArtifactContent {
  stream: Readable;
  name: string;
  contentType: string;
  sizeBytes: number;
}

/**
 * `/artifacts` use cases. Members upload, every role reads its org's artifacts, the creator or an
 * admin deletes; another org's id is a 404. Downloads go through signed, expiring links.
 */
@Injectable()
export class ArtifactsService {
  constructor(
    private readonly repo: ArtifactsRepository,
    private readonly recorder: ArtifactsRecorder,
    private readonly store: BlobStore,
    private readonly links: ArtifactLinkSigner,
  ) {}

  /** The file part is already in the store (streamed by the upload engine); validate the fields and write its row. */
  async upload(p: Principal, file: UploadedBlob | undefined, rawFields: unknown): Promise<ArtifactDetailDto> {
    if (!file) {
      throw new ValidationException('A file is required', {
        fields: [{ field: 'file', errors: ['multipart field "file" is required'] }],
      });
    }
    let fields: UploadArtifactFields;
    try {
      fields = await validateFields(UploadArtifactFields, rawFields);
    } catch (err) {
      await this.recorder.discard(file.storageKey);
      throw err;
    }
    const e = await this.recorder.commit({
      orgId: p.orgId,
      artifactId: file.artifactId,
      storageKey: file.storageKey,
      stored: file.stored,
      name: fields.name ?? file.originalname,
      description: fields.description,
      declaredContentType: file.mimetype,
      sourceType: 'upload',
      realm: fields.realm,
      conversationId: fields.conversation_id,
      taskRunId: fields.task_run_id,
      createdBy: p.userId,
    });
    return this.withLink(e);
  }

  list(p: Principal, q: ListArtifactsQuery): Promise<Page<ArtifactDto>> {
    return this.repo.list(
      p.orgId,
      { conversationId: q.conversation_id, taskRunId: q.task_run_id, sourceType: q.source_type, mime: q.mime },
      q,
      toArtifactDto,
    );
  }

  async get(p: Principal, id: string): Promise<ArtifactDetailDto> {
    return this.withLink(await this.findOrFail(p.orgId, id));
  }

  async downloadLink(p: Principal, id: string): Promise<DownloadLinkDto> {
    await this.findOrFail(p.orgId, id);
    const link = this.links.sign(id);
    return { url: link.url, expires_at: link.expiresAt.toISOString() };
  }

  /** `GET /artifacts/:id/download` for a signed-in caller. */
  async open(p: Principal, id: string): Promise<ArtifactContent> {
    return this.contentOf(await this.findOrFail(p.orgId, id));
  }

  /** `GET /artifacts/:id/content`: the link's signature is the credential (forged or expired → 403). */
  async openSigned(id: string, expires: string | undefined, sig: string | undefined): Promise<ArtifactContent> {
    const check = this.links.check(id, expires, sig);
    if (check === 'expired') {
      throw new ForbiddenException('This download link has expired', undefined, 'link_expired');
    }
    if (check !== 'ok') {
      throw new ForbiddenException('Invalid download link', undefined, 'link_invalid');
    }
    const e = isPrefixedId('art', id) ? await this.repo.findForSignedLink(id) : null;
    if (!e) {
      throw new NotFoundException('Artifact');
    }
    return this.contentOf(e);
  }

  async remove(p: Principal, id: string): Promise<void> {
    const e = await this.findOrFail(p.orgId, id);
    if (e.createdBy !== p.userId && roleRank(p.role) < roleRank('admin')) {
      throw new ForbiddenException('Only the creator or an admin can delete an artifact');
    }
    if (await this.repo.delete(p.orgId, id)) {
      await this.recorder.discard(e.storageKey);
    }
  }

  private async findOrFail(orgId: string, id: string): Promise<ArtifactEntity> {
    const e = isPrefixedId('art', id) ? await this.repo.find(orgId, id) : null;
    if (!e) {
      throw new NotFoundException('Artifact');
    }
    return e;
  }

  private withLink(e: ArtifactEntity): ArtifactDetailDto {
    const link = this.links.sign(e.id);
    return { ...toArtifactDto(e), download_url: link.url, download_url_expires_at: link.expiresAt.toISOString() };
  }

  private async contentOf(e: ArtifactEntity): Promise<ArtifactContent> {
    try {
      const stream = await this.store.get(e.storageKey);
      return { stream, name: e.name, contentType: e.contentType, sizeBytes: e.sizeBytes };
    } catch (err) {
      if (err instanceof BlobNotFoundError) {
        throw new NotFoundException('Artifact content');
      }
      throw err;
    }
  }
}
