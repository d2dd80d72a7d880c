/**
 * Python-compatible printing of JSON values, so error messages read exactly like SGLang's
 * (`f"... got {value}."` prints `str(value)`, lists print their items with `repr`).
 *
 * JSON numbers lose the int/float distinction once parsed by `JSON.parse` (`1` and `1.0` are the
 * same JS number), while Python keeps it (`str(1)` is `1`, `str(1.0)` is `1.0`). Callers that know a
 * value was a float literal pass `{ float: true }`; {@link parseJsonKeepingFloats} records that
 * knowledge for whole request bodies.
 */

/** Options for {@link pyRepr}. */
export interface PyReprOptions {
  /** Print an integral number as a Python float (`1.0`), e.g. because the JSON literal was `1.0`. */
  float?: boolean;
}

/**
 * Python's `repr(float)` for a JS number: shortest round-trip digits (the same digits as JS), but
 * Python's layout: scientific notation when the decimal exponent is < -4 or >= 16, two-digit
 * exponents (`1e-05`, `1e+16`), and a `.0` suffix on integral values.
 */
export function pyFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  const pointPosition = exponent + 1; // value = 0.<digits> * 10^pointPosition
  if (pointPosition <= -4 || pointPosition > 16) {
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const expSign = exponent < 0 ? '-' : '+';
    return `${sign}${digits[0]}${rest}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (pointPosition <= 0) return `${sign}0.${'0'.repeat(-pointPosition)}${digits}`;
  if (pointPosition >= digits.length) return `${sign}${digits}${'0'.repeat(pointPosition - digits.length)}.0`;
  return `${sign}${digits.slice(0, pointPosition)}.${digits.slice(pointPosition)}`;
}

/** Python's `repr(int)`: plain decimal digits, never an exponent. */
export function pyIntRepr(value: number): string {
  return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
}

/** Python's `repr(str)`: single quotes unless the text has `'` and no `"`, with Python's escapes. */
export function pyStrRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code <= 0xa0) || code === 0xad)
      out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if ((code >= 0xd800 && code <= 0xdfff) || code === 0x2028 || code === 0x2029 || code === 0xfeff)
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/**
 * Python's `repr()` of a JSON value: `None`, `True`/`False`, ints, floats, `'str'`, `[a, b]`, `{'k': v}`.
 * Integral numbers print as ints unless `options.float` is set (see the module comment).
 */
export function pyRepr(value: unknown, options: PyReprOptions = {}): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    return options.float || !Number.isInteger(value) ? pyFloatRepr(value) : pyIntRepr(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return pyStrRepr(value);
  if (Array.isArray(value)) {
    const floats = floatLiteralKeys(value);
    return `[${value.map((item, i) => pyRepr(item, { float: floats?.has(String(i)) ?? false })).join(', ')}]`;
  }
  if (value instanceof Set)
    return value.size === 0 ? 'set()' : `{${[...value].map((v) => pyRepr(v)).join(', ')}}`;
  if (typeof value === 'object') {
    const floats = floatLiteralKeys(value);
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v, { float: floats?.has(k) ?? false })}`).join(', ')}}`;
  }
  return String(value);
}

/** Python's `str()`: like {@link pyRepr} except that a string prints as itself. */
export function pyStr(value: unknown, options: PyReprOptions = {}): string {
  return typeof value === 'string' ? value : pyRepr(value, options);
}

/**
 * Python's `int(value)` for the inputs SGLang converts (stop_token_ids entries, logit_bias keys):
 * ints, floats (truncated toward zero), booleans and decimal strings (surrounding whitespace, a sign
 * and single underscores between digits allowed). Throws Python's own message otherwise.
 */
export function pyInt(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw new Error('cannot convert float NaN to integer');
    if (!Number.isFinite(value)) throw new Error('cannot convert float infinity to integer');
    return Math.trunc(value);
  }
  if (typeof value === 'string') {
    const trimmed = value.trim(); // Python's str.strip() whitespace is the same set for decimal inputs
    if (/^[+-]?\d+(?:_\d+)*$/u.test(trimmed)) return Number(trimmed.replace(/_/gu, ''));
    throw new Error(`invalid literal for int() with base 10: ${pyStrRepr(value)}`);
  }
  const typeName =
    value === null || value === undefined ? 'NoneType' : Array.isArray(value) ? 'list' : 'dict';
  throw new Error(`int() argument must be a string, a bytes-like object or a real number, not '${typeName}'`);
}

const floatLiterals = new WeakMap<object, Set<string>>();

/** Keys (or array indices as strings) of `container` whose JSON literal was a float like `1.0`. */
export function floatLiteralKeys(container: object): ReadonlySet<string> | undefined {
  return floatLiterals.get(container);
}

/**
 * `JSON.parse` that also remembers which integral numbers were written as floats (`1.0`, `2e0`),
 * so that {@link pyRepr} and `SamplingParams` print them the way Python would. The result is plain
 * JSON data; the extra knowledge lives in a WeakMap keyed by the parsed objects and arrays (a copy
 * made with spread loses it, which only affects how `1.0` is printed in error messages).
 */
export function parseJsonKeepingFloats(text: string): unknown {
  const marks: Array<{ path: string[] }> = [];
  const value = JSON.parse(text);
  scanFloatLiterals(text, marks);
  for (const { path } of marks) {
    let container: unknown = value;
    for (let i = 0; i < path.length - 1; i++) {
      container = (container as Record<string, unknown>)[path[i]!];
    }
    if (container !== null && typeof container === 'object') {
      let set = floatLiterals.get(container);
      if (!set) {
        set = new Set();
        floatLiterals.set(container, set);
      }
      set.add(path[path.length - 1]!);
    }
  }
  return value;
}

/** Walks JSON text (already known to be valid) and records the paths of integral float literals. */
function scanFloatLiterals(text: string, marks: Array<{ path: string[] }>): void {
  const path: string[] = [];
  const arrayIndex: number[] = [];
  const isArray: boolean[] = [];
  let i = 0;
  let pendingKey: string | undefined;
  const skipWs = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const readString = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const currentKey = (): string | undefined => {
    if (isArray.length === 0) return undefined;
    return isArray[isArray.length - 1] ? String(arrayIndex[arrayIndex.length - 1]) : pendingKey;
  };
  while (i < text.length) {
    skipWs();
    const ch = text[i];
    if (ch === undefined) break;
    if (ch === '{' || ch === '[') {
      const key = currentKey();
      if (key !== undefined) path.push(key);
      isArray.push(ch === '[');
      arrayIndex.push(0);
      i++;
    } else if (ch === '}' || ch === ']') {
      isArray.pop();
      arrayIndex.pop();
      if (isArray.length > 0) path.pop();
      i++;
    } else if (ch === ',') {
      if (isArray[isArray.length - 1]) arrayIndex[arrayIndex.length - 1]!++;
      i++;
    } else if (ch === ':') {
      i++;
    } else if (ch === '"') {
      const s = readString();
      skipWs();
      if (!isArray[isArray.length - 1] && text[i] === ':') pendingKey = s;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      const start = i;
      while (i < text.length && /[-+0-9.eE]/u.test(text[i]!)) i++;
      const literal = text.slice(start, i);
      const key = currentKey();
      if (/[.eE]/u.test(literal) && Number.isInteger(Number(literal)) && key !== undefined) {
        marks.push({ path: [...path, key] });
      }
    } else {
      i++; // true / false / null letters
    }
  }
}
