import { unprocessable } from '../errors.js';

/** Opaque page cursors: the position after which the next page starts. */
export function encodeCursor(position: number): string {
  return Buffer.from(`v1:${position}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  const match = /^v1:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw unprocessable([{ field: 'cursor', message: 'is not a cursor this service issued' }]);
  return Number(match[1]);
}
