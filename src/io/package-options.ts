/** Loads each `type: package` provider's package and checks its `options:` with the package's own schema, positioned in keys.yaml. */
import { issueAt, type SourceDocument } from '../core/config-source.js';
import type { ConfigIssue } from '../core/errors.js';
import type { ProviderConfig } from '../core/model.js';
import type { PackageSettings } from '../providers/package/index.js';
import { PackageLoadError, checkPackageOptions, loadProviderPackage } from '../providers/package/package-loader.js';

export async function packageOptionIssues(root: SourceDocument, providers: Readonly<Record<string, ProviderConfig>>): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  for (const config of Object.values(providers)) {
    if (config.type !== 'package') continue;
    const settings = config.settings as unknown as PackageSettings;
    const at = ['providers', config.name];
    try {
      const plugin = await loadProviderPackage(settings.package, settings.baseDir);
      for (const problem of await checkPackageOptions(plugin, settings.options)) {
        const path = [...at, 'options', ...problem.path];
        issues.push(issueAt(root, path, `${path.join('.')}: ${problem.message} (schema of ${settings.package})`, problem.part));
      }
    } catch (error) {
      if (!(error instanceof PackageLoadError)) throw error;
      issues.push(issueAt(root, [...at, 'package'], error.message));
    }
  }
  return issues;
}
