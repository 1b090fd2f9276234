/**
 * Key names as people read them: a name that renders like another must not
 * be a second name. Ill-formed UTF-16 (lone surrogates), control, format
 * (bidi, zero-width), separator and other invisible characters are refused,
 * and names are compared and stored in Unicode NFC. Shared by every store.
 */

// Cc control, Cf format (bidi overrides, zero-width, BOM), Zl/Zp line and paragraph separators,
// Co private use, Cn unassigned, and everything Unicode marks default-ignorable (rendered as nothing).
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}]/u;
/** Space separators other than the plain space (no-break, ideographic, thin spaces...). */
const ODD_SPACE = /[^\P{Zs} ]/u;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be stored as text at all (lone surrogates would be written as invalid UTF-8). */
export function illFormedText(text: string): string | undefined {
  return LONE_SURROGATE.test(text) ? 'must be well-formed Unicode (no lone surrogates)' : undefined;
}

/** What is wrong with a key name, or undefined when it may be used (after `normalizeKeyName`). */
export function keyNameProblem(name: string): string | undefined {
  const illFormed = illFormedText(name);
  if (illFormed) return illFormed;
  const bad = INVISIBLE.exec(name) ?? ODD_SPACE.exec(name);
  if (bad) {
    const code = (bad[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0');
    return `must not contain control, format (bidi, zero-width) or invisible characters; found U+${code} at position ${bad.index}`;
  }
  if (name.trim() !== name) return 'must not start or end with a space';
  return undefined;
}

/** The form names are stored and compared in: Unicode NFC. */
export function normalizeKeyName(name: string): string {
  return name.normalize('NFC');
}
