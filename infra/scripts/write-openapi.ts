/**
 * Writes docs/openapi.json from `buildOpenApiDocument()`. Run it (`npm run openapi`) after changing a route,
 * a request schema or a response schema; the contract tests fail while the committed file is stale.
 */
import { writeFile } from 'node:fs/promises';
import { buildOpenApiDocument, serializeOpenApiDocument } from '#shared/api/openapi';

const target = new URL('../../docs/openapi.json', import.meta.url);

await writeFile(target, serializeOpenApiDocument(buildOpenApiDocument()), 'utf8');
process.stdout.write(`Wrote ${target.pathname}\n`);
