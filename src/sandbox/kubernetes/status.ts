/** API server errors as the emulator answers them: a `Status` object with the HTTP code, reason and message. */
export class StatusError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly headers: Record<string, string>;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: number, reason: string, message: string, headers: Record<string, string> = {}, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.headers = headers;
    this.details = details;
  }
}

export function statusBody(err: StatusError): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: err.message, reason: err.reason, ...(err.details ? { details: err.details } : {}), code: err.code });
}
