// Every test process talks to the real local services, on the test database and a test Redis prefix.
process.env.NODE_ENV = 'test';
process.env.DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/agentcy_test';
// One Redis prefix per test file: suites never consume each other's queue jobs or events
// (a second API process spawned by a test inherits it, which is what two-process tests need).
process.env.REDIS_PREFIX = `agentcy-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
process.env.RATE_LIMIT_PER_MIN = process.env.RATE_LIMIT_PER_MIN ?? '100000';
process.env.LOGIN_RATE_LIMIT_PER_MIN = process.env.LOGIN_RATE_LIMIT_PER_MIN ?? '100000';
process.env.AUTH_ANON_RATE_LIMIT_PER_MIN = process.env.AUTH_ANON_RATE_LIMIT_PER_MIN ?? '100000';
process.env.EGRESS_ALLOW = process.env.EGRESS_ALLOW ?? '127.0.0.1';
