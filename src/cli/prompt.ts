import { createInterface } from 'node:readline/promises';

export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/** Asks at the terminal; the answer must be exactly `expected`. Ctrl-C at the question answers no. */
export async function confirm(question: string, expected: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const cancel = new AbortController();
  rl.on('SIGINT', () => cancel.abort());
  try {
    return (await rl.question(question, { signal: cancel.signal })).trim() === expected;
  } catch (error) {
    if ((error as Error).name === 'AbortError') return false;
    throw error;
  } finally {
    rl.close();
  }
}
