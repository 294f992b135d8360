#!/usr/bin/env node
// The node agent is TypeScript run through tsx's require hook, like bin/stowage.js.
// Nodes in AWS run the esbuild bundle of the same entry instead (infra/agent-bundle.ts).
// The locked AWS SDK runs on Node 20; its notice that later releases will need Node 22
// would otherwise open every command's output (and every agent's log).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('../agent/cli.ts');
