import { readFileSync } from 'node:fs';
import { LineCounter, isMap, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError, KeyplanError, type ConfigIssue } from '../../core/errors.js';
import type { Role } from '../../core/model.js';
import type { RoleCatalog } from '../../core/permissions.js';
import { parseDuration } from '../../core/duration.js';
import { PERMISSION_PATTERN, SERVICE_PERMISSIONS } from '../shared/permissions.js';
import { DEFAULT_CAPABILITIES, DEFAULT_ROLES, IN_PLACE_FIELDS, type CapabilitiesConfig, type ExpirationConfig, type InPlaceField } from './service-config.js';

export interface ServiceConfig {
  roles: RoleCatalog;
  capabilities: CapabilitiesConfig;
}

const ROLE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const SERVICE_NAMESPACES = new Set(SERVICE_PERMISSIONS.map((permission) => permission.split(':')[0]));

export function defaultServiceConfig(): ServiceConfig {
  return { roles: new Map(DEFAULT_ROLES.map((role) => [role.name, role])), capabilities: DEFAULT_CAPABILITIES };
}

/** Reads a roles file (YAML or JSON); every problem is reported at once, with file:line:column. */
export function loadServiceConfig(file: string): ServiceConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KeyplanError(`cannot read roles file ${file}: ${(error as Error).message}`);
  }
  return parseServiceConfig(text, file);
}

export function parseServiceConfig(text: string, file: string): ServiceConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const issues: ConfigIssue[] = [];
  const at = (path: (string | number)[], message: string, node?: Node | null) => {
    const target = node ?? nodeAt(doc, path);
    const offset = target?.range?.[0] ?? 0;
    const { line, col } = lineCounter.linePos(offset);
    issues.push({ file, line, column: col, path: path.length ? `/${path.join('/')}` : '', message });
  };
  for (const error of doc.errors) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    issues.push({ file, line, column: col, path: '', message: error.message.split('\n')[0] ?? 'syntax error' });
  }
  if (issues.length > 0) throw new ConfigError(issues);

  const root: unknown = doc.toJS();
  const config = defaultServiceConfig();
  if (!isPlainObject(root)) {
    at([], 'a roles file is a map with `roles:` and optionally `capabilities:`');
    throw new ConfigError(issues);
  }
  for (const key of Object.keys(root)) if (key !== 'roles' && key !== 'capabilities') at([key], `unknown section "${key}" (expected roles, capabilities)`, keyNode(doc, [], key));
  if (root.roles !== undefined) config.roles = readRoles(root.roles, at);
  if (root.capabilities !== undefined) config.capabilities = readCapabilities(root.capabilities, at);
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

type Report = (path: (string | number)[], message: string) => void;

function readRoles(value: unknown, at: Report): RoleCatalog {
  const roles = new Map<string, Role>();
  if (!isPlainObject(value) || Object.keys(value).length === 0) {
    at(['roles'], 'must map role names to { description, permissions }');
    return roles;
  }
  for (const [name, spec] of Object.entries(value)) {
    const path = ['roles', name];
    if (!ROLE_NAME.test(name)) at(path, `role name "${name}" must start with a letter and use only letters, digits, _ . -`);
    if (!isPlainObject(spec)) {
      at(path, 'must be a map with description and permissions');
      continue;
    }
    for (const key of Object.keys(spec)) if (key !== 'description' && key !== 'permissions') at([...path, key], `unknown field "${key}" (expected description, permissions)`);
    if (spec.description !== undefined && typeof spec.description !== 'string') at([...path, 'description'], 'must be a string');
    const permissions = spec.permissions;
    if (!Array.isArray(permissions)) {
      at(spec.permissions === undefined ? path : [...path, 'permissions'], 'permissions must be a list, e.g. [keys:read, billing:read] or ["*"]');
      continue;
    }
    permissions.forEach((permission: unknown, index) => {
      const message = permissionProblem(permission);
      if (message) at([...path, 'permissions', index], message);
    });
    roles.set(name, { name, description: typeof spec.description === 'string' ? spec.description : '', permissions: permissions.map(String) });
  }
  return roles;
}

function permissionProblem(permission: unknown): string | undefined {
  if (typeof permission !== 'string' || !PERMISSION_PATTERN.test(permission)) {
    return `"${String(permission)}" is not a permission: use "*", "namespace:*" or names like keys:read, billing:write`;
  }
  const namespace = permission.split(':')[0] as string;
  if (permission.includes(':') && !permission.endsWith(':*') && SERVICE_NAMESPACES.has(namespace) && !(SERVICE_PERMISSIONS as readonly string[]).includes(permission)) {
    return `unknown key-service permission "${permission}"; known: ${SERVICE_PERMISSIONS.join(', ')}`;
  }
  return undefined;
}

function readCapabilities(value: unknown, at: Report): CapabilitiesConfig {
  const config: CapabilitiesConfig = structuredClone(DEFAULT_CAPABILITIES);
  if (!isPlainObject(value)) {
    at(['capabilities'], 'must be a map with editable_fields and/or expiration');
    return config;
  }
  for (const key of Object.keys(value)) if (key !== 'editable_fields' && key !== 'expiration') at(['capabilities', key], `unknown field "${key}" (expected editable_fields, expiration)`);
  const fields = value.editable_fields;
  if (fields !== undefined) {
    if (!Array.isArray(fields)) at(['capabilities', 'editable_fields'], `must be a list of ${IN_PLACE_FIELDS.join(', ')}`);
    else {
      fields.forEach((field: unknown, index) => {
        if (!(IN_PLACE_FIELDS as readonly unknown[]).includes(field)) at(['capabilities', 'editable_fields', index], `"${String(field)}" is not editable in place; choose from ${IN_PLACE_FIELDS.join(', ')}`);
      });
      config.editableFields = [...new Set(fields.filter((field): field is InPlaceField => (IN_PLACE_FIELDS as readonly unknown[]).includes(field)))];
    }
  }
  if (value.expiration !== undefined) config.expiration = readExpiration(value.expiration, at);
  return config;
}

function readExpiration(value: unknown, at: Report): ExpirationConfig {
  const path = ['capabilities', 'expiration'];
  const fallback = DEFAULT_CAPABILITIES.expiration;
  if (!isPlainObject(value)) {
    at(path, 'must be { presets: [...] } or { max: 365d, allows_never: false }');
    return fallback;
  }
  for (const key of Object.keys(value)) if (!['presets', 'max', 'allows_never'].includes(key)) at([...path, key], `unknown field "${key}" (expected presets, or max and allows_never)`);
  if (value.presets !== undefined) {
    if (value.max !== undefined || value.allows_never !== undefined) at(path, 'give presets, or max/allows_never, not both');
    if (!Array.isArray(value.presets) || value.presets.length === 0) {
      at([...path, 'presets'], 'must be a non-empty list such as [14d, 30d, 90d, never]');
      return fallback;
    }
    value.presets.forEach((preset: unknown, index) => {
      if (preset !== 'never' && (typeof preset !== 'string' || parseDuration(preset) === undefined)) at([...path, 'presets', index], `"${String(preset)}" is not a duration like 90d or never`);
    });
    return { mode: 'presets', presets: value.presets.map(String) };
  }
  const max = value.max ?? null;
  if (max !== null && (typeof max !== 'string' || parseDuration(max) === undefined)) at([...path, 'max'], `"${String(max)}" is not a duration like 365d`);
  const allowsNever = value.allows_never ?? true;
  if (typeof allowsNever !== 'boolean') at([...path, 'allows_never'], 'must be true or false');
  return { mode: 'any', max: typeof max === 'string' ? max : null, allowsNever: allowsNever === true };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The deepest node that exists along `path`, so a missing field is reported at its parent. */
function nodeAt(doc: Document, path: (string | number)[]): Node | undefined {
  for (let length = path.length; length >= 0; length--) {
    const node = doc.getIn(path.slice(0, length), true) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node) return node;
  }
  return doc.contents ?? undefined;
}

/** The key node of a map entry (to point at an unknown field's name). */
function keyNode(doc: Document, path: (string | number)[], key: string): Node | undefined {
  const parent = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((item) => (item.key as { value?: unknown } | null)?.value === key);
  return (pair?.key as Node | undefined) ?? undefined;
}
