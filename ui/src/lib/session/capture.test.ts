import { describe, expect, it } from 'vitest';
import { actionTextAt } from './capture';

describe('Ctrl+Enter takes the action item from the notes', () => {
  const note = '転職を少し考えているとのこと。\n- 研修の案内を送る\n来月もう一度話す。';
  it('takes the line the caret is on, without its list marker', () => {
    const caret = note.indexOf('案内');
    expect(actionTextAt(note, caret, caret)).toBe('研修の案内を送る');
    expect(actionTextAt(note, note.length, note.length)).toBe('来月もう一度話す。');
    expect(actionTextAt(note, 0, 0)).toBe('転職を少し考えているとのこと。');
  });
  it('takes the selection when there is one, on one line', () => {
    const start = note.indexOf('研修');
    expect(actionTextAt(note, start, start + 2)).toBe('研修');
    expect(actionTextAt('a\n- [ ] b\n', 2, 9)).toBe('b');
  });
  it('offers nothing from an empty line', () => {
    expect(actionTextAt('一行目\n\n三行目', 4, 4)).toBe('');
  });
});
