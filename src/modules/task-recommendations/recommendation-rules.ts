import type { TaskSummary } from 'src/modules/tasks/tasks.contract';
import type { RecommendationSource } from './task-recommendation.entity';

/** What the org has, as the rules read it. */
export interface OrgState {
  sources: {
    id: string;
    name: string;
    connector: string;
    enabled: boolean;
    schedule: string | null;
    failuresSinceSuccess: number;
  }[];
  /** unexpired pending approvals per tool */
  pendingApprovals: { tool: string; count: number }[];
  /** source id → qualified names of its tools */
  toolsBySource: Map<string, string[]>;
  tasks: Pick<TaskSummary, 'name' | 'inputTemplate'>[];
}

export interface RecommendationCandidate {
  fingerprint: string;
  title: string;
  rationale: string;
  /** a `POST /tasks` body */
  suggestedTask: Record<string, unknown>;
  score: number;
  source: RecommendationSource;
}

/** failed syncs in a row (since the last success) that make a recommendation */
export const FAILING_SYNCS_MIN = 2;
/** pending approvals of one tool that make a recommendation */
export const PENDING_APPROVALS_MIN = 3;

const clamp = (n: number) => Math.round(Math.min(1, Math.max(0, n)) * 100) / 100;
const schedule = (cron: string) => ({ kind: 'schedule', cron });

/**
 * The recommendation rules (docs/task-recommendations.md). Each candidate's fingerprint names what
 * it is about; the engine keeps one recommendation per fingerprint, so a dismissed one stays
 * dismissed.
 */
export function recommend(state: OrgState): RecommendationCandidate[] {
  const out: RecommendationCandidate[] = [];
  const taskText = state.tasks.map((t) => `${t.name}\n${JSON.stringify(t.inputTemplate ?? {})}`.toLowerCase());
  for (const s of state.sources.filter((x) => x.enabled)) {
    if (!s.schedule) {
      out.push({
        fingerprint: `source_unscheduled:${s.id}`,
        title: `Check "${s.name}" for fresh data every day`,
        rationale: `Source "${s.name}" (${s.connector}) has no sync schedule, so its graph data only changes when someone syncs it by hand.`,
        suggestedTask: {
          name: `Daily freshness check: ${s.name}`.slice(0, 200),
          description: `Suggested because source "${s.name}" has no sync schedule.`,
          trigger: schedule('0 6 * * *'),
          input_template: {
            instruction: `Source "${s.name}" (${s.connector}) is synced by hand only. Report when it was last synced and what looks stale in its data.`,
          },
        },
        score: 0.5,
        source: 'connector_state',
      });
    }
    if (s.failuresSinceSuccess >= FAILING_SYNCS_MIN) {
      out.push({
        fingerprint: `sync_failing:${s.id}`,
        title: `Investigate the failing syncs of "${s.name}"`,
        rationale: `The last ${s.failuresSinceSuccess} syncs of "${s.name}" (${s.connector}) failed with no success in between.`,
        suggestedTask: {
          name: `Sync failure triage: ${s.name}`.slice(0, 200),
          description: `Suggested because the syncs of "${s.name}" keep failing.`,
          trigger: schedule('0 * * * *'),
          input_template: {
            instruction: `The syncs of source "${s.name}" (${s.connector}) keep failing. Find the cause from the latest sync errors and say what to change.`,
          },
        },
        score: clamp(0.6 + 0.1 * (s.failuresSinceSuccess - FAILING_SYNCS_MIN)),
        source: 'connector_state',
      });
    }
    const tools = state.toolsBySource.get(s.id) ?? [];
    const mentioned = (needle: string) => taskText.some((t) => t.includes(needle.toLowerCase()));
    if (tools.length && !mentioned(s.name) && !tools.some(mentioned)) {
      out.push({
        fingerprint: `tools_unused:${s.id}`,
        title: `Put the tools of "${s.name}" to work`,
        rationale: `"${s.name}" (${s.connector}) offers ${tools.length} tool(s) (${tools.slice(0, 5).join(', ')}${tools.length > 5 ? ', …' : ''}) and no task uses them.`,
        suggestedTask: {
          name: `Weekly ${s.name} report`.slice(0, 200),
          description: `Suggested because no task uses the tools of "${s.name}".`,
          trigger: schedule('0 8 * * 1'),
          input_template: {
            instruction: `Use the read-only tools of "${s.name}" (${tools.slice(0, 5).join(', ')}) to write a short weekly status report.`,
          },
        },
        score: 0.3,
        source: 'connector_state',
      });
    }
  }
  for (const a of state.pendingApprovals.filter((x) => x.count >= PENDING_APPROVALS_MIN)) {
    out.push({
      fingerprint: `approvals_pending:${a.tool}`,
      title: `Review the pending approvals for ${a.tool}`,
      rationale: `${a.count} calls to ${a.tool} wait for an approval.`,
      suggestedTask: {
        name: `Approval digest: ${a.tool}`.slice(0, 200),
        description: `Suggested because approvals for ${a.tool} pile up.`,
        trigger: schedule('0 9 * * 1-5'),
        input_template: {
          instruction: `Summarise the pending approval requests for ${a.tool}: who asked, why, and which look safe to approve.`,
        },
      },
      score: clamp(0.4 + 0.05 * a.count),
      source: 'chat_patterns',
    });
  }
  return out;
}
