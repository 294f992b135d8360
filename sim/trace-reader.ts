import { readFileSync } from 'node:fs';
import { csvRecords, CsvSyntaxError, type CsvRecord } from './csv';
import { TraceFormatError } from './errors';

export { TraceFormatError } from './errors';

/** One request from a trace: cpu in millicores, memory in MiB, times in seconds. */
export interface TraceTask {
  name: string;
  resources: { cpu: number; memoryMiB: number };
  /** Absent: the task exists from the start of the trace. */
  creationTime?: number;
  /** Absent: the task is never deleted. */
  deletionTime?: number;
  /** 1-based line of the task's record, so later stages can point back into the file. */
  line: number;
}

const REQUIRED = ['name', 'cpu_milli', 'memory_mib'] as const;
const HEADER_EXAMPLE = 'name,cpu_milli,memory_mib[,creation_time,deletion_time]';

/** Where each known column sits; columns are found by name so OpenB's extra ones can be anywhere. */
interface Columns {
  readonly names: readonly string[];
  readonly name: number;
  readonly cpu: number;
  readonly memory: number;
  readonly creation: number | undefined;
  readonly deletion: number | undefined;
}

/** Reads a trace CSV (OpenB's pod list or the plain format of sim/TRACE-FORMAT.md). */
export function readTrace(path: string): TraceTask[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TraceFormatError({ file: path, rule: describeReadFailure(err), cause: err });
  }
  return parseTrace(text, path);
}

/** Parses trace text; `fileName` only labels errors. */
export function parseTrace(text: string, fileName: string): TraceTask[] {
  const records = csvRecords(text);
  let columns: Columns | undefined;
  try {
    const first = records.next();
    if (first.done) {
      throw new TraceFormatError({
        file: fileName,
        line: 1,
        rule: `file is empty; a trace starts with a header line such as ${HEADER_EXAMPLE}`,
      });
    }
    columns = readHeader(first.value, fileName);
    const tasks: TraceTask[] = [];
    for (const record of records) tasks.push(readRow(record, columns, fileName));
    return tasks;
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    const field = columns?.names[err.column] ?? `column ${err.column + 1}`;
    throw new TraceFormatError({ file: fileName, line: err.line, field, rule: err.rule, cause: err });
  }
}

function readHeader(record: CsvRecord, file: string): Columns {
  // Case and surrounding spaces are noise from hand-edited files, not meaning.
  const names = record.fields.map((f) => f.trim().toLowerCase());
  const index = new Map<string, number>();
  names.forEach((name, i) => {
    if (name === '') return;
    const earlier = index.get(name);
    if (earlier !== undefined) {
      throw new TraceFormatError({
        file,
        line: record.line,
        field: name,
        rule: `column name appears twice (columns ${earlier + 1} and ${i + 1}); each column may appear once`,
      });
    }
    index.set(name, i);
  });
  const missing = REQUIRED.filter((name) => !index.has(name));
  if (missing.length > 0) {
    throw new TraceFormatError({
      file,
      line: record.line,
      rule:
        `header lacks required column(s) ${missing.join(', ')}; the first line must be a header such as ` +
        `${HEADER_EXAMPLE} (files without a header are not accepted; see sim/TRACE-FORMAT.md)`,
    });
  }
  return {
    names,
    name: index.get('name')!,
    cpu: index.get('cpu_milli')!,
    memory: index.get('memory_mib')!,
    creation: index.get('creation_time'),
    deletion: index.get('deletion_time'),
  };
}

function readRow(record: CsvRecord, columns: Columns, file: string): TraceTask {
  const { fields, line } = record;
  const expected = columns.names.length;
  if (fields.length < expected) {
    throw new TraceFormatError({
      file,
      line,
      field: columns.names[fields.length] || `column ${fields.length + 1}`,
      rule: `missing: the row has ${fields.length} field(s) but the header has ${expected}; give every column a value (it may be empty where optional)`,
    });
  }
  if (fields.length > expected) {
    throw new TraceFormatError({
      file,
      line,
      rule: `the row has ${fields.length} fields but the header has ${expected}; quote a value that contains a comma ("a,b")`,
    });
  }
  const fail = (field: string, rule: string): never => {
    throw new TraceFormatError({ file, line, field, rule });
  };

  const name = fields[columns.name].trim();
  if (name === '') fail('name', 'is empty; every task needs a name');
  const cpu = parseCount(fields[columns.cpu]) ?? fail('cpu_milli', `${show(fields[columns.cpu])} is not a non-negative integer`);
  const memoryMiB = parseCount(fields[columns.memory]) ?? fail('memory_mib', `${show(fields[columns.memory])} is not a non-negative integer`);
  const task: TraceTask = { name, resources: { cpu, memoryMiB }, line };

  if (columns.creation !== undefined) {
    const raw = fields[columns.creation];
    const time = parseTime(raw);
    if (time === null) fail('creation_time', `${show(raw)} is not a non-negative number of seconds (at most ${MAX_TIME_SECONDS})`);
    else if (time !== undefined) task.creationTime = time;
  }
  if (columns.deletion !== undefined) {
    const raw = fields[columns.deletion];
    const time = parseTime(raw);
    if (time === null) fail('deletion_time', `${show(raw)} is not a non-negative number of seconds up to ${MAX_TIME_SECONDS} (leave it empty for "never deleted")`);
    else if (time !== undefined) {
      if (task.creationTime !== undefined && time < task.creationTime) {
        fail('deletion_time', `${show(raw)} is before creation_time ${show(fields[columns.creation!])}; a task cannot end before it starts`);
      }
      task.deletionTime = time;
    }
  }
  return task;
}

/** A non-negative integer in plain decimal, or undefined; "1e3", "1.0", "+5" are refused as likely mistakes. */
function parseCount(raw: string): number | undefined {
  const s = raw.trim();
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Seconds: undefined when empty (optional), null when malformed or too large to be a time. */
function parseTime(raw: string): number | undefined | null {
  const s = raw.trim();
  if (s === '') return undefined;
  if (!/^\d+(\.\d+)?$/.test(s)) return null;
  // 400 digits are well-formed but read as Infinity: a task that would never start or end.
  const n = Number(s);
  return n <= MAX_TIME_SECONDS ? n : null;
}

/** Larger times are not seconds in any trace (about 285 million years): refused, not Infinity. */
const MAX_TIME_SECONDS = Number.MAX_SAFE_INTEGER / 1000;

function show(raw: string): string {
  return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
}

function describeReadFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file; pass the path of a trace CSV (see sim/TRACE-FORMAT.md)';
    case 'EISDIR':
      return 'is a directory; pass the path of a trace CSV file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied while reading the trace';
    default:
      return `cannot be read (${code ?? String(err)})`;
  }
}
