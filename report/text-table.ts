/**
 * Plain-text tables and prose fitted to a width (a terminal's, or 80 columns), for the
 * report here and every table the CLI prints (cli/format-table.ts wraps this: cli/ may
 * import report/, report/ may import only core/, so the one layout lives here).
 *
 * Plain text, no box drawing, so output pastes cleanly into issues and diffs well. The
 * layout degrades in steps, each only when the one before does not fit:
 *   1. every column at its widest cell, two spaces apart (the table as it always was);
 *   2. the widest columns narrowed, their cells (and headers) wrapped onto continuation
 *      lines within the column, as `nomad status` and `kubectl describe` wrap long
 *      values: first prose at its spaces, figures whole; then prose also after hyphens
 *      and slashes, figures at their spaces; never inside a word (a number broken in
 *      two reads as two);
 *   3. one block per row, `header  value` a line, values wrapped under their own start:
 *      when even that does not fit side by side.
 * Words longer than the width itself are cut, so no line is ever wider than `width`.
 */
export type Align = 'left' | 'right';

/** Below this a table is not worth fitting: the caller's width is taken as this. */
const MIN_WIDTH = 20;
const GAP = '  ';
/** Where a line may break: at spaces, but not before a `%` (a percentage stays one word). */
const WORD_BREAK = / +(?!%)/;

export function layoutTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[], width: number): string {
  const limit = Math.max(MIN_WIDTH, Math.floor(width));
  const natural = headers.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] ?? '').length)));
  if (lineWidth(natural) <= limit) return render(headers, rows, align, natural, limit);
  // How far each column may be narrowed, in two steps: first prose (left-aligned) wraps at
  // spaces while figures (right-aligned: "62.5 %", "7000/8192 MiB") stay whole; then prose
  // may break after hyphens and slashes and figures at their spaces. Headers wrap at spaces.
  const floors = [
    headers.map((h, c) => Math.max(longestWord(h, ' '), ...rows.map((row) => (align[c] === 'right' ? (row[c] ?? '').length : longestWord(row[c] ?? '', ' '))))),
    headers.map((h, c) => Math.max(longestWord(h, ' '), ...rows.map((row) => longestWord(row[c] ?? '', align[c] === 'right' ? ' ' : '-/')))),
  ];
  const floor = floors.find((f) => lineWidth(f.map((w, c) => Math.min(w, natural[c]))) <= limit);
  if (!floor) return records(headers, rows, limit);
  const widths = [...natural];
  // Narrow the widest column that can still give, a column at a time, until it fits: the
  // short columns (states, numbers) keep their natural width. Ties go to the later
  // column, where tables keep their prose (reasons, counts) rather than their ids.
  while (lineWidth(widths) > limit) {
    let widest = -1;
    for (let c = 0; c < widths.length; c++) if (widths[c] > floor[c] && (widest < 0 || widths[c] >= widths[widest])) widest = c;
    widths[widest] -= 1;
  }
  return render(headers, rows, align, widths, limit);
}

/** Prose wrapped at spaces to `width`; continuation lines start with `indent`. Existing line breaks are kept. */
export function wrapText(text: string, width: number, indent = ''): string {
  const limit = Math.max(MIN_WIDTH, Math.floor(width));
  return text
    .split('\n')
    .map((line) => {
      const lead = /^ */.exec(line)![0];
      // Continuation lines carry the indent too: every piece must fit beside the deeper of the two.
      const rest = wrapCell(line.slice(lead.length), limit - lead.length - indent.length);
      return rest.map((l, i) => (i === 0 ? lead : `${lead}${indent}`) + l).join('\n');
    })
    .join('\n');
}

function lineWidth(widths: readonly number[]): number {
  return widths.reduce((a, b) => a + b, 0) + GAP.length * Math.max(0, widths.length - 1);
}

function render(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[], widths: readonly number[], limit: number): string {
  const lines: string[] = [];
  for (const cells of [headers, ...rows]) {
    const wrapped = widths.map((w, c) => wrapCell(cells[c] ?? '', w));
    const height = Math.max(...wrapped.map((w) => w.length));
    for (let i = 0; i < height; i++) {
      const line = wrapped
        .map((parts, c) => {
          const part = parts[i] ?? '';
          return align[c] === 'right' ? part.padStart(widths[c]) : part.padEnd(widths[c]);
        })
        .join(GAP)
        .trimEnd();
      lines.push(line.slice(0, limit));
    }
  }
  return lines.join('\n') + '\n';
}

/** Each row as a block of `header  value` lines; blocks separated by a blank line. */
function records(headers: readonly string[], rows: readonly (readonly string[])[], limit: number): string {
  const labels = headers.map((h, c) => h || `column ${c + 1}`);
  const labelWidth = Math.min(Math.max(...labels.map((l) => l.length)), Math.floor(limit / 3));
  const valueWidth = limit - labelWidth - GAP.length;
  return rows
    .map((row) =>
      labels
        .map((label, c) => {
          const value = wrapCell(row[c] ?? '', valueWidth);
          const head = wrapCell(label, labelWidth);
          const height = Math.max(value.length, head.length);
          return Array.from({ length: height }, (_, i) => `${(head[i] ?? '').padEnd(labelWidth)}${GAP}${value[i] ?? ''}`.trimEnd()).join('\n');
        })
        .join('\n'),
    )
    .join('\n\n')
    .concat('\n');
}

/**
 * Words of a cell packed into lines of at most `width`. A word longer than the line is
 * broken after its hyphens and slashes (`web-` `frontend`, `250/` `2000m`) and, failing
 * that, cut.
 */
function wrapCell(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const pieces: { text: string; space: boolean }[] = [];
  for (const word of text.split(WORD_BREAK)) {
    const parts = word.length > width ? word.split(/(?<=[-/])/) : [word];
    parts.forEach((part, i) => {
      for (let at = 0; at < part.length || (at === 0 && part === ''); at += width) pieces.push({ text: part.slice(at, at + width), space: i === 0 && at === 0 });
    });
  }
  const lines: string[] = [];
  let line: string | undefined;
  for (const piece of pieces) {
    const joined = line === undefined ? piece.text : `${line}${piece.space ? ' ' : ''}${piece.text}`;
    if (joined.length <= width) line = joined;
    else {
      lines.push(line!);
      line = piece.text;
    }
  }
  lines.push(line ?? '');
  return lines;
}

/**
 * The narrowest a cell can be wrapped to: its longest word, where words end at spaces
 * (`' '`) or also after hyphens and slashes (`'-/'`).
 */
function longestWord(text: string, breaks: ' ' | '-/'): number {
  return Math.max(0, ...text.split(breaks === ' ' ? WORD_BREAK : / +(?!%)|(?<=[-/])/).map((w) => w.length));
}
