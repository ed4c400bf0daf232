// Every test process talks to the real local services, on the test database and a test Redis prefix.
process.env.NODE_ENV = 'test';
process.env.DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/agentcy_test';
process.env.REDIS_PREFIX = process.env.REDIS_PREFIX ?? 'agentcy-test';
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
process.env.RATE_LIMIT_PER_MIN = process.env.RATE_LIMIT_PER_MIN ?? '100000';
process.env.LOGIN_RATE_LIMIT_PER_MIN = process.env.LOGIN_RATE_LIMIT_PER_MIN ?? '100000';
