/** Texts remembered per function; past this, answers for new texts are made each time and not kept. */
const MAX_REMEMBERED = 10_000;

/**
 * `make`, remembering its answer for each text. For the many keys of an audit that share a few texts
 * (a message, a role list): each answer is made once and the same string is held by every key.
 */
export function remembered<T>(make: (text: string) => T): (text: string) => T {
  const made = new Map<string, T>();
  return (text) => {
    let value = made.get(text);
    if (value === undefined) {
      value = make(text);
      if (made.size < MAX_REMEMBERED) made.set(text, value);
    }
    return value;
  };
}
