import { parseDuration } from '../../core/duration.js';
import { unprocessable } from '../errors.js';
import type { ExpirationConfig } from '../config/service-config.js';

/** The last instant a date-time can name (9999-12-31T23:59:59.999Z); later expiries are refused. */
export const LATEST_EXPIRY = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export interface ExpiryRequest {
  /** Absolute expiry (epoch ms); null: never. */
  expiresAt?: number | null;
  /** A duration such as `90d`, or `never`. */
  expiresIn?: string;
}

/**
 * When a key created now expires (null: never), or a 422 naming what the
 * service accepts. Neither field given means never.
 */
export function resolveExpiry(request: ExpiryRequest, config: ExpirationConfig, now: number): number | null {
  if (request.expiresAt != null && request.expiresIn !== undefined) {
    throw unprocessable([{ field: 'expires_in', message: 'give expires_at or expires_in, not both' }]);
  }
  const field = request.expiresIn !== undefined ? 'expires_in' : 'expires_at';
  const refuse = (message: string) => unprocessable([{ field, message }]);
  let expiresAt: number | null;
  let lifetime: number | null;
  if (request.expiresIn !== undefined && request.expiresIn !== 'never') {
    const ms = parseDuration(request.expiresIn);
    if (ms === undefined) throw refuse(`"${request.expiresIn}" is not a duration like 90d, 12h, 2w, 3mo, 1y or never`);
    if (ms <= 0) throw refuse('must be longer than zero');
    if (now + ms > LATEST_EXPIRY) throw refuse('is too far in the future (the latest expiry is 9999-12-31)');
    lifetime = ms;
    expiresAt = now + ms;
  } else if (request.expiresAt != null) {
    if (!Number.isFinite(request.expiresAt)) throw refuse('not a valid date-time');
    if (request.expiresAt <= now) throw refuse('is in the past');
    if (request.expiresAt > LATEST_EXPIRY) throw refuse('is too far in the future (the latest expiry is 9999-12-31)');
    lifetime = request.expiresAt - now;
    expiresAt = request.expiresAt;
  } else {
    lifetime = null;
    expiresAt = null;
  }

  if (config.mode === 'presets') {
    const accepted = `accepted: ${config.presets.join(', ')}`;
    if (lifetime === null) {
      if (!config.presets.includes('never')) throw refuse(`keys must expire; ${accepted}`);
    } else if (request.expiresIn === undefined) {
      throw refuse(`only preset expirations are accepted, not a date; ${accepted}`);
    } else if (!config.presets.some((preset) => preset !== 'never' && parseDuration(preset) === lifetime)) {
      throw refuse(`"${request.expiresIn}" is not accepted; ${accepted}`);
    }
    return expiresAt;
  }
  if (lifetime === null) {
    if (!config.allowsNever) throw refuse(`keys must expire${config.max ? ` within ${config.max}` : ''}; "never" is not accepted`);
    return null;
  }
  const max = config.max === null ? undefined : parseDuration(config.max);
  if (max !== undefined && lifetime > max) throw refuse(`is longer than the maximum of ${config.max}`);
  return expiresAt;
}
