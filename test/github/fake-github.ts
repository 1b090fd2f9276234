import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import sodium from 'libsodium-wrappers';
import { expect } from 'vitest';

export const API = 'https://api.github.com';
/** Shaped like a real personal access token, so a leak would look like one. */
export const TOKEN = 'ghp_k3yplanTestTokenThatMustNeverLeak0042';

/** A repository's Actions secrets key pair, as GitHub holds it: tests seal with the public half and open with both. */
export interface RepoKeyPair {
  keyId: string;
  /** base64, as GitHub's public-key endpoint returns it. */
  publicKey: string;
  open(encryptedValue: string): string;
}

let nextKeyId = 568250167242549743n;

export async function repoKeyPair(): Promise<RepoKeyPair> {
  await sodium.ready;
  const pair = sodium.crypto_box_keypair();
  return {
    keyId: String(nextKeyId++),
    publicKey: sodium.to_base64(pair.publicKey, sodium.base64_variants.ORIGINAL),
    open: (encryptedValue) =>
      sodium.to_string(sodium.crypto_box_seal_open(sodium.from_base64(encryptedValue, sodium.base64_variants.ORIGINAL), pair.publicKey, pair.privateKey)),
  };
}

/** Every way an error can end up printed or logged: none may show any of `secrets`. */
export function expectNoLeak(error: unknown, secrets: string[]): void {
  const forms = [String(error), inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error), (error as Error).message, (error as Error).stack ?? ''];
  for (const form of forms) for (const secret of secrets) expect(form).not.toContain(secret);
}

/** One secret write the fake GitHub received, unsealed with the repository's private key. */
export interface ReceivedSecret {
  path: string;
  keyId: string;
  plaintext: string;
}

/**
 * A GitHub REST API stand-in on 127.0.0.1 (port 0) for the CLI's child process, which nock cannot reach:
 * it serves Actions secrets public keys (one pair per repository or environment), and answers secret writes
 * with `writeStatus`, unsealing each one so tests can see exactly what was sent.
 */
export class FakeGitHubServer {
  readonly received: ReceivedSecret[] = [];
  readonly requests: string[] = [];
  writeStatus = 201;
  readonly #pairs = new Map<string, Promise<RepoKeyPair>>();

  readonly #server: Server;

  private constructor(readonly token: string) {
    this.#server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(token: string): Promise<FakeGitHubServer> {
    const fake = new FakeGitHubServer(token);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** What GITHUB_API_URL should be: a GitHub Enterprise Server style base URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/api/v3`;
  }

  stop(): Promise<void> {
    return new Promise((resolve, reject) => this.#server.close((error) => (error ? reject(error) : resolve())));
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').replace(/^\/api\/v3/, '');
    this.requests.push(`${req.method} ${path}`);
    const reply = (status: number, body?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    if (req.headers.authorization !== `token ${this.token}`) return reply(401, { message: 'Bad credentials' });
    const keyPath = /^(\/repos\/[^/]+\/[^/]+(?:\/environments\/[^/]+)?)\/(?:actions\/)?secrets\/public-key$/.exec(path);
    if (req.method === 'GET' && keyPath?.[1]) {
      const pair = await this.#pairFor(keyPath[1]);
      return reply(200, { key_id: pair.keyId, key: pair.publicKey });
    }
    const write = /^(\/repos\/[^/]+\/[^/]+(?:\/environments\/[^/]+)?)\/(?:actions\/)?secrets\/[A-Za-z0-9_]+$/.exec(path);
    if (req.method === 'PUT' && write?.[1]) {
      let text = '';
      for await (const chunk of req) text += String(chunk);
      const body = JSON.parse(text) as { encrypted_value: string; key_id: string };
      const pair = await this.#pairFor(write[1]);
      this.received.push({ path, keyId: body.key_id, plaintext: pair.open(body.encrypted_value) });
      if (body.key_id !== pair.keyId) return reply(422, { message: 'key_id does not match' });
      return this.writeStatus === 403 ? reply(403, { message: 'Resource not accessible by personal access token' }) : reply(this.writeStatus);
    }
    reply(404, { message: 'Not Found' });
  }

  #pairFor(scope: string): Promise<RepoKeyPair> {
    let pair = this.#pairs.get(scope);
    if (!pair) {
      pair = repoKeyPair();
      this.#pairs.set(scope, pair);
    }
    return pair;
  }
}
