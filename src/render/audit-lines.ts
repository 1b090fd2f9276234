/** Lines joined per chunk; kept well under ~128 KB, past which V8 makes strings in its costlier large-object space. */
const LINES_PER_CHUNK = 200;

/** The lines, each ended by `end`, joined a couple of hundred at a time: chunks to write one after another. */
export function* linesInChunks(lines: Iterable<string>, end = '\n'): Generator<string> {
  let chunk = '';
  let count = 0;
  for (const line of lines) {
    chunk += line + end;
    count += 1;
    if (count === LINES_PER_CHUNK) {
      yield chunk;
      chunk = '';
      count = 0;
    }
  }
  if (chunk !== '') yield chunk;
}
