import type { EnvVar } from '../env-var';

/** Ingestion, connectors and the egress guard. */
export const CONNECTORS_VARS: readonly EnvVar[] = [
  {
    name: 'INGEST_BATCH_SIZE',
    kind: 'int',
    default: '500',
    min: 1,
    max: 100000,
    description: 'Nodes/edges per graph write batch during ingestion.',
  },
  {
    name: 'INGEST_CONCURRENCY',
    kind: 'int',
    default: '2',
    min: 1,
    max: 64,
    description: 'Sync jobs run at once per process.',
  },
  {
    name: 'AGENTCY_CONNECTORS',
    kind: 'list',
    default: '',
    description:
      'Comma-separated connector types to enable (e.g. `csv,json,postgres`); empty enables every built-in connector.',
  },
  {
    name: 'INGEST_ORG_CONCURRENCY',
    kind: 'int',
    default: '0',
    min: 0,
    max: 64,
    description:
      'Sync jobs of one org running at once across all processes (0 = half of INGEST_CONCURRENCY, at least 1), so one tenant cannot starve the others.',
  },
  {
    name: 'INGEST_ATOMIC_MAX_ROWS',
    kind: 'int',
    default: '10000',
    min: 0,
    max: 10000000,
    description:
      'Sync runs with at most this many staged nodes+edges are published in one Neo4j transaction (all or nothing for readers); larger runs are published in INGEST_BATCH_SIZE batches after staging.',
  },
  {
    name: 'EGRESS_ALLOW',
    kind: 'list',
    default: '',
    description:
      'Comma-separated CIDRs and host names (`*.corp.example` allowed) that org-configured connections may reach although they are loopback, private, link-local or otherwise non-public (e.g. `127.0.0.1/32,db.internal`); empty = public addresses only.',
  },
  {
    name: 'CONNECTOR_PG_ALLOW_SUPERUSER',
    kind: 'bool',
    default: 'false',
    description:
      'Lets postgres sources connect as a superuser or as a member of `pg_execute_server_program`, `pg_read_server_files` or `pg_write_server_files` (refused by default: such a role can run programs and read files on the database host).',
  },
  {
    name: 'CONNECTOR_HOST_ACCESS',
    kind: 'enum',
    values: ['platform_admin', 'org_admin', 'off'],
    default: 'platform_admin',
    description:
      'Who may configure sources that act on the API host itself (mcp `stdio` runs a command; git `path`/`file:` URLs and kubernetes kubeconfig paths read its files; kubernetes `in_cluster` uses its service account): platform admins, any org admin, or nobody.',
  },
  {
    name: 'INGEST_RUN_IN_API',
    kind: 'bool',
    default: 'true',
    description:
      'Runs the ingestion queue processor inside the API process (set false when `npm run worker` processes run it).',
  },
];
