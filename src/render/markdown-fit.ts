import { plural } from '../core/humanize.js';

/** A list kept whole while it fits (problems, warnings): cut only when nothing else is left to fold. */
export interface KeptList {
  title: (count: number) => string;
  items: readonly string[];
  noun: string;
  footer?: readonly string[];
  /** The title ends with a table header: items follow it with no blank line. */
  tight?: boolean;
}

export interface FitInput {
  /** Characters (UTF-16 units); none: no limit. */
  limit?: number | undefined;
  fullPlanAt?: string | undefined;
  heading: string;
  lists: readonly KeptList[];
  /** Complete blocks (closed tags and fences), dropped whole when folding. */
  detail: readonly string[];
  /** One line per item, shown instead of `detail` when it does not fit. */
  folded: readonly string[];
  foldedNoun: string;
}

export interface Fitted {
  text: string;
  /** none: everything shown; detail: per-item detail folded to one line each; cut: items left out. */
  shortened: 'none' | 'detail' | 'cut';
}

/** Room kept for the "… and N more" line and the note that says what was left out. */
const MORE_RESERVE = 100;
const NOTE_RESERVE = 400;

/**
 * Joins blocks into markdown within `limit`: everything; else detail folded to one line per item; else those
 * lines cut; else problems and warnings cut too. Blocks are never split, so no tag or fence is left open.
 */
export function fitBlocks(input: FitInput): Fitted {
  const lists = input.lists.map((list) => listBlock(list, list.items));
  const full = join([input.heading, ...lists, ...input.detail]);
  if (input.limit === undefined || full.length <= input.limit) return { text: full, shortened: 'none' };

  const foldedList = input.folded.length > 0 ? [input.folded.join('\n')] : [];
  const folded = join([input.heading, note(input, 'per-item detail is folded to one line each'), ...lists, ...foldedList]);
  if (folded.length <= input.limit) return { text: folded, shortened: 'detail' };

  const fixed = join([input.heading, ...lists]).length + NOTE_RESERVE;
  if (fixed + MORE_RESERVE <= input.limit) {
    const kept = takeWithin(input.folded, input.limit - fixed, (n) => `- … and ${plural(n, `more ${input.foldedNoun}`)}, not shown`);
    const left = input.folded.length - kept.filter((line) => input.folded.includes(line)).length;
    return { text: join([input.heading, note(input, `${plural(left, input.foldedNoun)} ${left === 1 ? 'is' : 'are'} not shown`), ...lists, kept.join('\n')]), shortened: 'cut' };
  }

  let budget = input.limit - input.heading.length - NOTE_RESERVE;
  const cutLists: string[] = [];
  for (const list of input.lists) {
    const items = takeWithin(list.items, Math.max(0, budget - list.title(list.items.length).length - 50), (n) => `${list.tight ? '\n' : ''}- … and ${plural(n, `more ${list.noun}`)}, not shown`);
    const block = listBlock(list, items, list.items.length);
    if (items.length === 0 || block.length > budget) continue;
    cutLists.push(block);
    budget -= block.length + 2;
  }
  return { text: join([input.heading, note(input, `some problems and warnings and every ${input.foldedNoun} are not shown`), ...cutLists]), shortened: 'cut' };
}

function listBlock(list: KeptList, items: readonly string[], count = items.length): string {
  if (items.length === 0) return '';
  return [list.title(count), ...(list.tight ? [] : ['']), ...items, ...(list.footer && list.footer.length > 0 ? ['', ...list.footer] : [])].join('\n');
}

function note(input: FitInput, what: string): string {
  const where = input.fullPlanAt ? `The full plan: ${input.fullPlanAt}` : 'Run `keyplan plan` for the full plan';
  return `> [!NOTE]\n> Shortened to fit GitHub's size limit (${input.limit} characters): ${what}. ${where}.`;
}

/** Leading items within `budget` characters (one line each), then a line counting the rest. */
function takeWithin(items: readonly string[], budget: number, more: (n: number) => string): string[] {
  const kept: string[] = [];
  let used = 0;
  for (const item of items) {
    if (used + item.length + 1 + MORE_RESERVE > budget) break;
    kept.push(item);
    used += item.length + 1;
  }
  if (kept.length < items.length) kept.push(more(items.length - kept.length));
  return kept;
}

function join(blocks: readonly string[]): string {
  return `${blocks.filter((b) => b !== '').join('\n\n')}\n`;
}
