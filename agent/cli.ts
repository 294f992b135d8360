import { main } from './main';

// The agent's process entry, for bin/stowage-agent.js and for the bundle nodes run.
// exitCode rather than process.exit(): piped stdout gets flushed before the process ends.
void main(process.argv).then((code) => {
  process.exitCode = code;
});
