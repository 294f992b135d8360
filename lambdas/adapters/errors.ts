/**
 * What the AWS adapters share besides the error classifier (aws-error.ts): the error of
 * a bad construction, and how error messages name ids. The errors each port documents
 * live beside the port in control/.
 */

/** An adapter was constructed with configuration it cannot work with; `field` names the option. */
export class AdapterConfigError extends Error {
  override readonly name = 'AdapterConfigError';
  constructor(
    readonly adapter: string,
    readonly field: string,
    message: string,
  ) {
    super(`${adapter}: ${field}: ${message}`);
  }
}

/** At most `max` ids, then "and N more": error messages stay readable for a 1000-id batch. */
export function listIds(ids: readonly string[], max = 10): string {
  const shown = ids.slice(0, max).map((id) => JSON.stringify(id));
  return ids.length > max ? `${shown.join(', ')} and ${ids.length - max} more` : shown.join(', ');
}
