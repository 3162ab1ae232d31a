// Bundles the agent's command line (src/cli/agent-main.ts) into dist/twin-agent.mjs: plain
// JavaScript that Node runs with nothing compiled at start. lz4-napi (native) stays outside the
// bundle and is loaded from node_modules where it is installed; without it the agent compresses
// with lz4js, which the bundle holds.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
await build({
  entryPoints: [path.join(root, 'src/cli/agent-main.ts')],
  outfile: path.join(root, 'dist/twin-agent.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['lz4-napi'],
  // The CommonJS modules in the bundle (commander) require Node's own modules.
  banner: {
    js: "import { createRequire as twinCreateRequire } from 'node:module'; const require = twinCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
