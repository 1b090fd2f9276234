import { fileURLToPath } from 'node:url';

/** Where a construct was declared in the user's program: the `new …(…)` that made it. */
export interface Declaration {
  /** An absolute path. */
  file: string;
  line: number;
  column: number;
}

const DECLARED_AT = Symbol.for('keyplan/declaredAt');
/** The last part of a V8 stack frame: `(/abs/keys.ts:10:5)`, ` file:///abs/keys.mjs:10:5`. */
const FRAME = /(?:\(|\s)((?:file:\/\/)?\/[^()]*?|[A-Za-z]:\\[^()]*?):(\d+):(\d+)\)?$/;

/**
 * Records the caller of `caller` (the construct's `new.target`) on `target`: the first stack frame outside
 * keyplan's constructors, source-mapped as the runtime maps stacks (tsx, node --enable-source-maps).
 */
export function recordDeclaration(target: object, caller: abstract new (...args: never[]) => unknown): void {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  try {
    Error.captureStackTrace(holder, caller);
  } finally {
    Error.stackTraceLimit = limit;
  }
  // Read when rendered: V8 formats (and source-maps) a captured stack only when it is first read.
  Object.defineProperty(target, DECLARED_AT, { value: holder, enumerable: false });
}

/** Where the construct was declared; undefined when the runtime gave no usable frame (e.g. eval). */
export function declarationOf(construct: object): Declaration | undefined {
  const holder = (construct as { [DECLARED_AT]?: { stack?: string } })[DECLARED_AT];
  const frame = holder?.stack?.split('\n')[1]?.trim();
  const match = frame ? FRAME.exec(frame) : null;
  if (!match?.[1]) return undefined;
  const file = match[1].startsWith('file://') ? fileURLToPath(match[1]) : match[1];
  return { file, line: Number(match[2]), column: Number(match[3]) };
}
