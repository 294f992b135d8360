export type Align = 'left' | 'right';

/**
 * Renders rows as a plain-text table: columns padded to their widest cell, numbers
 * right-aligned by the caller's choice. Plain text (no box drawing) so the output
 * pastes cleanly into issues and diffs well between runs.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const render = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (align[c] === 'right' ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [render(headers), ...rows.map(render)].join('\n') + '\n';
}
