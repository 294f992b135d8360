import { layoutTable, wrapText, type Align } from '../report/text-table';

export type { Align };

/**
 * Renders rows as a plain-text table fitted to `width` (default: the terminal's, or 80
 * columns when stdout is not one): columns padded to their widest cell, the widest
 * narrowed and wrapped when the table would not fit, one block per row when even that
 * fails (report/text-table.ts). Numbers right-aligned by the caller's choice.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[], width: number = outputWidth()): string {
  return layoutTable(headers, rows, align, width);
}

/** Prose lines (a job's summary, a table's footnotes) wrapped to `width`, continuation lines indented. */
export function fitText(text: string, width: number = outputWidth(), indent = '  '): string {
  return wrapText(text, width, indent);
}

/**
 * The width the CLI fits its output to: the terminal's columns when stdout is one; else
 * $COLUMNS when it is a positive whole number (what a shell exports, and how a user asks
 * for wider output in a pipe); else 80, the width that pastes into issues and mail.
 */
export function outputWidth(stream: { readonly isTTY?: boolean; readonly columns?: number } = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  if (stream.isTTY && stream.columns && stream.columns > 0) return stream.columns;
  const columns = Number(env.COLUMNS);
  if (Number.isInteger(columns) && columns > 0) return columns;
  return 80;
}
