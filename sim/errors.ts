export interface TraceFormatErrorDetails {
  /** The path as the user gave it, so the message points where they looked. */
  readonly file: string;
  /** 1-based line where the offending record starts; absent when the file itself is the problem. */
  readonly line?: number;
  /** Column name (or `column N` when the header could not name it). */
  readonly field?: string;
  /** What is wrong and, where it helps, how to fix it. */
  readonly rule: string;
  readonly cause?: unknown;
}

/**
 * A trace file that cannot be read as a trace. The message is complete on its own
 * (file, line, field, rule) because the CLI prints it as is.
 */
export class TraceFormatError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly field: string | undefined;

  constructor(details: TraceFormatErrorDetails) {
    super(formatMessage(details), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TraceFormatError';
    this.file = details.file;
    this.line = details.line;
    this.field = details.field;
  }
}

function formatMessage({ file, line, field, rule }: TraceFormatErrorDetails): string {
  let where = file;
  if (line !== undefined) where += ` line ${line}`;
  if (field !== undefined) where += `${line !== undefined ? ',' : ''} field ${field}`;
  return `${where}: ${rule}`;
}

/** An instance catalog file that cannot be read; same message shape as trace errors. */
export class CatalogFormatError extends Error {
  readonly file: string;
  readonly field: string | undefined;

  constructor(details: TraceFormatErrorDetails) {
    super(formatMessage(details), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'CatalogFormatError';
    this.file = details.file;
    this.field = details.field;
  }
}

/** A generated workload asked for with options it cannot honour; names the option and the rule. */
export class WorkloadOptionError extends Error {
  readonly field: string;

  constructor(field: string, rule: string) {
    super(`workload option ${field}: ${rule}`);
    this.name = 'WorkloadOptionError';
    this.field = field;
  }
}
