#!/usr/bin/env node
// The node agent is TypeScript run through tsx's require hook, like bin/stowage.js.
// Nodes in AWS run the esbuild bundle of the same entry instead (infra/agent-bundle.ts).
require('tsx/cjs');
require('../agent/cli.ts');
