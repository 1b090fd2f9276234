import { once } from 'node:events';

/**
 * Writes the chunks one after another, waiting for the stream to drain whenever its buffer is full, so a
 * large report never sits in memory twice (as text and as queued writes).
 */
export async function writeChunks(chunks: Iterable<string>, stream: NodeJS.WritableStream = process.stdout): Promise<void> {
  for (const chunk of chunks) {
    if (!stream.write(chunk)) await once(stream, 'drain');
  }
}

/** The chunks, then a newline: what printOut adds to a text that does not end in one. */
export function* withFinalNewline(chunks: Iterable<string>): Generator<string> {
  yield* chunks;
  yield '\n';
}
