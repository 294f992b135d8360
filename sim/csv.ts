export interface CsvRecord {
  /** 1-based line where the record starts (a quoted field may span lines). */
  readonly line: number;
  readonly fields: string[];
}

/** Malformed quoting; `column` is the 0-based index of the field at fault. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly rule: string,
  ) {
    super(`line ${line}, column ${column + 1}: ${rule}`);
    this.name = 'CsvSyntaxError';
  }
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const BOM = 0xfeff;

/**
 * Splits CSV text into records by RFC 4180: fields that start with `"` may hold
 * commas, line breaks and doubled quotes. LF, CRLF and lone CR all end a line, since
 * traces get saved by spreadsheets on every OS. A leading UTF-8 BOM is dropped.
 * Blank (or whitespace-only) lines are skipped rather than read as one-field records:
 * editors leave them at the end, and they carry no data anywhere else either.
 *
 * A generator so that the caller validates records in file order: the first error
 * the user sees is the first one in the file, whichever kind it is.
 */
export function* csvRecords(text: string): Generator<CsvRecord> {
  const n = text.length;
  let i = text.charCodeAt(0) === BOM ? 1 : 0;
  let line = 1;
  while (i < n) {
    const recordLine = line;
    const fields: string[] = [];
    for (;;) {
      if (text.charCodeAt(i) === QUOTE) {
        let value = '';
        let from = i + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q < 0) throw new CsvSyntaxError(recordLine, fields.length, 'quoted field is never closed (a `"` opens it and none ends it)');
          value += text.slice(from, q);
          line += countLineBreaks(text, from, q);
          if (text.charCodeAt(q + 1) !== QUOTE) {
            i = q + 1;
            break;
          }
          value += '"';
          from = q + 2;
        }
        const next = text.charCodeAt(i);
        if (i < n && next !== COMMA && next !== LF && next !== CR) {
          throw new CsvSyntaxError(recordLine, fields.length, 'text after a closing quote; write a quote inside a quoted field as ""');
        }
        fields.push(value);
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === COMMA || c === LF || c === CR) break;
          j++;
        }
        fields.push(text.slice(i, j));
        i = j;
      }
      if (i < n && text.charCodeAt(i) === COMMA) i++;
      else break;
    }
    if (i < n) {
      // At a line break: CRLF counts once.
      if (text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF) i++;
      i++;
      line++;
    }
    if (fields.length === 1 && fields[0].trim() === '') continue;
    yield { line: recordLine, fields };
  }
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === LF || (c === CR && text.charCodeAt(k + 1) !== LF)) count++;
  }
  return count;
}
