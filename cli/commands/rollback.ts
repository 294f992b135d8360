import { InvalidArgumentError, Option, type Command } from 'commander';
import { addApiOptions, clientFromOptions } from '../api/client';
import { followDeployment } from '../api/deployment-wait';
import type { ApiOptions } from '../api/endpoint';
import { jobRef } from '../api/job-ref';
import { addWaitOptions, printJson, type WaitFlags } from '../api/output';
import { Progress } from '../progress';

interface RollbackOptions extends ApiOptions, WaitFlags {
  readonly to?: number;
  readonly json?: boolean;
}

/** `stowage rollback <job> [--to V]`: POST /jobs/{id}/rollback; rolls the older version out as any update. */
export function register(program: Command): void {
  const cmd = program
    .command('rollback')
    .description('roll a job back to an earlier version (default: the one before the current), with the same rolling, health-gated deployment as an update')
    .argument('<job>', "the job's name (or its id)")
    .addOption(new Option('--to <version>', 'the version to go back to (see `stowage history <job>`)').argParser(versionNumber))
    .option('--json', "print the API's JSON answer instead of a sentence");
  addWaitOptions(cmd, 'the roll-back deployment SUCCEEDED (exit 1 if it FAILED)');
  addApiOptions(cmd).action(async (job: string, options: RollbackOptions, self: Command) => {
    const client = await clientFromOptions(options);
    const res = await client.call('rollbackJob', { params: { id: jobRef(job) }, body: options.to === undefined ? {} : { version: options.to } });
    if (options.json) printJson(res);
    else process.stdout.write(`${res.name} (${res.jobId}): rolling back from v${res.fromVersion} to v${res.version} (deployment ${res.deploymentId})\nsee it: stowage status ${res.name}\n`);
    if (!options.wait) return;
    const timeoutMs = self.getOptionValueSource('timeout') === 'default' ? undefined : options.timeout * 1000;
    await followDeployment(client, res.name, { deploymentId: res.deploymentId, version: res.version }, { timeoutMs, progress: new Progress() });
  });
}

function versionNumber(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`--to must be a version number: a whole number from 1 (see \`stowage history <job>\`), got ${JSON.stringify(value)}.`);
  return n;
}
