// Why a deploy stopped, as values a person can act on: which step, which SCF action and error
// code, the request id to quote to support, and what to change. Never a key or a secret.

/**
 * - invalid_props: serverless.yml (or a variable it reads) says something SCF would refuse.
 * - missing_code: the bundle is not built; run npm run build first.
 * - permission_denied: the deploying key may not call this action (see policies/deployer.json).
 * - auth_failed: the key is unknown, expired, or the clock is off.
 * - function_failed: SCF reports the function as CreateFailed or UpdateFailed.
 * - wait_timeout: the function did not become Active in time.
 * - api_error: any other refusal or failure of the SCF API.
 */
export type DeployErrorCode =
  | 'invalid_props'
  | 'missing_code'
  | 'permission_denied'
  | 'auth_failed'
  | 'function_failed'
  | 'wait_timeout'
  | 'api_error';

export interface DeployErrorDetails {
  action?: string;
  apiCode?: string;
  requestId?: string;
  cause?: unknown;
}

export class DeployError extends Error {
  override readonly name = 'DeployError';
  readonly action: string | undefined;
  readonly apiCode: string | undefined;
  readonly requestId: string | undefined;

  constructor(
    readonly code: DeployErrorCode,
    message: string,
    details: DeployErrorDetails = {},
  ) {
    super(message, { cause: details.cause });
    this.action = details.action;
    this.apiCode = details.apiCode;
    this.requestId = details.requestId;
  }
}
