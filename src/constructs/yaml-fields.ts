import { isAbsolute, relative, resolve, sep } from 'node:path';
import { DELIVER_FIELDS, KEY_FIELDS, POLICY_FIELDS, PROVIDER_KEY_FIELDS, ROTATION_FIELDS, toYamlFields } from './fields.js';
import { providerFieldsOf } from './shape.js';
import type { DeliverProps, KeyFields, PolicyProps, ProviderProps, ProviderRef } from './types.js';

/** Where relative paths go: written relative to the project directory, read relative to the output file. */
export interface PathBase {
  projectDir: string;
  outDir: string;
}

/** A provider given as its construct or its name -> its name. */
export function providerNameOf(ref: ProviderRef | undefined): string | undefined {
  if (ref === undefined) return undefined;
  return typeof ref === 'string' ? ref : ref.providerName;
}

/** ApiKey props -> the keys.yaml key mapping. With `paths`, relative deliver paths are rebased onto the output directory. */
export function keyToYaml(props: KeyFields, paths?: PathBase): Record<string, unknown> {
  const { rotation, deliver, provider, ...rest } = props;
  const own = rest as Record<string, unknown>;
  for (const [prop, fields] of Object.entries(PROVIDER_KEY_FIELDS)) if (own[prop] !== undefined) own[prop] = toYamlFields(own[prop] as object, fields);
  return toYamlFields(
    {
      ...own,
      provider: providerNameOf(provider),
      rotation: rotation && toYamlFields(rotation, ROTATION_FIELDS),
      deliver: deliver?.map((target) => deliverToYaml(target, paths)),
    },
    KEY_FIELDS,
  );
}

export function providerToYaml(props: ProviderProps, paths?: PathBase): Record<string, unknown> {
  const fields = toYamlFields(props, providerFieldsOf(props.type));
  if (props.type === 'local' && paths) fields.path = rebase(props.path, paths);
  return fields;
}

export function policyToYaml(props: PolicyProps): Record<string, unknown> {
  return toYamlFields(props, POLICY_FIELDS);
}

function deliverToYaml(target: DeliverProps, paths?: PathBase): Record<string, unknown> {
  const fields = toYamlFields(target, DELIVER_FIELDS[target.type] ?? {});
  if (target.type === 'file' && paths && typeof target.path === 'string') fields.path = rebase(target.path, paths);
  return fields;
}

/**
 * A path the program wrote relative to the project directory -> the same file, relative to the output
 * directory (keys.yaml paths are relative to the file). Without this a `.keyplan/keys.db` would land inside
 * keyplan.out/ and fork the key store silently.
 */
export function rebase(path: string, { projectDir, outDir }: PathBase): string {
  if (path === '' || isAbsolute(path)) return path;
  const rebased = relative(outDir, resolve(projectDir, path));
  return sep === '/' ? rebased : rebased.split(sep).join('/');
}
