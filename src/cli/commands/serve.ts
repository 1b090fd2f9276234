import { Option } from 'commander';
import { UsageError } from '../../core/errors.js';
import { startKeyService } from '../../engine/serve.js';
import { printOut } from '../output.js';
import type { RegisterCommand } from './index.js';

interface ServeOptions {
  db: string;
  host: string;
  port: string;
  roles?: string;
  tlsCert?: string;
  tlsKey?: string;
  quiet?: boolean;
}

export const registerServe: RegisterCommand = (program) => {
  program
    .command('serve')
    .description('run the key service HTTP API (v1) over a local SQLite store; admin credential: env KEYPLAN_ADMIN_KEY')
    .option('--db <path>', 'SQLite database file', '.keyplan/keys.db')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '8787')
    .option('--roles <file>', 'roles and capabilities file (YAML or JSON)')
    .option('--tls-cert <file>', 'TLS certificate (PEM); needs --tls-key')
    .option('--tls-key <file>', 'TLS private key (PEM); needs --tls-cert')
    .addOption(new Option('--quiet', 'no per-request log lines on stderr'))
    .action(async (options: ServeOptions) => {
      const port = Number(options.port);
      if (!/^\d+$/.test(options.port) || port > 65_535) throw new UsageError(`--port must be a number from 0 to 65535, not "${options.port}"`);
      if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together');
      const server = await startKeyService({
        dbPath: options.db,
        host: options.host,
        port,
        ...(options.roles ? { rolesFile: options.roles } : {}),
        ...(process.env.KEYPLAN_ADMIN_KEY ? { adminKey: process.env.KEYPLAN_ADMIN_KEY } : {}),
        ...(options.tlsCert && options.tlsKey ? { tls: { certFile: options.tlsCert, keyFile: options.tlsKey } } : {}),
        ...(options.quiet ? {} : { log: (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`) }),
      });
      printOut(`keyplan serve listening on ${server.url} (db: ${options.db})`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          resolve();
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      process.stderr.write('keyplan serve: shutting down (finishing in-flight requests)\n');
      await server.close();
    });
};
