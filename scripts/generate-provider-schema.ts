/** Writes what the built-in providers generate (see provider-schema.ts): npm run generate:providers. */
import { readFileSync, writeFileSync } from 'node:fs';
import { generateConstructsText } from './provider-props.js';
import { capabilityMatrix, replaceReadmeMatrix } from './capability-matrix.js';
import { generateSchemaText } from './provider-schema.js';

const schemaUrl = new URL('../schema/keys.schema.json', import.meta.url);
writeFileSync(schemaUrl, generateSchemaText(readFileSync(schemaUrl, 'utf8')));
writeFileSync(new URL('../src/constructs/provider-props.ts', import.meta.url), generateConstructsText());
const readmeUrl = new URL('../README.md', import.meta.url);
writeFileSync(readmeUrl, replaceReadmeMatrix(readFileSync(readmeUrl, 'utf8'), capabilityMatrix()));
