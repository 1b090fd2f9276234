import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeChunks } from '../../src/cli/write-chunks.js';

/** A stream with a tiny buffer that takes a while over each write, recording what it got. */
function slowSink() {
  const received: string[] = [];
  let pending = 0;
  let mostPending = 0;
  const stream = new Writable({
    highWaterMark: 8,
    decodeStrings: false,
    write(chunk: string, _encoding, done) {
      pending += 1;
      mostPending = Math.max(mostPending, pending);
      setTimeout(() => {
        received.push(chunk);
        pending -= 1;
        done();
      }, 1);
    },
  });
  return { stream, received, mostPending: () => mostPending };
}

describe('writing chunks', () => {
  it('writes every chunk in order, waiting for the stream to drain instead of queueing them all', async () => {
    const sink = slowSink();
    const chunks = Array.from({ length: 50 }, (_, i) => `chunk ${i}\n`);
    let produced = 0;
    let mostAhead = 0;
    function* lazily() {
      for (const chunk of chunks) {
        produced += 1;
        mostAhead = Math.max(mostAhead, produced - sink.received.length);
        yield chunk;
      }
    }
    await writeChunks(lazily(), sink.stream);
    await new Promise((resolve) => sink.stream.end(resolve));
    expect(sink.received).toEqual(chunks);
    expect(mostAhead).toBeLessThanOrEqual(2);
  });

  it('stops with the stream error when the stream fails while full', async () => {
    const stream = new Writable({ highWaterMark: 1, write: (_chunk, _encoding, done) => setTimeout(() => done(new Error('EPIPE')), 1) });
    stream.on('error', () => {});
    await expect(writeChunks(['a', 'b', 'c'], stream)).rejects.toThrow('EPIPE');
  });
});
