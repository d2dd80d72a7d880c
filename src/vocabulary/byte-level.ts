/**
 * GPT-2's byte-to-unicode mapping used by byte-level BPE vocabularies (GPT-2, Llama 3, Qwen 2/3): every byte
 * is spelled as one printable code point, so token strings in tokenizer.json are byte strings in disguise.
 */

/** `BYTE_TO_CHAR[b]`: the code point that spells byte `b`. */
export const BYTE_TO_CHAR: Uint16Array = (() => {
  const table = new Uint16Array(256);
  const printable = (b: number): boolean =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 256;
  for (let b = 0; b < 256; b++) table[b] = printable(b) ? b : next++;
  return table;
})();

/** `CHAR_TO_BYTE[c]`: the byte spelled by code point `c`, or -1 (indexes up to 0x143). */
export const CHAR_TO_BYTE: Int16Array = (() => {
  const table = new Int16Array(0x144).fill(-1);
  for (let b = 0; b < 256; b++) table[BYTE_TO_CHAR[b]!] = b;
  return table;
})();
