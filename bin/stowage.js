#!/usr/bin/env node
// The CLI is TypeScript run through tsx's require hook, so `npx stowage` works right
// after `npm install` with no build step to forget.
require('tsx/cjs');
require('../cli/main.ts');
