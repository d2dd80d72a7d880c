/**
 * Incremental detokenization exactly like SGLang's DetokenizerManager (spec §3.5), one instance per
 * request. The surrounding context starts with the last 5 prompt tokens; each call decodes
 * `decode_ids[surr:]` minus `decode_ids[surr:read]`, commits text that does not end in U+FFFD (an
 * incomplete UTF-8 sequence), otherwise emits only `find_printable_text`, and trims stop
 * strings/tokens when the request finishes.
 */
import { type FinishReason, trimMatchedStopIds, trimMatchedStopText } from './finish.js';
import type { TokenizerLike } from './types.js';

/** SGLang's INIT_INCREMENTAL_DETOKENIZATION_OFFSET. */
export const INIT_INCREMENTAL_DETOKENIZATION_OFFSET = 5;

/** Options of {@link IncrementalDetokenizer}. */
export interface DetokenizerOptions {
  skipSpecialTokens: boolean;
  spacesBetweenSpecialTokens: boolean;
  noStopTrim: boolean;
}

function isCjk(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x20000 && code <= 0x2a6df) ||
    (code >= 0x2a700 && code <= 0x2b73f) ||
    (code >= 0x2b740 && code <= 0x2b81f) ||
    (code >= 0x2b820 && code <= 0x2ceaf) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0x2f800 && code <= 0x2fa1f)
  );
}

/**
 * SGLang's `find_printable_text` (from HF's TextStreamer): the whole text after a newline or a final
 * CJK character, all but the last character when the one before it is CJK, else up to the last space.
 */
export function findPrintableText(text: string): string {
  if (text.endsWith('\n')) return text;
  const chars = Array.from(text);
  if (chars.length > 0 && isCjk(chars[chars.length - 1]!.codePointAt(0)!)) return text;
  if (chars.length > 1 && isCjk(chars[chars.length - 2]!.codePointAt(0)!)) {
    return text.slice(0, text.length - chars[chars.length - 1]!.length);
  }
  return text.slice(0, text.lastIndexOf(' ') + 1);
}

/** Per-request incremental detokenizer state (SGLang's DecodeStatus). */
export class IncrementalDetokenizer {
  private readonly decodeIds: number[];
  private surrOffset = 0;
  private readOffset: number;
  private decodedText = '';
  private sentOffset = 0;
  /** Full text sent so far (cumulative `text` of streaming chunks). */
  text = '';

  constructor(
    private readonly tokenizer: Pick<TokenizerLike, 'decode'>,
    promptIds: readonly number[],
    private readonly options: DetokenizerOptions,
  ) {
    this.decodeIds = promptIds.slice(Math.max(promptIds.length - INIT_INCREMENTAL_DETOKENIZATION_OFFSET, 0));
    this.readOffset = this.decodeIds.length;
  }

  private decode(ids: readonly number[]): string {
    return this.tokenizer.decode(ids, {
      skipSpecialTokens: this.options.skipSpecialTokens,
      spacesBetweenSpecialTokens: this.options.spacesBetweenSpecialTokens,
    });
  }

  /**
   * Adds the output ids generated since the last call and returns the new text chunk. `finish` is the
   * request's finish reason (null while running): on finish the text is trimmed and fully flushed.
   */
  step(newIds: readonly number[], finish: FinishReason | null): string {
    for (const id of newIds) this.decodeIds.push(id);
    const readIds = trimMatchedStopIds(
      this.decodeIds.slice(this.surrOffset),
      finish,
      this.options.noStopTrim,
    );
    const surrText = this.decode(this.decodeIds.slice(this.surrOffset, this.readOffset));
    let newText = this.decode(readIds).slice(surrText.length);
    if (finish === null) {
      if (newText.length > 0 && !newText.endsWith('\uFFFD')) {
        this.decodedText += newText;
        this.surrOffset = this.readOffset;
        this.readOffset = this.decodeIds.length;
        newText = '';
      } else {
        newText = findPrintableText(newText);
      }
    }
    const output = trimMatchedStopText(this.decodedText + newText, finish, this.options.noStopTrim);
    const chunk = output.slice(this.sentOffset);
    this.sentOffset = output.length;
    this.text = output;
    return chunk;
  }
}
