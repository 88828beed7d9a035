// SCF entry point, fired by a timer every minute: one drain run per invocation. The deadline is
// taken at entry from the context; the return value is the run summary.

import { runOnce, type InvocationContext } from '../../lib/run';
import type { RunSummary } from '../../lib/drain/summary';

export async function main_handler(
  _event: unknown,
  context: InvocationContext = {},
): Promise<RunSummary> {
  return runOnce(process.env, context);
}
