// keyplan-provider-jsonfile: an example provider package for keyplan (`type: package`).
// API keys live in a JSON file; a secret is stored only as its SHA-256. It implements keyplan's provider
// contract version 1 (see "Writing a provider package" in keyplan's README) with no dependencies.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

const DEFAULT_ROLES = [
  { name: 'reader', description: 'Reads notes', permissions: ['notes:read'] },
  { name: 'writer', description: 'Reads and writes notes', permissions: ['notes:read', 'notes:write'] },
];

const plugin = {
  keyplanProviderApi: 1,
  optionsSchema: {
    type: 'object',
    required: ['path'],
    additionalProperties: false,
    properties: {
      path: { type: 'string', minLength: 1, description: 'The JSON file, relative to keys.yaml.' },
      roles: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'permissions'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1 }, description: { type: 'string' }, permissions: { type: 'array', items: { type: 'string' } } },
        },
      },
    },
  },
  capabilities: {
    editableFields: ['name', 'description', 'roles', 'metadata'],
    expiration: { mode: 'any', maxMs: null, allowsNever: true },
    metadata: true,
    ownershipMarker: 'metadata',
    expiryFromCreation: true,
    // A repeated create (same idempotency key) finds the key it made and issues it a new secret.
    createRecovery: 'find-and-reissue',
    listsRevoked: true,
    lastUseResolutionMs: 0,
    reissueInPlace: true,
  },
  open(options, context) {
    const path = isAbsolute(options.path) ? options.path : join(context.baseDir, options.path);
    return new JsonFileProvider(path, options.roles ?? DEFAULT_ROLES, context.now);
  },
};
export default plugin;

/** What an application does with a key: true when the secret is valid (records its last use). */
export async function verifyKey(path, secret, now = Date.now()) {
  const store = await load(path);
  const key = store.keys.find((k) => k.secretHash === hash(secret));
  if (!key || key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt <= now)) return false;
  key.lastUsedAt = now;
  await save(path, store);
  return true;
}

/** Revokes a key outside keyplan (what an operator would do by hand). */
export async function revokeByHand(path, id, now = Date.now()) {
  const store = await load(path);
  const key = store.keys.find((k) => k.id === id);
  if (key && key.revokedAt === null) key.revokedAt = now;
  await save(path, store);
}

class JsonFileProvider {
  constructor(path, roles, now) {
    this.path = path;
    this.description = `JSON file ${path}`;
    this.roleList = roles.map((role) => ({ description: '', ...role }));
    this.now = now;
  }

  async roles() {
    return this.roleList;
  }

  async list(options = {}) {
    const store = await load(this.path);
    return store.keys.filter((key) => options.includeRevoked || key.revokedAt === null).map(toRemoteKey);
  }

  async create(input) {
    return this.#change(async (store) => {
      this.#checkRoles(input.roles);
      const secret = `kpj_${randomBytes(32).toString('base64url')}`;
      const earlier = store.keys.find((key) => key.idempotencyKey === input.idempotencyKey && key.revokedAt === null);
      if (earlier) {
        earlier.secretHash = hash(secret);
        earlier.version += 1;
        return { key: toRemoteKey(earlier), secret, replayed: true };
      }
      if (store.keys.some((key) => key.name === input.name && key.revokedAt === null)) throw fail('conflict', `a live key is already named ${input.name}`);
      const createdAt = this.now();
      const key = {
        id: randomUUID(),
        name: input.name,
        description: input.description,
        roles: [...input.roles],
        metadata: { ...input.metadata },
        createdAt,
        expiresAt: expiresAt(input.expires, createdAt),
        lastUsedAt: null,
        revokedAt: null,
        secretHash: hash(secret),
        idempotencyKey: input.idempotencyKey,
        version: 1,
      };
      store.keys.push(key);
      return { key: toRemoteKey(key), secret, replayed: false };
    });
  }

  async update(id, patch, etag) {
    return this.#change(async (store) => {
      const key = live(store, id);
      if (etag !== undefined && etag !== etagOf(key)) throw fail('stale', `key ${id} changed since it was read`);
      if (patch.name !== undefined && store.keys.some((k) => k.id !== id && k.name === patch.name && k.revokedAt === null)) {
        throw fail('conflict', `a live key is already named ${patch.name}`);
      }
      if (patch.roles !== undefined) this.#checkRoles(patch.roles);
      for (const field of ['name', 'description', 'roles', 'metadata']) if (patch[field] !== undefined) key[field] = structuredClone(patch[field]);
      key.version += 1;
      return toRemoteKey(key);
    });
  }

  async revoke(id) {
    return this.#change(async (store) => {
      const key = store.keys.find((k) => k.id === id);
      if (!key) throw fail('not-found', `no key ${id}`);
      if (key.revokedAt === null) {
        key.revokedAt = this.now();
        key.version += 1;
      }
      return toRemoteKey(key);
    });
  }

  async close() {}

  #checkRoles(roles) {
    const unknown = roles.filter((role) => !this.roleList.some((r) => r.name === role));
    if (unknown.length > 0) throw fail('refused', `unknown role ${unknown.join(', ')}`);
  }

  async #change(work) {
    const store = await load(this.path);
    const result = await work(store);
    await save(this.path, store);
    return result;
  }
}

function live(store, id) {
  const key = store.keys.find((k) => k.id === id);
  if (!key || key.revokedAt !== null) throw fail('not-found', `no live key ${id}`);
  return key;
}

function toRemoteKey(key) {
  return {
    id: key.id,
    name: key.name,
    description: key.description,
    roles: [...key.roles],
    prefix: '',
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    lastUsedAt: key.lastUsedAt,
    revokedAt: key.revokedAt,
    metadata: { ...key.metadata },
    etag: etagOf(key),
  };
}

function etagOf(key) {
  return `"${key.version}"`;
}

function expiresAt(expires, createdAt) {
  if (!expires || expires.kind === 'never') return null;
  return expires.kind === 'relative' ? createdAt + expires.ms : expires.at;
}

function hash(secret) {
  return createHash('sha256').update(secret).digest('hex');
}

function fail(kind, message) {
  return Object.assign(new Error(message), { kind });
}

async function load(path) {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if (error.code === 'ENOENT') return { version: 1, keys: [] };
    throw error;
  }
}

async function save(path, store) {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, path);
}
