/** Anything shaped like a keyplan secret (`kp_...`, `kps_...`), e.g. pasted into a URL by mistake. */
const SECRET_SHAPE = /kps?_[A-Za-z0-9_-]{12,}/g;

/** Text safe for logs and error messages: secret-shaped substrings replaced. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_SHAPE, '[redacted]');
}
