import { roleRank, type Role } from '@libs/auth/principal';
import { ConflictException, ForbiddenException } from '@libs/errors';
import type { SkillEntity, SkillStatus } from './skill.entity';

export type SkillAction = 'edit' | 'submit' | 'approve' | 'reject' | 'archive' | 'delete';

export interface SkillActor {
  userId: string | null;
  role: Role;
}

/**
 * Which action leads from which status to which (skills.md §3):
 *
 *   draft ──submit──► pending_approval ──approve──► approved ──archive──► archived
 *                           └──reject──► rejected ──edit──► draft
 *
 * `edit` of an approved skill does not change it: it creates the next version as a new draft
 * (the service does that); `delete` removes drafts and rejected versions only.
 */
const TRANSITIONS: Record<SkillAction, Partial<Record<SkillStatus, SkillStatus | 'new_version' | 'deleted'>>> = {
  edit: { draft: 'draft', rejected: 'draft', approved: 'new_version' },
  submit: { draft: 'pending_approval' },
  approve: { pending_approval: 'approved' },
  reject: { pending_approval: 'rejected' },
  archive: { approved: 'archived' },
  delete: { draft: 'deleted', rejected: 'deleted' },
};

const isAdmin = (a: SkillActor) => roleRank(a.role) >= roleRank('admin');

/**
 * The approval workflow's rules: who may do what from which status. Authors (members and up)
 * edit, submit and delete their own versions; admins do that for any version, approve, reject and
 * archive. An admin cannot approve a version they submitted while the org has another admin
 * (409 `self_approval_forbidden`); a sole admin can.
 */
export class SkillWorkflow {
  /** The status the action leads to; throws 403 / 409 when the actor or the status does not allow it. */
  static next(
    action: SkillAction,
    skill: Pick<SkillEntity, 'status' | 'createdBy' | 'submittedBy'>,
    actor: SkillActor,
    orgAdminCount = 1,
  ): SkillStatus | 'new_version' | 'deleted' {
    SkillWorkflow.assertAllowed(action, skill, actor);
    const to = TRANSITIONS[action][skill.status];
    if (!to) {
      throw new ConflictException(
        `A ${skill.status} skill cannot be ${pastTense[action]}`,
        { status: skill.status, action },
        'invalid_skill_transition',
      );
    }
    if (action === 'approve' && skill.submittedBy && skill.submittedBy === actor.userId && orgAdminCount > 1) {
      throw new ConflictException(
        'You cannot approve a skill you submitted; another admin must review it',
        { submitted_by: skill.submittedBy },
        'self_approval_forbidden',
      );
    }
    return to;
  }

  /** Creating a skill (or installing one from the registry) takes a member or above. */
  static assertCanAuthor(actor: SkillActor): void {
    if (roleRank(actor.role) < roleRank('member')) {
      throw new ForbiddenException('Viewers cannot create skills', { role: actor.role });
    }
  }

  private static assertAllowed(action: SkillAction, skill: Pick<SkillEntity, 'createdBy'>, actor: SkillActor): void {
    SkillWorkflow.assertCanAuthor(actor);
    const adminOnly = action === 'approve' || action === 'reject' || action === 'archive';
    if (adminOnly && !isAdmin(actor)) {
      throw new ForbiddenException(`Only admins can ${action} skills`, { role: actor.role });
    }
    if (!adminOnly && !isAdmin(actor) && skill.createdBy !== actor.userId) {
      throw new ForbiddenException(`Only the author or an admin can ${action} this skill`);
    }
  }
}

const pastTense: Record<SkillAction, string> = {
  edit: 'edited',
  submit: 'submitted',
  approve: 'approved',
  reject: 'rejected',
  archive: 'archived',
  delete: 'deleted',
};
