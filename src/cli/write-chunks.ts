import { once } from 'node:events';

/**
 * Writes the chunks one after another, waiting for the stream to drain whenever its buffer is full, so a
 * large report never sits in memory twice (as text and as queued writes). The next chunk is made while the
 * stream drains (a pipe takes a report's chunk in several turns of its reader): making and writing overlap,
 * and at most one chunk waits beyond the stream's buffer.
 */
export async function writeChunks(chunks: Iterable<string>, stream: NodeJS.WritableStream = process.stdout): Promise<void> {
  const iterator = chunks[Symbol.iterator]();
  let next = iterator.next();
  while (!next.done) {
    if (stream.write(next.value)) {
      next = iterator.next();
      continue;
    }
    const drained = once(stream, 'drain');
    // Should making the next chunk throw, the wait is abandoned: its failure must not go unhandled.
    drained.catch(() => undefined);
    next = iterator.next();
    await drained;
  }
}
