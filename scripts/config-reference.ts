// Writes the configuration reference from lib/config.ts: the README's table (between the
// config-reference markers) and .env.example. `--check` fails instead when either has drifted.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { VARIABLES, type Variable } from '../lib/config';

export const README = resolve(__dirname, '../README.md');
export const ENV_EXAMPLE = resolve(__dirname, '../.env.example');

const START = '<!-- config-reference:start -->';
const END = '<!-- config-reference:end -->';

const entries = () => Object.entries(VARIABLES) as [string, Variable<unknown>][];

/** The value a variable takes when it is not set, as text; undefined when it has none. */
export function defaultText(spec: Variable<unknown>): string | undefined {
  const parsed = spec.schema.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return undefined;
  return parsed.data instanceof URL ? parsed.data.href : String(parsed.data);
}

/** The Markdown table of every variable. */
export function renderTable(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = entries().map(([name, spec]) => {
    const fallback = defaultText(spec);
    const shown = fallback === undefined ? '(unset)' : `\`${fallback}\``;
    const example = spec.secret ? '(secret)' : `\`${cell(spec.example)}\``;
    return `| \`${name}\` | ${shown} | ${example} | ${cell(spec.description)} |`;
  });

  return [
    'Generated from `lib/config.ts` by `npm run config-reference`; a test fails when it drifts.',
    '',
    '| Variable | Default | Example | What it does |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** `readme` with the text between the markers replaced by the table. */
export function spliceReadme(readme: string, table = renderTable()): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} ... ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`;
}

/** .env.example: every variable commented out, with what it does and its example. */
export function renderEnvExample(): string {
  const header = [
    '# vod-drain settings. Copy to .env (never commit .env) for the operator command',
    '# (npm run vod-drain -- run) and for `s deploy`, which reads the function\'s settings',
    '# from the environment (serverless.yml). Generated from lib/config.ts by',
    '# npm run config-reference.',
  ];
  const blocks = entries().map(([name, spec]) => {
    const fallback = defaultText(spec);
    const note = fallback === undefined ? '' : ` Default: ${fallback}.`;
    const value = spec.secret ? '' : spec.example;
    return [...wrap(`${spec.description}${note}`), `# ${name}=${value}`].join('\n');
  });
  const deploy = [
    '# --- Deploying with s (docs/deploy.md); the key itself goes in',
    '# vod_drain_serverless_devs_key, from a CI secret, never in a file. ---',
    '# DEPLOY_REGION=ap-guangzhou',
    '# DEPLOY_NAMESPACE=default',
    '# DEPLOY_FUNCTION_NAME=vod-drain',
    '# DEPLOY_RUN_ROLE=vod-drain-run',
  ];
  return `${[header.join('\n'), ...blocks, deploy.join('\n')].join('\n\n')}\n`;
}

function wrap(text: string, width = 96): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(/\s+/)) {
    if (line.length + word.length + 1 > width) {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  const targets = [
    { path: README, want: spliceReadme(readFileSync(README, 'utf8')) },
    { path: ENV_EXAMPLE, want: renderEnvExample() },
  ];

  let drifted = false;
  for (const { path, want } of targets) {
    const have = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (have === want) continue;
    if (check) {
      console.error(`${path} is out of date: run npm run config-reference`);
      drifted = true;
    } else {
      writeFileSync(path, want);
      console.log(`wrote ${path}`);
    }
  }
  process.exit(drifted ? 1 : 0);
}
