import { isRawToolInput, parseToolInput } from './tool-input';

describe('parseToolInput', () => {
  it.each([
    ['{"q":"x","n":2}', { q: 'x', n: 2 }],
    ['', {}],
    ['   ', {}],
    ['{"q":', { _raw: '{"q":' }],
    ['search for cats', { _raw: 'search for cats' }],
  ])('parses %j as %j', (raw, expected) => {
    expect(parseToolInput(raw)).toStrictEqual(expected);
  });

  it('recognises only the { _raw: string } placeholder', () => {
    expect(isRawToolInput({ _raw: 'x' })).toBe(true);
    expect(isRawToolInput({ _raw: 'x', other: 1 })).toBe(false);
    expect(isRawToolInput({ _raw: 1 })).toBe(false);
    expect(isRawToolInput(null)).toBe(false);
  });
});
