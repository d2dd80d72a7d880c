/** Test helpers: a small synthetic tokenizer and a server started on a free port. */
import { createServer, type LogitkitServer, type ServerOptions } from '../../src/server/index.js';
import { TokenizerInfo } from '../../src/vocabulary/index.js';

/** Word pieces of the synthetic vocabulary (after the 256 byte tokens). */
const WORDS = [
  ' the',
  ' a',
  ' and',
  ' of',
  ' to',
  ' is',
  'Hello',
  ' world',
  ' quick',
  ' brown',
  ' fox',
  '{"',
  '":',
  ' "',
  '",',
  '}',
  'name',
  'age',
  ' 1',
  '0',
  ' true',
  ' false',
  'null',
  ', ',
  '[',
  ']',
  'The',
  ' cat',
  ' sat',
  ' on',
  ' mat',
  '.',
  '\n',
  ' capital',
  ' France',
  ' Paris',
  'abc',
  'xyz',
];

/** Ids of the special tokens in {@link tinyTokenizer}. */
export const TINY = {
  bos: 256 + WORDS.length,
  eos: 256 + WORDS.length + 1,
  vocabSize: 256 + WORDS.length + 2,
};

/** A ~300-token byte vocabulary plus some words, `<s>` (BOS) and `</s>` (EOS). */
export function tinyTokenizer(): TokenizerInfo {
  const tokens: (string | Uint8Array)[] = [];
  for (let b = 0; b < 256; b++) tokens.push(new Uint8Array([b]));
  tokens.push(...WORDS, '<s>', '</s>');
  return TokenizerInfo.fromVocab(tokens, {
    bosTokenId: TINY.bos,
    eosTokenIds: [TINY.eos],
    specialIds: [TINY.bos],
  });
}

/** A started server and its base URL. */
export interface Started {
  server: LogitkitServer;
  url: string;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 with a free port (defaults: tiny tokenizer unless a preset is named, ngram model without disk cache). */
export async function start(options: ServerOptions = {}): Promise<Started> {
  const server = await createServer({
    tokenizer: 'preset' in options ? undefined : tinyTokenizer(),
    modelCacheDir: false,
    host: '127.0.0.1',
    port: 0,
    ...options,
  });
  const url = await server.listen();
  return { server, url, close: () => server.close() };
}

/** POSTs JSON and returns status, headers and parsed (or raw) body. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; text: string; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (SSE or plain text).
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

/** Splits an SSE body into its `data:` payloads (checking the framing on the way). */
export function sseEvents(text: string): string[] {
  if (!text.endsWith('\n\n'))
    throw new Error(`SSE body does not end with a blank line: ${JSON.stringify(text.slice(-40))}`);
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((block) => {
      if (!block.startsWith('data: ') || block.includes('\n'))
        throw new Error(`bad SSE block ${JSON.stringify(block)}`);
      return block.slice(6);
    });
}
