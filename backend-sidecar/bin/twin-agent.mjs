#!/usr/bin/env node
// twin-agent is `twin agent`.
import { register } from 'tsx/esm/api';

register();
process.argv.splice(2, 0, 'agent');
await import('../src/cli/main.ts');
