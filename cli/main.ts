import { runCli } from './program';

// exitCode rather than process.exit(): piped stdout gets flushed before the process ends.
void runCli(process.argv).then((code) => {
  process.exitCode = code;
});
