// Named faults the emulator can inject into its replies: tests and the chaos run arm them over
// the admin API, and each one fires for a given number of matching requests.

import { z } from 'zod';

const Target = {
  /** Which action it hits; every action when absent. */
  action: z.string().optional(),
  /** How many matching requests it hits before it disarms; once when absent. */
  times: z.number().int().positive().default(1),
};

export const VodFault = z.discriminatedUnion('fault', [
  /** An API 3.0 error reply (HTTP 200, Response.Error) with this code. */
  z.object({
    fault: z.literal('api_error'),
    code: z.string(),
    message: z.string().optional(),
    ...Target,
  }),
  /** A legacy v2 error reply (HTTP 200, `{ code, message }`) with this numeric code. */
  z.object({
    fault: z.literal('v2_error'),
    code: z.number().int(),
    message: z.string().optional(),
    ...Target,
  }),
  /** A bare HTTP status with an optional body, as a gateway or proxy would send. */
  z.object({
    fault: z.literal('http_status'),
    status: z.number().int(),
    body: z.string().optional(),
    /** Sent as Retry-After, in seconds: shows whether a client caps what it is told to wait. */
    retryAfterS: z.number().int().nonnegative().optional(),
    ...Target,
  }),
  /** A body that is not the API's JSON: an HTML error page, a truncated reply. */
  z.object({
    fault: z.literal('garbage'),
    body: z.string(),
    contentType: z.string().optional(),
    ...Target,
  }),
  /** The reply is held this long before the request is served normally. */
  z.object({ fault: z.literal('delay'), delayMs: z.number().int().nonnegative(), ...Target }),
  /** The connection is cut without a reply. */
  z.object({ fault: z.literal('drop'), ...Target }),
]);
export type VodFault = z.infer<typeof VodFault>;

export class FaultBook {
  private armed: { fault: VodFault; left: number }[] = [];

  /** Arms faults; each is parsed here, so one given in code gets the same defaults. */
  arm(faults: readonly z.input<typeof VodFault>[]): void {
    for (const given of faults) {
      const fault = VodFault.parse(given);
      this.armed.push({ fault, left: fault.times });
    }
  }

  /** The first armed fault matching `action`, used up by one. */
  take(action: string): VodFault | undefined {
    const slot = this.armed.find(
      (a) => a.left > 0 && (!a.fault.action || a.fault.action === action),
    );
    if (!slot) return undefined;
    slot.left -= 1;
    return slot.fault;
  }

  /** How many firings are left, for tests to check that a fault really happened. */
  remaining(): number {
    return this.armed.reduce((sum, a) => sum + a.left, 0);
  }

  clear(): void {
    this.armed = [];
  }
}
