// Brings one SCF function to what serverless.yml says: created or updated, configuration, code,
// then its timer trigger. Every step is safe to repeat: a second deploy changes only what differs.

import { z } from 'zod';
import type { Logger } from '../../lib/log';
import { DeployError } from './errors';
import type { DeployProps } from './props';
import { FUNCTION_EXISTS, FUNCTION_NOT_FOUND, type ScfApi } from './scf';

const Variables = z.array(z.object({ Key: z.string(), Value: z.string().nullish() }))
  .nullish()
  .transform((list) => Object.fromEntries((list ?? []).map((v) => [v.Key, v.Value ?? ''])));

const FunctionInfo = z.object({
  Status: z.string(),
  StatusDesc: z.string().nullish(),
  StatusReasons: z.array(z.object({ ErrorCode: z.string(), ErrorMessage: z.string() }))
    .nullish(),
  Runtime: z.string().nullish(),
  Handler: z.string().nullish(),
  Timeout: z.number().nullish(),
  MemorySize: z.number().nullish(),
  Role: z.string().nullish(),
  Description: z.string().nullish(),
  Environment: z.object({ Variables }).nullish(),
});
type FunctionInfo = z.output<typeof FunctionInfo>;

const TriggerInfo = z.object({
  TriggerName: z.string(),
  Type: z.string(),
  TriggerDesc: z.string().nullish(),
  Enable: z.union([z.number(), z.string()]).nullish(),
});
type TriggerInfo = z.output<typeof TriggerInfo>;

const TriggerList = z.object({
  TotalCount: z.number().nullish(),
  Triggers: z.array(TriggerInfo).nullish(),
});

const Done = z.object({ RequestId: z.string().optional() }).loose();

export interface DeployReport {
  functionName: string;
  namespace: string;
  region: string;
  function: 'created' | 'updated';
  configuration: 'set' | 'updated' | 'unchanged';
  codeBytes: number;
  trigger: 'created' | 'replaced' | 'unchanged';
  /** Names only: values may be sensitive and stay out of the output. */
  environmentKeys: string[];
}

export interface WaitPolicy {
  /** Longest time to wait for Active after one step. */
  timeoutMs: number;
  /** Pauses between status polls; the last one repeats. The first poll is immediate. */
  pausesMs: readonly number[];
}

/**
 * SCF changes a function asynchronously: after a create or update it stays Creating or Updating
 * for a while and refuses further changes. Most steps finish within seconds; a first deploy in
 * a busy region can take a minute.
 */
export const DEFAULT_WAIT: WaitPolicy = { timeoutMs: 180_000, pausesMs: [250, 500, 1000, 2000] };

export interface Deployment {
  api: ScfApi;
  props: DeployProps;
  /** The environment to set, empty values already dropped and checked. */
  environment: Record<string, string>;
  zipBase64: string;
  codeBytes: number;
  log: Logger;
  wait?: WaitPolicy;
}

export async function deployFunction(d: Deployment): Promise<DeployReport> {
  const existing = await getFunction(d);

  let fn: DeployReport['function'];
  let configuration: DeployReport['configuration'];
  if (existing === undefined && (await createFunction(d))) {
    fn = 'created';
    configuration = 'set';
  } else {
    fn = 'updated';
    configuration = await updateConfiguration(d);
    await updateCode(d);
  }

  const trigger = await ensureTimer(d);
  return {
    functionName: d.props.functionName,
    namespace: d.props.namespace,
    region: d.props.region,
    function: fn,
    configuration,
    codeBytes: d.codeBytes,
    trigger,
    environmentKeys: Object.keys(d.environment).sort(),
  };
}

/** The function as SCF has it, or undefined when there is none. */
async function getFunction(d: Deployment): Promise<FunctionInfo | undefined> {
  try {
    return await d.api.call('GetFunction', target(d), FunctionInfo);
  } catch (error) {
    if (error instanceof DeployError && FUNCTION_NOT_FOUND.includes(error.apiCode ?? '')) {
      return undefined;
    }
    throw error;
  }
}

/** Creates the function; false when another deploy created it first (then we update it). */
async function createFunction(d: Deployment): Promise<boolean> {
  const { props } = d;
  try {
    await d.api.call('CreateFunction', {
      ...target(d),
      ...configurationOf(d),
      Handler: props.handler,
      Type: 'Event',
      Code: { ZipFile: d.zipBase64 },
    }, Done);
  } catch (error) {
    if (error instanceof DeployError && FUNCTION_EXISTS.includes(error.apiCode ?? '')) {
      d.log.warn('function_exists_already', { functionName: props.functionName });
      return false;
    }
    throw error;
  }

  d.log.info('function_created', { functionName: props.functionName, codeBytes: d.codeBytes });
  await waitForActive(d, 'CreateFunction');
  return true;
}

/** Sends the configuration only when it differs from what SCF has. */
async function updateConfiguration(d: Deployment): Promise<'updated' | 'unchanged'> {
  const current = await waitForActive(d, 'GetFunction');
  const changed = changedSettings(current, d);
  if (changed.length === 0) {
    d.log.info('configuration_unchanged', { functionName: d.props.functionName });
    return 'unchanged';
  }

  await d.api.call('UpdateFunctionConfiguration', { ...target(d), ...configurationOf(d) }, Done);
  d.log.info('configuration_updated', { functionName: d.props.functionName, changed });
  await waitForActive(d, 'UpdateFunctionConfiguration');
  return 'updated';
}

/**
 * Uploads the code on every deploy. SCF offers no digest of the uploaded zip that we could
 * compare cheaply, and a re-upload of the same bundle is harmless.
 */
async function updateCode(d: Deployment): Promise<void> {
  await d.api.call('UpdateFunctionCode', {
    ...target(d),
    Handler: d.props.handler,
    ZipFile: d.zipBase64,
  }, Done);
  d.log.info('code_updated', { functionName: d.props.functionName, codeBytes: d.codeBytes });
  await waitForActive(d, 'UpdateFunctionCode');
}

/**
 * Keeps exactly one timer trigger of our name with our schedule. A trigger whose schedule or
 * switch differs is deleted and created anew: the one pair of trigger actions every SCF API
 * version has. Triggers of other names are left alone, but named in the log.
 */
async function ensureTimer(d: Deployment): Promise<DeployReport['trigger']> {
  const { trigger } = d.props;
  const all = await listTriggers(d);
  const timers = all.filter((t) => t.Type.toLowerCase() === 'timer');
  const ours = timers.find((t) => t.TriggerName === trigger.name);

  for (const other of timers.filter((t) => t !== ours)) {
    d.log.warn('other_timer_kept', { triggerName: other.TriggerName, cron: cronOf(other) });
  }

  if (ours && cronOf(ours) === trigger.cron && isEnabled(ours) === trigger.enabled) {
    d.log.info('trigger_unchanged', { triggerName: trigger.name, cron: trigger.cron });
    return 'unchanged';
  }

  if (ours) {
    await d.api.call('DeleteTrigger', {
      ...target(d),
      TriggerName: trigger.name,
      Type: 'timer',
    }, Done);
  }
  await d.api.call('CreateTrigger', {
    ...target(d),
    TriggerName: trigger.name,
    Type: 'timer',
    TriggerDesc: trigger.cron,
    Enable: trigger.enabled ? 'OPEN' : 'CLOSE',
  }, Done);

  const outcome = ours ? 'replaced' : 'created';
  d.log.info(`trigger_${outcome}`, { triggerName: trigger.name, cron: trigger.cron });
  return outcome;
}

async function listTriggers(d: Deployment): Promise<TriggerInfo[]> {
  const PAGE = 100;
  const found: TriggerInfo[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await d.api.call('ListTriggers', {
      ...target(d),
      Offset: offset,
      Limit: PAGE,
    }, TriggerList);
    const triggers = page.Triggers ?? [];
    found.push(...triggers);
    if (triggers.length < PAGE || found.length >= (page.TotalCount ?? 0)) return found;
  }
}

/**
 * Polls GetFunction until the function is Active again after `step`.
 *
 *   step sent    poll   pause   poll   pause    poll ... Active
 *   |------------|------250----|------500------|-- ... --|        (gives up after timeoutMs)
 */
async function waitForActive(d: Deployment, step: string): Promise<FunctionInfo> {
  const policy = d.wait ?? DEFAULT_WAIT;
  const startedAt = Date.now();

  for (let poll = 0; ; poll += 1) {
    const info = await getFunction(d);
    if (info === undefined) {
      throw new DeployError('api_error', `${step}: the function vanished while we waited for it`, {
        action: step,
      });
    }

    if (info.Status === 'Active') {
      if (poll > 0) {
        d.log.info('function_active', { step, polls: poll + 1, waitedMs: Date.now() - startedAt });
      }
      return info;
    }
    if (info.Status.endsWith('Failed')) throw failed(d, step, info);

    const pause = policy.pausesMs[Math.min(poll, policy.pausesMs.length - 1)] ?? 1000;
    if (Date.now() - startedAt + pause > policy.timeoutMs) {
      throw new DeployError(
        'wait_timeout',
        `${step}: the function is still ${info.Status} after ${policy.timeoutMs} ms; `
          + 'look at it in the SCF console, then deploy again',
        { action: step },
      );
    }
    d.log.debug('function_busy', { step, status: info.Status, poll });
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

function failed(d: Deployment, step: string, info: FunctionInfo): DeployError {
  const reasons = (info.StatusReasons ?? [])
    .map((r) => `${r.ErrorCode}: ${r.ErrorMessage}`)
    .join('; ');
  const why = reasons || info.StatusDesc || 'no reason given';
  return new DeployError(
    'function_failed',
    `${step}: SCF reports function ${d.props.functionName} as ${info.Status} (${why})`,
    { action: step },
  );
}

/** The settings serverless.yml controls, in the API's words. */
function configurationOf(d: Deployment): Record<string, unknown> {
  const { props } = d;
  return {
    Description: props.description,
    Runtime: props.runtime,
    Timeout: props.timeout,
    MemorySize: props.memorySize,
    Environment: {
      Variables: Object.entries(d.environment).map(([Key, Value]) => ({ Key, Value })),
    },
    ...(props.role === '' ? {} : { Role: props.role }),
  };
}

/** Names of the settings that differ; values stay out (environment values may be secret). */
function changedSettings(current: FunctionInfo, d: Deployment): string[] {
  const { props } = d;
  const changed: string[] = [];
  if (current.Runtime !== props.runtime) changed.push('runtime');
  if (current.Timeout !== props.timeout) changed.push('timeout');
  if (current.MemorySize !== props.memorySize) changed.push('memorySize');
  if ((current.Description ?? '') !== props.description) changed.push('description');
  if (props.role !== '' && current.Role !== props.role) changed.push('role');

  const now = current.Environment?.Variables ?? {};
  const keys = new Set([...Object.keys(now), ...Object.keys(d.environment)]);
  for (const key of [...keys].sort()) {
    if (now[key] !== d.environment[key]) changed.push(`environment.${key}`);
  }
  return changed;
}

function target(d: Deployment): { FunctionName: string; Namespace: string } {
  return { FunctionName: d.props.functionName, Namespace: d.props.namespace };
}

/**
 * The schedule of a timer trigger. SCF has been seen to return it either as the bare cron text
 * or as JSON `{"cron": "..."}`; both are read.
 */
function cronOf(trigger: TriggerInfo): string {
  const desc = trigger.TriggerDesc ?? '';
  try {
    const parsed = JSON.parse(desc) as { cron?: unknown };
    if (typeof parsed?.cron === 'string') return parsed.cron.trim();
  } catch {
    // Not JSON: the bare cron text.
  }
  return desc.trim();
}

function isEnabled(trigger: TriggerInfo): boolean {
  const flag = String(trigger.Enable ?? '1').toUpperCase();
  return flag === '1' || flag === 'OPEN' || flag === 'TRUE';
}
