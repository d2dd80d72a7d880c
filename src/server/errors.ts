/**
 * Error types and the exact error bodies SGLang returns (spec §3.8, §5.5).
 *
 * Two body shapes exist on the wire:
 * - native `/generate` validation errors: `{"error":{"message":...}}`;
 * - everything else (OpenAI routes, body validation, HTTP exceptions): the flat
 *   `{"object":"error","message":...,"type":...,"param":null,"code":...}`.
 */

/** The flat OpenAI-style error body SGLang uses for `/v1/*` and HTTP exceptions. */
export interface FlatErrorBody {
  object: 'error';
  message: string;
  type: string;
  param: null;
  code: number;
}

/** The nested error body of native `/generate` (`_create_error_response`). */
export interface NativeErrorBody {
  error: { message: string };
}

/**
 * A request-level failure with an HTTP status. `type` is the flat body's `type`
 * (e.g. `BadRequestError`, `Bad Request`, `503`).
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly type: string;

  constructor(status: number, message: string, type?: string) {
    super(message);
    this.status = status;
    this.type = type ?? String(status);
  }
}

/** A validation failure that SGLang reports as a Python ValueError: HTTP 400. */
export class BadRequestError extends HttpError {
  constructor(message: string, type = 'BadRequestError') {
    super(400, message, type);
  }
}

/** Builds the flat error body. */
export function flatErrorBody(message: string, type: string, code: number): FlatErrorBody {
  return { object: 'error', message, type, param: null, code };
}

/** Builds the native `/generate` error body. */
export function nativeErrorBody(message: string): NativeErrorBody {
  return { error: { message } };
}

/** The status, type and message of any thrown value, with unknown errors mapped to a 500. */
export function describeError(error: unknown): { status: number; type: string; message: string } {
  if (error instanceof HttpError) return { status: error.status, type: error.type, message: error.message };
  const text = error instanceof Error ? error.message : String(error);
  return { status: 500, type: 'InternalServerError', message: `Internal server error: ${text}` };
}
