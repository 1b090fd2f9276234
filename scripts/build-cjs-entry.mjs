// Build step: the CommonJS entry of keyplan/constructs, after tsc (see package.json "build").
// dist/constructs/index.cjs is the ES module itself, loaded through require(esm) (Node 20.19+), so a CommonJS and
// an ES program share one copy. Its types are the ES declarations copied as .d.cts (CommonJS declarations), each
// relative import renamed to the copy, so TypeScript sees CommonJS types under `require`.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const SPECIFIER = /(\bfrom\s+|\bimport\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\.js\2/g;

writeFileSync(
  join(dist, 'constructs/index.cjs'),
  `'use strict';\n// keyplan/constructs for require(): the ES module itself (require(esm), Node 20.19+), so both share one copy.\nmodule.exports = require('./index.js');\n`,
);

const pending = [join(dist, 'constructs/index.d.ts')];
const copied = new Set();
while (pending.length > 0) {
  const file = pending.pop();
  if (copied.has(file)) continue;
  copied.add(file);
  const text = readFileSync(file, 'utf8').replace(SPECIFIER, (_, head, quote, path) => {
    pending.push(resolve(dirname(file), `${path}.d.ts`));
    return `${head}${quote}${path}.cjs${quote}`;
  });
  writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), text);
}
