/** Small UTF-8 helpers over byte arrays (validation and a lossless display form). */

/** Length of the valid UTF-8 sequence starting at `i`, or 0 if the bytes there are not valid UTF-8. */
export function utf8SequenceLength(bytes: Uint8Array, i: number, end: number = bytes.length): number {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return 1;
  let len: number;
  let min: number;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2;
    min = 0x80;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    min = 0x800;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    min = 0x10000;
  } else return 0;
  if (i + len > end) return 0;
  let cp = b0 & (0xff >> (len + 1));
  for (let k = 1; k < len; k++) {
    const b = bytes[i + k]!;
    if ((b & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

/** Whether `bytes` is entirely valid UTF-8. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; ) {
    const len = utf8SequenceLength(bytes, i);
    if (len === 0) return false;
    i += len;
  }
  return true;
}

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Text for display: valid UTF-8 decoded as is, every byte that is not part of a valid sequence shown as
 * `\xNN` (so a partial multi-byte token stays visible).
 */
export function displayUtf8(bytes: Uint8Array): string {
  let out = '';
  let runStart = 0;
  let i = 0;
  while (i < bytes.length) {
    const len = utf8SequenceLength(bytes, i);
    if (len > 0) {
      i += len;
      continue;
    }
    out += decoder.decode(bytes.subarray(runStart, i));
    out += `\\x${bytes[i]!.toString(16).toUpperCase().padStart(2, '0')}`;
    i++;
    runStart = i;
  }
  return out + decoder.decode(bytes.subarray(runStart, i));
}
