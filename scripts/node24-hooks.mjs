// Loaded with `--import` (NODE_OPTIONS) by scripts/test-node24.mjs: under the Node ABI that
// tools/node24/native was built for, `better-sqlite3` resolves to that build (for `import` and
// for `require`, through module.registerHooks). Under any other Node (a child process started
// with the machine's Node 20, say) it does nothing.

import { existsSync, readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';

const dir = process.env.ARC_NODE24_NATIVE;
const stamp =
  dir && existsSync(`${dir}/stamp.json`) ? JSON.parse(readFileSync(`${dir}/stamp.json`, 'utf8')) : undefined;
if (stamp?.modules === process.versions.modules && typeof nodeModule.registerHooks === 'function') {
  const url = pathToFileURL(`${dir}/node_modules/better-sqlite3/lib/index.js`).href;
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      return specifier === 'better-sqlite3'
        ? { url, format: 'commonjs', shortCircuit: true }
        : nextResolve(specifier, context);
    },
  });
}
