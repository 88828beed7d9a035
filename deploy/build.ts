// Builds the deploy component that serverless.yml names: one CommonJS file, SDK included, at
// dist/deploy-component/index.js, so `s` can require() it without a node_modules beside it.

import { build } from 'esbuild';
import { resolve } from 'node:path';

export const COMPONENT_DIR = resolve(__dirname, '../dist/deploy-component');

export async function buildComponent(outdir = COMPONENT_DIR): Promise<string> {
  const outfile = resolve(outdir, 'index.js');
  await build({
    // `s` constructs whatever module.exports is: the class itself, not a namespace object.
    stdin: {
      contents: "module.exports = require('./index.ts').VodDrainComponent;",
      resolveDir: resolve(__dirname, 'component'),
      sourcefile: 'entry.js',
      loader: 'js',
    },
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
  return outfile;
}

if (require.main === module) {
  buildComponent().then(
    (outfile) => console.log(`built ${outfile}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
