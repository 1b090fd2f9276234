/**
 * Appends every item to `target`. `target.push(...items)` passes each item as an argument, and past some
 * 100,000 of them (a plan's lines at 100,000 keys) the call stack overflows; this never does.
 */
export function appendAll<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item);
}
