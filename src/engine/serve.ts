import { KeyplanError } from '../core/errors.js';
import { startServer, type RunningServer, type ServerOptions } from '../server/server.js';

export { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from '../server/server.js';
export { BufferedLog } from '../server/request-log.js';

/** `keyplan serve`: starts the key service; a port in use or a bad address is a user error, not a crash. */
export async function startKeyService(options: ServerOptions): Promise<RunningServer> {
  try {
    return await startServer(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${options.host ?? '127.0.0.1'}:${options.port ?? 8787}`;
    if (code === 'EADDRINUSE') throw new KeyplanError(`cannot listen on ${where}: the port is already in use; pick another with --port (0 picks a free one)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new KeyplanError(`cannot listen on ${where}: no such address on this machine (--host)`);
    if (code === 'EACCES') throw new KeyplanError(`cannot listen on ${where}: permission denied (ports below 1024 need privileges)`);
    throw error;
  }
}
