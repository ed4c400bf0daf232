// organize-imports-ignore: side-effect imports (path aliases, reflect-metadata) must stay first
import '../register-paths';
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { AppConfig } from '@libs/config';
import { OpenApiDocumentHolder } from '@libs/openapi/openapi-document.holder';
import { createApp } from '../bootstrap';

/** Writes the sorted OpenAPI document to openapi.json (committed; CI diffs it). */
async function main() {
  const { app } = await createApp(AppConfig.fromEnv({ ...process.env, LOG_LEVEL: 'warn' }));
  writeFileSync(
    process.argv[2] ?? 'openapi.json',
    `${JSON.stringify(app.get(OpenApiDocumentHolder).document, null, 2)}\n`,
  );
  await app.close();
}

void main();
