import type { Principal } from '@libs/auth/principal';
import { MAX_FILE_BYTES, uploadPath } from '@libs/connectors/file-source';
import { AppException, NotFoundException, ValidationException } from '@libs/errors';
import { paginateArray, type Page, type PageQuery } from '@libs/pagination';
import { Injectable, Logger } from '@nestjs/common';
import { parseExpression } from 'cron-parser';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { GraphContract } from '../graph/graph.contract';
import type { JobDto } from '../sources/dto/source-response.dto';
import { SourceRuntime } from '../sources/source-runtime.service';
import { toJobDto } from '../sources/sources.mappers';
import { SourcesRepository } from '../sources/sources.repository';
import { SourcesService } from '../sources/sources.service';
import { SyncService } from '../sources/sync.service';
import type { ListIngestionJobsQuery, SourceStatusDto, UploadIngestDto, UploadResultDto } from './dto/ingestion.dto';

export interface UploadedFile {
  buffer: Buffer;
  originalname?: string;
  mimetype?: string;
}

@Injectable()
export class IngestionService {
  private readonly logger = new Logger(IngestionService.name);

  constructor(
    private readonly sources: SourcesService,
    private readonly sync: SyncService,
    private readonly repo: SourcesRepository,
    private readonly runtime: SourceRuntime,
    private readonly graph: GraphContract,
  ) {}

  async start(
    p: Principal,
    sourceId: string,
    mode: 'full' | 'incremental' | undefined,
    meta: { requestId?: string; ip?: string },
  ): Promise<JobDto> {
    const s = await this.sources.requireSource(p.orgId, sourceId);
    return this.sync.start(
      s,
      { userId: p.userId, email: p.email, apiKeyId: p.apiKeyId },
      { mode, trigger: 'manual', ...meta },
    );
  }

  listJobs(p: Principal, q: ListIngestionJobsQuery): Promise<Page<JobDto>> {
    return this.sync.listJobs(
      p.orgId,
      { status: q.status, sourceId: q.source_id, since: q.since },
      q,
      'ingestion-jobs',
    );
  }

  getJob(p: Principal, id: string): Promise<JobDto> {
    return this.sync.getJob(p.orgId, id);
  }

  async cancel(p: Principal, id: string): Promise<JobDto> {
    return this.sync.cancel(p.orgId, undefined, id, { userId: p.userId, email: p.email, apiKeyId: p.apiKeyId });
  }

  async status(p: Principal, q: PageQuery): Promise<Page<SourceStatusDto>> {
    const all = await this.repo.listAllSources(p.orgId);
    const lastJobs = new Map(
      (await this.repo.jobsByIds(all.map((s) => s.lastJobId ?? '').filter(Boolean))).map((j) => [j.id, j]),
    );
    const counts = await this.graph.liveNodeCountsBySource(p.orgId).catch((err: Error) => {
      this.logger.warn(`node counts unavailable: ${err.message}`);
      return new Map<string, number>();
    });
    const items: SourceStatusDto[] = all.map((s) => {
      let next: string | null = null;
      if (s.schedule && s.enabled) {
        try {
          next = parseExpression(s.schedule, { utc: true }).next().toDate().toISOString();
        } catch {
          next = null;
        }
      }
      const last = s.lastJobId ? lastJobs.get(s.lastJobId) : undefined;
      return {
        source_id: s.id,
        name: s.name,
        source_type: s.sourceType,
        realm: s.realm,
        enabled: s.enabled,
        status: s.status,
        last_job: last ? toJobDto(last, s.name) : null,
        schedule: s.schedule,
        next_run_at: next,
        node_count: counts.get(s.id) ?? 0,
        _k: s.createdAt.toISOString(),
      } as SourceStatusDto & { _k: string };
    });
    return paginateArray(items as (SourceStatusDto & { _k: string })[], q, {
      scope: `ingestion-status:${p.orgId}`,
      key: (i) => i._k,
      id: (i) => i.source_id,
      map: ({ _k, ...rest }) => rest,
    });
  }

  private detectType(file: UploadedFile, dto: UploadIngestDto): 'csv' | 'json' {
    if (dto.source_type) {
      return dto.source_type;
    }
    const name = (dto.filename ?? file.originalname ?? '').toLowerCase();
    const ext = extname(name);
    if (ext === '.csv' || /csv/.test(file.mimetype ?? '')) {
      return 'csv';
    }
    if (ext === '.json' || ext === '.ndjson' || ext === '.jsonl' || /json/.test(file.mimetype ?? '')) {
      return 'json';
    }
    const head = file.buffer.subarray(0, 64).toString('utf8').trimStart();
    if (head.startsWith('[') || head.startsWith('{')) {
      return 'json';
    }
    return 'csv';
  }

  async upload(
    p: Principal,
    file: UploadedFile | undefined,
    dto: UploadIngestDto,
    meta: { requestId?: string; ip?: string },
  ): Promise<UploadResultDto> {
    if (!file || !file.buffer?.length) {
      throw new ValidationException('A non-empty file is required', {
        fields: [{ field: 'file', errors: ['multipart field "file" or a raw request body is required'] }],
      });
    }
    if (file.buffer.length > MAX_FILE_BYTES) {
      throw new AppException(413, 'payload_too_large', 'Uploads are limited to 50 MB');
    }
    let existing = dto.source_id ? await this.repo.findSource(p.orgId, dto.source_id) : null;
    if (dto.source_id && !existing) {
      throw new NotFoundException('Source');
    }
    if (existing && !['csv', 'json'].includes(existing.sourceType)) {
      throw new ValidationException('Uploads can only feed csv or json sources', {
        fields: [{ field: 'source_id', errors: [`source is of type ${existing.sourceType}`] }],
      });
    }
    const type = existing ? (existing.sourceType as 'csv' | 'json') : this.detectType(file, dto);
    const fileId = `upl_${randomUUID()}`;
    const path = uploadPath(this.runtime.uploadDir, p.orgId, fileId);
    await mkdir(uploadPath(this.runtime.uploadDir, p.orgId, fileId).replace(/[/\\][^/\\]+$/, ''), { recursive: true });
    await writeFile(path, file.buffer);
    const options: Record<string, unknown> = {};
    if (dto.label) {
      options.label = dto.label;
    }
    if (dto.key) {
      options[type === 'csv' ? 'key_column' : 'key_field'] = dto.key;
    }
    if (dto.name_field) {
      options[type === 'csv' ? 'name_column' : 'name_field'] = dto.name_field;
    }
    if (dto.records_path && type === 'json') {
      options.records_path = dto.records_path;
    }
    let sourceId: string;
    if (existing) {
      await this.sources.update(
        p,
        existing.id,
        { config: { url: null, file_id: fileId, ...options } as Record<string, unknown> },
        meta,
      );
      sourceId = existing.id;
    } else {
      const base = dto.name ?? `upload ${dto.filename ?? file.originalname ?? fileId}`.slice(0, 160);
      let name = base;
      if (!dto.name && (await this.repo.findSourceByName(p.orgId, name))) {
        name = `${base} ${fileId.slice(4, 12)}`;
      }
      const created = await this.sources.create(
        p,
        { name, source_type: type, realm: dto.realm, config: { file_id: fileId, ...options } },
        meta,
      );
      sourceId = created.id;
    }
    existing = await this.repo.findSource(p.orgId, sourceId);
    const job = await this.sync.start(
      existing!,
      { userId: p.userId, email: p.email, apiKeyId: p.apiKeyId },
      { trigger: 'upload', ...meta },
    );
    const source = await this.sources.get(p, sourceId);
    return { file_id: fileId, size_bytes: file.buffer.length, source, job };
  }
}
