import { describe, expect, it } from 'vitest';
import { remembered } from '../../src/core/remembered.js';

describe('remembered', () => {
  it('makes each answer once and gives the same answer for the same text', () => {
    const made: string[] = [];
    const upper = remembered((text) => (made.push(text), { text: text.toUpperCase() }));
    const first = upper('a');
    expect(upper('a')).toBe(first);
    expect(upper('b')).toEqual({ text: 'B' });
    expect(made).toEqual(['a', 'b']);
  });

  it('keeps answering right past the texts it keeps', () => {
    let calls = 0;
    const length = remembered((text) => (calls += 1, text.length));
    for (let i = 0; i < 10_050; i += 1) expect(length(`t${i}`)).toBe(`t${i}`.length);
    calls = 0;
    expect(length('t5')).toBe(2);
    expect(calls).toBe(0);
    expect(length('t10049')).toBe(6);
    expect(calls).toBe(1);
  });
});
