#!/usr/bin/env -S node --max-semi-space-size=64
// --max-semi-space-size=64: a server's young generation of 64 MB semi-spaces instead of 16. A write batch's objects
// then die young instead of being copied and promoted while the batch is in flight: 10 % less server CPU per entity
// update in the upsert benchmark. The same flag is in package.json's scripts and test/support/process.ts (SERVER_NODE_FLAGS).
// The citycloud command: runs the TypeScript sources through tsx, so there is no separate build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
