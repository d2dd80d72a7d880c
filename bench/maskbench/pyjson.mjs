// @ts-check
/**
 * Python's `json` module, as far as MaskBench needs it: `json.loads` that keeps key order, integer/float
 * distinction and big integers exactly, and `json.dumps(value, ensure_ascii=False)` byte for byte
 * (separators ", " and ": ", CPython float repr, NaN/Infinity literals).
 */

/** A Python int (arbitrary precision). */
export class PyInt {
  /** @param {bigint} value */
  constructor(value) {
    this.value = value;
  }
}

/** A Python float, with the text it was parsed from (for re-serialising the schema unchanged). */
export class PyFloat {
  /** @param {number} value @param {string} [text] */
  constructor(value, text) {
    this.value = value;
    this.text = text ?? pyFloatRepr(value);
  }
}

/** A Python dict: entries in insertion order (a duplicate key keeps its first position and its last value). */
export class PyObject {
  /** @param {Array<[string, PyValue]>} [entries] */
  constructor(entries = []) {
    /** @type {Array<[string, PyValue]>} */
    this.entries = entries;
  }

  /** @param {string} key @returns {PyValue | undefined} */
  get(key) {
    for (const [k, v] of this.entries) if (k === key) return v;
    return undefined;
  }
}

/** @typedef {null | boolean | string | PyInt | PyFloat | PyObject | PyValue[]} PyValue */

const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
// Python's strict mode rejects raw control characters in strings, as JSON requires.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what this excludes
const STRING_BODY = /(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;

/**
 * Parses JSON text the way Python's `json.loads` does (NaN, Infinity and -Infinity included).
 * @param {string} text
 * @returns {PyValue}
 */
export function parsePyJson(text) {
  let pos = 0;
  const fail = (/** @type {string} */ what) => {
    throw new SyntaxError(`${what} at offset ${pos}`);
  };
  const ws = () => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos++;
      else break;
    }
  };
  /** @returns {string} */
  const string = () => {
    STRING_BODY.lastIndex = pos + 1;
    const m = STRING_BODY.exec(text);
    if (!m) return fail('invalid string');
    const raw = text.slice(pos, pos + 1 + m[0].length);
    pos += 1 + m[0].length;
    return JSON.parse(raw);
  };
  /** @returns {PyValue} */
  const value = () => {
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj = new PyObject();
      /** @type {Map<string, number>} */
      const index = new Map();
      ws();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail('expected a key');
        const key = string();
        ws();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        const v = value();
        const at = index.get(key);
        if (at === undefined) {
          index.set(key, obj.entries.length);
          obj.entries.push([key, v]);
        } else obj.entries[at] = [key, v];
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') {
          pos++;
          return obj;
        } else fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      pos++;
      /** @type {PyValue[]} */
      const arr = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') {
          pos++;
          return arr;
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    for (const [word, v] of /** @type {Array<[string, PyValue]>} */ ([
      ['null', null],
      ['true', true],
      ['false', false],
      ['NaN', new PyFloat(Number.NaN, 'NaN')],
      ['Infinity', new PyFloat(Number.POSITIVE_INFINITY, 'Infinity')],
      ['-Infinity', new PyFloat(Number.NEGATIVE_INFINITY, '-Infinity')],
    ])) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (!m) return fail('unexpected character');
    pos += m[0].length;
    if (m[1] === undefined && m[2] === undefined) return new PyInt(BigInt(m[0]));
    return new PyFloat(Number(m[0]), m[0]);
  };
  const result = value();
  ws();
  if (pos !== text.length) fail('extra data');
  return result;
}

/**
 * CPython's `repr(float)`: the shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16,
 * otherwise `d.ddde±XX`.
 * @param {number} x
 */
export function pyFloatRepr(x) {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const [mantissa, exp] = Math.abs(x).toExponential().split('e');
  const digits = /** @type {string} */ (mantissa).replace('.', '');
  const e = Number(exp);
  const decpt = e + 1; // digits = 0.DIGITS × 10^decpt
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
  const absExp = String(Math.abs(e)).padStart(2, '0');
  return `${sign}${digits[0]}${frac}e${e < 0 ? '-' : '+'}${absExp}`;
}

/** @param {string} s */
function pyString(s) {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return `${out}"`;
}

/**
 * `json.dumps(value, ensure_ascii=False)`.
 * @param {PyValue} value
 * @returns {string}
 */
export function pyDumps(value) {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return pyString(value);
  if (value instanceof PyInt) return value.value.toString();
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(', ')}]`;
  if (value instanceof PyObject)
    return `{${value.entries.map(([k, v]) => `${pyString(k)}: ${pyDumps(v)}`).join(', ')}}`;
  throw new TypeError(`not a Python JSON value: ${String(value)}`);
}

/**
 * Compact JSON text with the original key order and number texts (for handing a schema to an engine).
 * @param {PyValue} value
 * @returns {string}
 */
export function toJsonText(value) {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof PyInt) return value.value.toString();
  if (value instanceof PyFloat) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value instanceof PyObject) {
    return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(',')}}`;
  }
  throw new TypeError(`not a Python JSON value: ${String(value)}`);
}
