/**
 * The skill registry shipped with this build: community skills an org can install
 * (`POST /skills/registry/install`). Installed copies start in `pending_approval` like any other
 * submission. Each entry is a complete skill document (frontmatter + body).
 */
export const REGISTRY_SKILLS: readonly string[] = [
  `---
name: PostgreSQL Health Triage
slug: postgres.health-triage
description: Step-by-step triage of a slow or unhealthy PostgreSQL database.
version: 1.2.0
author: agentcy/community
tags: [database, postgres, incident]
---
# PostgreSQL Health Triage

1. Check connections: \`SELECT count(*), state FROM pg_stat_activity GROUP BY state\`. Many
   \`idle in transaction\` sessions point at an application that does not commit.
2. Look for locks: \`SELECT * FROM pg_locks WHERE NOT granted\`; find the blocker with
   \`pg_blocking_pids(pid)\`.
3. Long queries: \`SELECT pid, now() - query_start AS age, query FROM pg_stat_activity
   WHERE state <> 'idle' ORDER BY age DESC LIMIT 10\`.
4. Bloat and vacuum: \`SELECT relname, n_dead_tup, last_autovacuum FROM pg_stat_user_tables
   ORDER BY n_dead_tup DESC LIMIT 10\`.
5. Replication lag (replicas): \`SELECT now() - pg_last_xact_replay_timestamp()\`.
Report what you found before proposing anything destructive (terminating sessions needs approval).`,
  `---
name: Kubernetes CrashLoop Debugging
slug: kubernetes.crashloop-debugging
description: Find why a pod keeps restarting and what to check before restarting anything.
version: 1.0.0
author: agentcy/community
tags: [kubernetes, incident]
---
# Kubernetes CrashLoop Debugging

- List the pods of the deployment and their restart counts; pick the newest failing pod.
- Read its previous container logs (the crash, not the restart).
- Check the last state's exit code: 137 = OOM killed (compare memory limits), 1 = application
  error (read the logs), 127 = wrong command.
- Check recent rollouts: a crash that started with a new image is usually the image.
- Only then propose a rollback or a restart, and say why.`,
  `---
name: Incident Postmortem Writer
slug: incident.postmortem
description: Turns an incident's timeline into a blameless postmortem.
version: 0.3.0
author: agentcy/community
tags: [incident, writing]
---
# Incident Postmortem Writer

Write a blameless postmortem with these sections: Summary (two sentences), Impact (who, how long,
how bad), Timeline (UTC, one line per event), Root cause, What went well, What went badly,
Action items (owner + due date each). Use facts from the conversation and tools only; mark
anything uncertain as "to confirm".`,
];
