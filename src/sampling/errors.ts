/**
 * The error thrown for invalid sampling parameters. `message` is SGLang's exact text where SGLang has
 * one (its ValueErrors become HTTP 400 `{"error":{"message":...}}`); `status` is the HTTP status a
 * server should answer with; `param` names the offending field when there is one.
 */
export class SamplingParamsError extends Error {
  override readonly name = 'SamplingParamsError';
  readonly status: number;
  readonly param: string | undefined;

  constructor(message: string, param?: string, status = 400) {
    super(message);
    this.param = param;
    this.status = status;
  }
}
