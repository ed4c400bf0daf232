// Validates an OpenAPI document file with a third-party validator (ESM-only, so run as a child process).
import { Validator } from '@seriousme/openapi-schema-validator';
import { readFileSync } from 'node:fs';

const doc = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const validator = new Validator();
const res = await validator.validate(doc);
process.stdout.write(JSON.stringify({ valid: res.valid, version: validator.version, errors: res.errors ?? null }));
