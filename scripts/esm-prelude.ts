// CommonJS packages inside an ES module bundle call require() for Node's own modules, and some read __dirname:
// neither exists in an ES module, so a bundle defines them first (esbuild's shim otherwise throws "Dynamic
// require of ... is not supported" at load). Shared by the CLI's bundle and the Lambda package.
export const ESM_PRELUDE = [
  "import { createRequire as __ddbCreateRequire } from 'node:module';",
  "import { fileURLToPath as __ddbFileURLToPath } from 'node:url';",
  "import { dirname as __ddbDirname } from 'node:path';",
  'const require = __ddbCreateRequire(import.meta.url);',
  'const __filename = __ddbFileURLToPath(import.meta.url);',
  'const __dirname = __ddbDirname(__filename);',
].join('\n');
