#!/usr/bin/env node
// twin-agent: the bundled agent (dist/twin-agent.mjs, made by `npm run build`) when it is there,
// else the sources through tsx (a checkout that has not been built; TWIN_AGENT_FROM_SOURCE=1 asks for them).
import fs from 'node:fs';

const bundle = new URL('../dist/twin-agent.mjs', import.meta.url);
if (fs.existsSync(bundle) && !process.env.TWIN_AGENT_FROM_SOURCE) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  process.argv.splice(2, 0, 'agent');
  await import('../src/cli/main.ts');
}
