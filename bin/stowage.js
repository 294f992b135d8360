#!/usr/bin/env node
// The CLI is TypeScript run through tsx's require hook, so `npx stowage` works right
// after `npm install` with no build step to forget.
// The locked AWS SDK runs on Node 20; its notice that later releases will need Node 22
// would otherwise open every command's output (and every agent's log).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('../cli/main.ts');
