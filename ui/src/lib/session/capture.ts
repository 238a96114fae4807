// Ctrl+Enter in the notes: the current line (or the selection) becomes the action item's text,
// and the note stays as it was.

/** The text to offer as an action item: the selection, else the line the caret is on, without a
 * list or checkbox marker. Empty when there is nothing on that line. */
export function actionTextAt(note: string, start: number, end: number): string {
  if (end > start) return clean(note.slice(start, end).replace(/\s*\n\s*/g, ' '));
  const from = note.lastIndexOf('\n', start - 1) + 1;
  const to = note.indexOf('\n', start);
  return clean(note.slice(from, to < 0 ? note.length : to));
}

function clean(line: string): string {
  return line
    .trim()
    .replace(/^(?:[-*+・]\s*(?:\[[ xX]\]\s*)?|\d+[.)．]\s*)/, '')
    .trim();
}
