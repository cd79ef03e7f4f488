#!/usr/bin/env node
// The command runs its TypeScript sources directly: tsx registers the loader for this process only.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
