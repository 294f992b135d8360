import { JOB_ID } from '../../contract/ids';
import { JOB_NAME } from '../../contract/job-spec';
import { CliInputError } from './errors';

/**
 * A job as a command names it: its name (what a person types) or its id (what scripts
 * kept from before names were identities). Every route under /jobs/{id} takes either, so
 * the CLI only checks that the value could be one: a typo is refused here, naming the
 * argument, instead of as a 404 for a job that cannot exist.
 */
export function jobRef(value: string, argument = '<job>'): string {
  if (JOB_ID.test(value) || JOB_NAME.test(value)) return value;
  throw new CliInputError(
    argument,
    `${argument} must be a job's name (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63) or its id (job- and 20 hex characters), got ${JSON.stringify(value)}`,
  );
}
