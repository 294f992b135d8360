import { configPath } from './config-path';
import { wakeDaemon } from './daemon-wake';

// The agent's process entry, for bin/stowage-agent.js and for the bundle nodes run.
// `sync` with a daemon running wakes it and exits before anything heavy loads (see
// daemon-wake.ts); everything else loads the whole agent.
const args = process.argv.slice(2);
const woken = args.length === 1 && args[0] === 'sync' ? wakeDaemon(configPath()) : undefined;
if (woken !== undefined) {
  process.stdout.write(`${new Date().toISOString()} stowage-agent sync: woke the running agent (pid ${woken}) to pass now\n`);
} else {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when needed, see above
  const { main } = require('./main') as typeof import('./main');
  // exitCode rather than process.exit(): piped stdout gets flushed before the process ends.
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
