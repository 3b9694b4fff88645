// Loaded with `--import` (NODE_OPTIONS) by scripts/test-node24.mjs: under Node 22 or later,
// `better-sqlite3` resolves to the one in tools/node24 (13, N-API; see scripts/node24.mjs), for
// `import` and for `require`, through module.registerHooks. Under an older Node (a child process
// started with the machine's Node 20, say) it does nothing.
import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';

const tools = process.env.ARC_NODE24_TOOLS;
const major = Number(process.versions.node.split('.')[0]);
if (tools && major >= 22 && typeof nodeModule.registerHooks === 'function') {
  const url = pathToFileURL(`${tools}/node_modules/better-sqlite3/lib/index.js`).href;
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      return specifier === 'better-sqlite3'
        ? { url, format: 'commonjs', shortCircuit: true }
        : nextResolve(specifier, context);
    },
  });
}
