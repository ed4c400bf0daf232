import type { EnvVar } from '../env-var';

/** PostgreSQL, Redis, Neo4j and the health checks of them. */
export const STORES_VARS: readonly EnvVar[] = [
  {
    name: 'DATABASE_URL',
    kind: 'url',
    default: 'postgres://postgres@127.0.0.1:5432/agentcy',
    requiredInProduction: true,
    description: 'PostgreSQL connection string.',
  },
  {
    name: 'DATABASE_POOL_SIZE',
    kind: 'int',
    default: '10',
    min: 1,
    max: 200,
    description: 'PostgreSQL pool size per process.',
  },
  {
    name: 'MIGRATIONS_RUN',
    kind: 'bool',
    default: 'true',
    description: 'Run pending migrations at startup (under a PostgreSQL advisory lock).',
  },
  {
    name: 'REDIS_URL',
    kind: 'url',
    default: 'redis://127.0.0.1:6379',
    requiredInProduction: true,
    description: 'Redis connection string (queues, pub/sub, rate limits).',
  },
  {
    name: 'REDIS_PREFIX',
    kind: 'string',
    default: 'agentcy',
    description: 'Prefix of every Redis key and queue name (lets test runs share one Redis).',
  },
  { name: 'NEO4J_URI', kind: 'url', default: 'bolt://127.0.0.1:7687', description: 'Neo4j Bolt URI.' },
  { name: 'NEO4J_USER', kind: 'string', default: 'neo4j', description: 'Neo4j user.' },
  {
    name: 'NEO4J_PASSWORD',
    kind: 'string',
    default: 'password',
    secret: true,
    description: 'Neo4j password (the bundled local server runs with auth disabled).',
  },
  { name: 'NEO4J_DATABASE', kind: 'string', default: 'neo4j', description: 'Neo4j database name.' },
  {
    name: 'HEALTH_CACHE_MS',
    kind: 'int',
    default: '1000',
    min: 0,
    description:
      'How long GET /health reuses its last dependency probe (concurrent checks always share one probe); 0 probes on every request.',
  },
  {
    name: 'HEALTH_CHECK_TIMEOUT_MS',
    kind: 'int',
    default: '2000',
    min: 50,
    description: 'Per-dependency timeout of GET /health.',
  },
];
