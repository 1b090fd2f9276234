// Shared by bench/verify.mjs, bench/soak.mjs and bench/create.mjs: the roles file they serve, and the floor server
// they compare with.
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';

/** Writes roles.yaml (ADMIN, READONLY, GATEWAY) into `dir` and returns its path. */
export async function writeBenchRoles(dir) {
  const rolesFile = join(dir, 'roles.yaml');
  await writeFile(rolesFile, [
    'roles:',
    '  ADMIN: { description: Everything, permissions: ["*"] }',
    '  READONLY: { description: Read keys and roles, permissions: [keys:read, roles:read] }',
    '  GATEWAY: { description: Verifies keys, permissions: [keys:verify] }',
  ].join('\n'));
  return rolesFile;
}

const VERIFY_ANSWER = '{"valid":true,"key":{"id":"key_x","name":"x","roles":["READONLY"]},"permissions":["keys:read","roles:read"]}';

/** The floor: a bare node:http server on 127.0.0.1 that reads the body and answers constant JSON (verify-shaped unless given). */
export async function startBareServer(body = VERIFY_ANSWER) {
  const bare = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise((resolve) => bare.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${bare.address().port}`, close: () => new Promise((resolve) => bare.close(resolve)) };
}
