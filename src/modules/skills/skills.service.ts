import type { Principal } from '@libs/auth/principal';
import { prefixedId } from '@libs/database/ids';
import { Transactional, TransactionHost } from '@libs/database/transaction';
import { ConflictException, NotFoundException, ValidationException } from '@libs/errors';
import { OrgEvents } from '@libs/events';
import type { Page } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { UsersRepository } from 'src/modules/orgs/users.repository';
import {
  CreateSkillDto,
  ListSkillsQuery,
  RegistryInstallDto,
  RegistryListDto,
  SkillDto,
  SkillSummaryDto,
  toSkillDto,
  toSkillSummaryDto,
  UpdateSkillDto,
} from './dto/skill.dto';
import { bumpPatch, compareSemver, parseSkillMarkdown, validateSkill, type SkillFields } from './skill-markdown';
import { SkillRegistry } from './skill-registry';
import { SkillWorkflow, type SkillAction } from './skill-workflow';
import type { SkillEntity, SkillStatus } from './skill.entity';
import { SkillsRepository } from './skills.repository';

const isSkillId = (id: string) => /^skl_[0-9a-f]{32}$/.test(id);

/** The fields of a request: the `markdown` document first, then the fields given one by one. */
function requestFields(dto: CreateSkillDto): SkillFields {
  const fromMd = dto.markdown !== undefined ? parseSkillMarkdown(dto.markdown) : {};
  const pick = <K extends keyof SkillFields>(k: K): SkillFields[K] => (dto[k] as SkillFields[K]) ?? fromMd[k];
  return {
    slug: pick('slug'),
    name: pick('name'),
    description: pick('description'),
    version: pick('version'),
    author: pick('author'),
    tags: pick('tags'),
    body: pick('body'),
  };
}

/**
 * Custom skill CRUD and the approval workflow (skills.md §3): rules in SkillWorkflow, each
 * transition a conditional update (the status it starts from), audited by the route's
 * @AuditAction. Approving a version archives the previously approved version of its slug.
 */
@Injectable()
export class SkillsService {
  constructor(
    private readonly repo: SkillsRepository,
    private readonly registry: SkillRegistry,
    private readonly users: UsersRepository,
    private readonly events: OrgEvents,
    private readonly txHost: TransactionHost,
  ) {}

  list(p: Principal, q: ListSkillsQuery): Promise<Page<SkillSummaryDto>> {
    return this.repo.list(p.orgId, q, q, toSkillSummaryDto);
  }

  async get(p: Principal, id: string): Promise<SkillDto> {
    return toSkillDto(await this.find(p, id));
  }

  async create(p: Principal, dto: CreateSkillDto): Promise<SkillDto> {
    SkillWorkflow.assertCanAuthor(p);
    const f = validateSkill(requestFields(dto));
    await this.assertVersionFree(p.orgId, f.slug, f.version);
    const skill = await this.repo.insert({
      id: prefixedId('skl'),
      orgId: p.orgId,
      ...f,
      charCount: f.body.length,
      origin: 'custom',
      status: 'draft',
      createdBy: p.userId,
    });
    return toSkillDto(skill);
  }

  /** Draft/rejected: edited in place (back to draft). Approved: the next version, as a new draft. */
  async update(p: Principal, id: string, dto: UpdateSkillDto): Promise<SkillDto> {
    const skill = await this.find(p, id);
    const to = SkillWorkflow.next('edit', skill, p);
    const f = validateSkill({ ...skill, ...definedOnly(requestFields(dto)) });
    if (f.slug !== skill.slug) {
      throw new ValidationException('slug cannot change (a new slug is a new skill)', {
        fields: [{ field: 'slug', errors: ['slug cannot change'] }],
      });
    }
    if (to === 'new_version') {
      return toSkillDto(await this.newVersion(p, skill, f, dto.version !== undefined));
    }
    if (f.version !== skill.version) {
      await this.assertVersionFree(p.orgId, f.slug, f.version);
    }
    const patch: Partial<SkillEntity> = { ...f, charCount: f.body.length, status: 'draft' };
    if (!(await this.repo.transition(p.orgId, id, skill.status, patch))) {
      throw raced(skill.status);
    }
    return this.get(p, id);
  }

  async remove(p: Principal, id: string): Promise<void> {
    const skill = await this.find(p, id);
    SkillWorkflow.next('delete', skill, p);
    await this.repo.delete(p.orgId, id);
  }

  async submit(p: Principal, id: string): Promise<SkillDto> {
    const skill = await this.move(p, id, 'submit', { submittedBy: p.userId });
    await this.events.publish(p.orgId, 'skill.submitted', {
      skill_id: skill.id,
      slug: skill.slug,
      name: skill.name,
      version: skill.version,
      submitted_by: p.userId,
    });
    return toSkillDto(skill);
  }

  async approve(p: Principal, id: string, note?: string): Promise<SkillDto> {
    const skill = await this.approveInTx(p, id, note ?? null);
    await this.published(p, skill, 'approved');
    return toSkillDto(skill);
  }

  async reject(p: Principal, id: string, note: string): Promise<SkillDto> {
    const skill = await this.move(p, id, 'reject', { reviewedBy: p.userId, reviewedAt: new Date(), reviewNote: note });
    await this.published(p, skill, 'rejected');
    return toSkillDto(skill);
  }

  async archive(p: Principal, id: string): Promise<SkillDto> {
    return toSkillDto(await this.move(p, id, 'archive', {}));
  }

  registryList(q?: string): RegistryListDto {
    const items = this.registry.search(q).map((s) => ({
      slug: s.slug,
      name: s.name,
      description: s.description,
      version: s.version,
      author: s.author,
      tags: s.tags,
      char_count: s.body.length,
      installed: false,
    }));
    return { items, total: items.length, next_cursor: null };
  }

  /** The registry list with `installed` set for the caller's org. */
  async registryFor(p: Principal, q?: string): Promise<RegistryListDto> {
    const out = this.registryList(q);
    for (const item of out.items) {
      item.installed = (await this.repo.versions(p.orgId, item.slug)).length > 0;
    }
    return out;
  }

  /** A registry skill copied into the org as `origin: registry`, waiting for approval. */
  async install(p: Principal, dto: RegistryInstallDto): Promise<SkillDto> {
    SkillWorkflow.assertCanAuthor(p);
    const entry = this.registry.find(dto.slug);
    if (!entry || (dto.version && dto.version !== entry.version)) {
      throw new NotFoundException(
        'Registry skill',
        { slug: dto.slug, version: dto.version ?? null },
        'skill_not_found',
      );
    }
    await this.assertVersionFree(p.orgId, entry.slug, entry.version);
    const skill = await this.repo.insert({
      id: prefixedId('skl'),
      orgId: p.orgId,
      ...entry,
      charCount: entry.body.length,
      origin: 'registry',
      status: 'pending_approval',
      createdBy: p.userId,
      submittedBy: p.userId,
    });
    await this.events.publish(p.orgId, 'skill.submitted', {
      skill_id: skill.id,
      slug: skill.slug,
      name: skill.name,
      version: skill.version,
      submitted_by: p.userId,
    });
    return toSkillDto(skill);
  }

  @Transactional()
  private async approveInTx(p: Principal, id: string, note: string | null): Promise<SkillEntity> {
    const skill = await this.find(p, id);
    const admins = skill.submittedBy === p.userId ? (await this.users.enabledAdminIds(p.orgId)).length : 1;
    SkillWorkflow.next('approve', skill, p, admins);
    await this.repo.archiveApproved(p.orgId, skill.slug);
    const patch = { status: 'approved' as const, reviewedBy: p.userId, reviewedAt: new Date(), reviewNote: note };
    if (!(await this.repo.transition(p.orgId, id, skill.status, patch))) {
      throw raced(skill.status);
    }
    return { ...skill, ...patch, updatedAt: new Date() };
  }

  private async move(p: Principal, id: string, action: SkillAction, patch: Partial<SkillEntity>) {
    const skill = await this.find(p, id);
    const to = SkillWorkflow.next(action, skill, p) as SkillStatus;
    if (!(await this.repo.transition(p.orgId, id, skill.status, { ...patch, status: to }))) {
      throw raced(skill.status);
    }
    return { ...skill, ...patch, status: to, updatedAt: new Date() };
  }

  private async newVersion(
    p: Principal,
    approved: SkillEntity,
    f: ReturnType<typeof validateSkill>,
    versionGiven: boolean,
  ): Promise<SkillEntity> {
    const versions = await this.repo.versions(p.orgId, approved.slug);
    const open = versions.find(
      (v) => v.status === 'draft' || v.status === 'pending_approval' || v.status === 'rejected',
    );
    if (open) {
      throw new ConflictException(
        `Version ${open.version} of ${approved.slug} is still ${open.status}; edit that one instead`,
        { id: open.id, version: open.version, status: open.status },
        'skill_draft_exists',
      );
    }
    let version = f.version;
    if (versionGiven) {
      if (compareSemver(version, approved.version) <= 0) {
        throw new ValidationException(`version must be greater than ${approved.version}`, {
          fields: [{ field: 'version', errors: [`version must be greater than ${approved.version}`] }],
        });
      }
      await this.assertVersionFree(p.orgId, f.slug, version);
    } else {
      const taken = new Set(versions.map((v) => v.version));
      version = bumpPatch(approved.version);
      while (taken.has(version)) {
        version = bumpPatch(version);
      }
    }
    return this.repo.insert({
      id: prefixedId('skl'),
      orgId: p.orgId,
      ...f,
      version,
      charCount: f.body.length,
      origin: approved.origin,
      status: 'draft',
      createdBy: p.userId,
    });
  }

  private async published(p: Principal, skill: SkillEntity, decision: 'approved' | 'rejected'): Promise<void> {
    await this.events.publish(p.orgId, 'skill.reviewed', {
      skill_id: skill.id,
      slug: skill.slug,
      name: skill.name,
      version: skill.version,
      decision,
      note: skill.reviewNote,
      submitted_by: skill.submittedBy,
      reviewed_by: p.userId,
    });
  }

  private async assertVersionFree(orgId: string, slug: string, version: string): Promise<void> {
    if (await this.repo.versionExists(orgId, slug, version)) {
      throw new ConflictException(
        `Version ${version} of ${slug} already exists`,
        { slug, version },
        'skill_version_exists',
      );
    }
  }

  private async find(p: Principal, id: string): Promise<SkillEntity> {
    const skill = isSkillId(id) ? await this.repo.findInOrg(p.orgId, id) : null;
    if (!skill) {
      throw new NotFoundException('Skill');
    }
    return skill;
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const raced = (from: string) =>
  new ConflictException('The skill changed meanwhile; reload it and retry', { status: from }, 'skill_changed');
