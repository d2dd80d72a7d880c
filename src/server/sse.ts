/**
 * Server-sent events exactly as SGLang frames them (§3.7, §5.4): `data: <json>\n\n` per chunk, no `event:` or
 * `id:` lines, and a final `data: [DONE]\n\n`.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/** An open event stream on a hijacked Fastify reply. */
export class EventStream {
  private readonly raw: ServerResponse;
  private closedByClient = false;
  private ended = false;
  /** Aborted when the client goes away before the stream ended. */
  readonly abort = new AbortController();

  constructor(reply: FastifyReply, extraHeaders: Record<string, string> = {}) {
    reply.hijack();
    this.raw = reply.raw;
    this.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...extraHeaders,
    });
    this.raw.on('close', () => {
      if (!this.ended) {
        this.closedByClient = true;
        this.abort.abort();
      }
    });
  }

  /** True once the client disconnected. */
  get clientGone(): boolean {
    return this.closedByClient;
  }

  /** Sends one `data:` event with a JSON payload. */
  send(payload: unknown): void {
    this.sendRaw(`data: ${JSON.stringify(payload)}\n\n`);
  }

  /** Writes pre-framed bytes (gateway pass-through). */
  sendRaw(chunk: string | Uint8Array): void {
    if (this.ended || this.closedByClient) return;
    this.raw.write(chunk);
  }

  /** Sends `data: [DONE]` and ends the response. */
  done(): void {
    this.sendRaw('data: [DONE]\n\n');
    this.end();
  }

  /** Ends the response without a [DONE] line. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.raw.end();
  }
}

/** An AbortSignal that fires when the client closes a non-streaming request before the reply was sent. */
export function disconnectSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
