#!/usr/bin/env node
// The node agent is TypeScript run through tsx's require hook, like bin/stowage.js.
require('tsx/cjs');
// exitCode rather than process.exit(): piped stdout gets flushed before the process ends.
void require('../agent/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
