// Builds the deployable artefact: one CommonJS file, dist/index.js, exporting main_handler and
// loadable with require() on SCF's Node.js 20 runtime with no node_modules beside it.

import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Packages that bundled code asks for only inside try/catch or behind a feature we never use,
 * and works without: node-fetch's `encoding` (non-UTF-8 bodies), debug's `supports-color`
 * (terminal colours), mysql2's `cardinal` (SQL highlighting in debug output) and pg's
 * `pg-native` (only behind `pg.native`). They are absent on purpose; the bundle test allows
 * exactly these.
 */
export const OPTIONAL_REQUIRES = ['encoding', 'supports-color', 'cardinal', 'pg-native'];

export const ENTRY = resolve(__dirname, '../functions/pull-vod-events/index.ts');
export const OUTFILE = resolve(__dirname, '../dist/index.js');

export async function buildBundle(outfile = OUTFILE): Promise<{ outfile: string; bytes: number }> {
  await build({
    entryPoints: [ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'external',
    logLevel: 'warning',
  });
  return { outfile, bytes: statSync(outfile).size };
}

if (require.main === module) {
  buildBundle().then(
    ({ outfile, bytes }) => console.log(`built ${outfile} (${Math.round(bytes / 1024)} KB)`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
