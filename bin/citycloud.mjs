#!/usr/bin/env -S node --max-semi-space-size=64
// --max-semi-space-size=64: a server's young generation of 64 MB semi-spaces instead of 16. A write batch's objects
// then die young instead of being copied and promoted while the batch is in flight: 10 % less server CPU per entity
// update in the upsert benchmark. 128 was measured too (2026-11-24): a third less scavenging and 3-4 % less server CPU in
// the upsert benchmark, but the notification benchmark's p99 grew from 37-41 to 46-58 ms (longer pauses) — not taken.
// The same flag is in package.json's scripts and test/support/process.ts (SERVER_NODE_FLAGS).
// The citycloud command: runs the TypeScript sources through tsx, so there is no separate build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
