export declare function postgresBinDir(): string;
export declare function createDatabase(adminUrl: string, prefix?: string): Promise<string>;
export declare function runSql<R = Record<string, unknown>>(url: string, text: string, values?: unknown[]): Promise<R[]>;

export declare class PgCluster {
  readonly dir: string;
  readonly port: number;
  readonly dataDir: string;
  static start(): Promise<PgCluster>;
  url(database?: string): string;
  createDatabase(prefix?: string): Promise<string>;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  log(): Promise<string>;
  destroy(): Promise<void>;
}
