import { SkillWorkflow, type SkillActor } from './skill-workflow';

const author: SkillActor = { userId: 'u-author', role: 'member' };
const other: SkillActor = { userId: 'u-other', role: 'member' };
const admin: SkillActor = { userId: 'u-admin', role: 'admin' };
const viewer: SkillActor = { userId: 'u-viewer', role: 'viewer' };
const skill = (status: string, submittedBy: string | null = null) =>
  ({ status, createdBy: 'u-author', submittedBy }) as never;

const code = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('SkillWorkflow', () => {
  it('follows draft → pending_approval → approved → archived, and rejected → draft on edit', () => {
    expect(SkillWorkflow.next('submit', skill('draft'), author)).toBe('pending_approval');
    expect(SkillWorkflow.next('approve', skill('pending_approval', 'u-author'), admin, 2)).toBe('approved');
    expect(SkillWorkflow.next('reject', skill('pending_approval', 'u-author'), admin, 2)).toBe('rejected');
    expect(SkillWorkflow.next('edit', skill('rejected'), author)).toBe('draft');
    expect(SkillWorkflow.next('edit', skill('approved'), author)).toBe('new_version');
    expect(SkillWorkflow.next('archive', skill('approved'), admin)).toBe('archived');
    expect(SkillWorkflow.next('delete', skill('draft'), author)).toBe('deleted');
  });

  it('refuses transitions the status does not allow (409 invalid_skill_transition)', () => {
    expect(code(() => SkillWorkflow.next('approve', skill('draft'), admin))).toBe('invalid_skill_transition');
    expect(code(() => SkillWorkflow.next('submit', skill('approved'), author))).toBe('invalid_skill_transition');
    expect(code(() => SkillWorkflow.next('edit', skill('pending_approval'), author))).toBe('invalid_skill_transition');
    expect(code(() => SkillWorkflow.next('delete', skill('approved'), admin))).toBe('invalid_skill_transition');
    expect(code(() => SkillWorkflow.next('archive', skill('archived'), admin))).toBe('invalid_skill_transition');
  });

  it('lets only admins review and archive, only the author or an admin edit/submit/delete, never viewers', () => {
    expect(code(() => SkillWorkflow.next('approve', skill('pending_approval'), author))).toBe('forbidden');
    expect(code(() => SkillWorkflow.next('reject', skill('pending_approval'), author))).toBe('forbidden');
    expect(code(() => SkillWorkflow.next('archive', skill('approved'), author))).toBe('forbidden');
    expect(code(() => SkillWorkflow.next('submit', skill('draft'), other))).toBe('forbidden');
    expect(code(() => SkillWorkflow.next('delete', skill('draft'), other))).toBe('forbidden');
    expect(code(() => SkillWorkflow.next('submit', skill('draft'), viewer))).toBe('forbidden');
    expect(SkillWorkflow.next('submit', skill('draft'), admin)).toBe('pending_approval');
  });

  it('forbids approving your own submission when the org has another admin (409 self_approval_forbidden)', () => {
    const own = skill('pending_approval', 'u-admin');
    expect(code(() => SkillWorkflow.next('approve', own, admin, 2))).toBe('self_approval_forbidden');
    expect(SkillWorkflow.next('approve', own, admin, 1)).toBe('approved');
    expect(SkillWorkflow.next('reject', own, admin, 2)).toBe('rejected');
  });
});
