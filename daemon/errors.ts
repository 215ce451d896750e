/**
 * The one catalogue of error codes. The same codes appear in HTTP error bodies
 * (`{ "error": { "code", "message", "details"? } }`) and in logs, so a phone
 * screen, a curl call and journalctl all name a failure the same way.
 */
export const ERRORS = {
  BAD_JSON: { status: 400, message: 'request body is not valid JSON' },
  VALIDATION: { status: 400, message: 'request is invalid' },
  UNAUTHORIZED: { status: 401, message: 'missing or wrong token' },
  FORBIDDEN_ORIGIN: { status: 403, message: 'origin not allowed' },
  NOT_FOUND: { status: 404, message: 'not found' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'method not allowed' },
  CONFLICT: { status: 409, message: 'conflicts with the current state' },
  CONFIRMATION_REQUIRED: { status: 409, message: 'this needs explicit confirmation (confirm: true)' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'request body must be application/json' },
  INTERNAL: { status: 500, message: 'internal error' },
  SHUTTING_DOWN: { status: 503, message: 'daemon is shutting down' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCodeName = keyof typeof ERRORS;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCodeName,
    message?: string,
    readonly details?: string[],
  ) {
    super(message ?? ERRORS[code].message);
    this.name = 'ApiError';
    this.status = ERRORS[code].status;
  }

  toBody(): { error: { code: ErrorCodeName; message: string; details?: string[] } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}
