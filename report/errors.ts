/**
 * Input the report cannot use. The message is complete on its own (which option or
 * field, which token, what is wrong, how to fix it) because callers print it as is.
 */
export class ReportInputError extends Error {
  /** The option or field at fault, e.g. `baseline` or `maxGapMs`. */
  readonly field: string;

  constructor(field: string, rule: string) {
    super(`${field}: ${rule}`);
    this.name = 'ReportInputError';
    this.field = field;
  }
}
