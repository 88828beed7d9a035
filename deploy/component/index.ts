// The Serverless Devs component behind `s deploy -t serverless.yml`: reads the resolved props
// and the deploying key from `s`, checks them, and deploys the function through the SCF API.

import { isAbsolute, resolve, dirname } from 'node:path';
import { z } from 'zod';
import { createLogger, type Logger, type LogLevel } from '../../lib/log';
import { deployFunction, type DeployReport } from './deploy';
import { DeployError } from './errors';
import { Props, environmentProblems, withoutEmpty, type DeployProps } from './props';
import { ScfApi, type DeployCredentials } from './scf';
import { packageCode } from './zip';

/** What `s` passes to a component method (the parts used here). */
export interface ComponentInputs {
  props?: unknown;
  cwd?: string;
  yaml?: { path?: string };
  getCredential?: () => Promise<Record<string, unknown>>;
}

export interface ComponentOptions {
  /** Where log lines go; stdout by default. (`s` passes its own logger, which is not used.) */
  writeLine?: (line: string) => void;
}

export class VodDrainComponent {
  private readonly writeLine: ((line: string) => void) | undefined;

  constructor(options: ComponentOptions = {}) {
    this.writeLine = options.writeLine;
  }

  async deploy(inputs: ComponentInputs): Promise<DeployReport> {
    const props = readProps(inputs.props);
    const credentials = await readCredentials(inputs);
    const log = createLogger({
      level: (process.env.DEPLOY_LOG_LEVEL as LogLevel | undefined) ?? 'info',
      secrets: [credentials.secretKey, credentials.token ?? ''],
      fields: { component: 'vod-drain-deploy' },
      write: this.writeLine,
    });

    try {
      return await this.run(inputs, props, credentials, log);
    } catch (error) {
      logFailure(log, error);
      throw error;
    }
  }

  /** The JSON Schema of the props, for `s verify`. */
  getSchema(): string {
    return JSON.stringify(z.toJSONSchema(Props, { io: 'input' }));
  }

  private async run(
    inputs: ComponentInputs,
    props: DeployProps,
    credentials: DeployCredentials,
    log: Logger,
  ): Promise<DeployReport> {
    const environment = withoutEmpty(props.environment);
    const problems = environmentProblems(environment);
    if (problems.length > 0) {
      const text = problems.map((p) => `${p.property}: ${p.problem}`).join('; ');
      throw new DeployError('invalid_props', `serverless.yml: ${text}`);
    }

    const bundle = resolveFromTemplate(inputs, props.code);
    const code = packageCode(bundle, props.handler);
    log.info('deploy_started', {
      functionName: props.functionName,
      region: props.region,
      namespace: props.namespace,
      entry: code.entry,
      codeBytes: code.zip.length,
      environmentKeys: Object.keys(environment).sort(),
    });

    const api = new ScfApi({ endpoint: props.endpoint, region: props.region }, credentials);
    const report = await deployFunction({
      api,
      props,
      environment,
      zipBase64: code.zip.toString('base64'),
      codeBytes: code.zip.length,
      log,
    });
    log.info('deploy_finished', { ...report });
    return report;
  }
}

function readProps(raw: unknown): DeployProps {
  const parsed = Props.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const text = parsed.error.issues
    .map((issue) => `${issue.path.join('.') || 'props'}: ${issue.message}`)
    .join('; ');
  throw new DeployError('invalid_props', `serverless.yml props: ${text}`);
}

async function readCredentials(inputs: ComponentInputs): Promise<DeployCredentials> {
  const found = inputs.getCredential ? await inputs.getCredential() : {};
  const text = (key: string) => (typeof found[key] === 'string' ? (found[key] as string) : '');
  const secretId = text('SecretID');
  const secretKey = text('SecretKey');
  if (!secretId || !secretKey) {
    throw new DeployError(
      'auth_failed',
      'no deploying key: set vod_drain_serverless_devs_key to '
        + '{"AccountID":"...","SecretID":"...","SecretKey":"..."} (see docs/deploy.md)',
    );
  }
  const token = text('SecurityToken') || undefined;
  return { secretId, secretKey, token };
}

/** A relative path in serverless.yml means relative to the template, as `s` itself reads it. */
function resolveFromTemplate(inputs: ComponentInputs, path: string): string {
  if (isAbsolute(path)) return path;
  const base = inputs.yaml?.path ? dirname(inputs.yaml.path) : (inputs.cwd ?? process.cwd());
  return resolve(base, path);
}

function logFailure(log: Logger, error: unknown): void {
  if (error instanceof DeployError) {
    log.error('deploy_failed', {
      code: error.code,
      action: error.action,
      apiCode: error.apiCode,
      requestId: error.requestId,
      message: error.message,
    });
    return;
  }
  log.error('deploy_failed', { code: 'unexpected', error });
}
