import { describe, expect, it } from 'vitest';
import {
  PyFloat,
  PyInt,
  PyObject,
  parsePyJson,
  pyDumps,
  pyFloatRepr,
  toJsonText,
} from '../../bench/maskbench/pyjson.mjs';

/** `json.dumps(json.loads(text), ensure_ascii=False)`, expected outputs taken from CPython 3.11. */
const ROUND_TRIPS: Array<[string, string]> = [
  [
    '{"b": 1, "a": [1.0, 2, -0.0, -0], "1": null, "0": true}',
    '{"b": 1, "a": [1.0, 2, -0.0, 0], "1": null, "0": true}',
  ],
  [
    '{"x": 1e5, "y": 1E-5, "z": 1e16, "w": 1e15, "v": 0.0001, "u": 1.2345678901234567e17, "t": 1e400, "s": -1e-400}',
    '{"x": 100000.0, "y": 1e-05, "z": 1e+16, "w": 1000000000000000.0, "v": 0.0001, "u": 1.2345678901234566e+17, "t": Infinity, "s": -0.0}',
  ],
  ['{"a": 1, "a": 2, "b": 3}', '{"a": 2, "b": 3}'],
  [
    '[12345678901234567890123, -0, 0.1, 100.0, 1.5e300, 5e-324, 123456789.123456789, NaN, Infinity, -Infinity]',
    '[12345678901234567890123, 0, 0.1, 100.0, 1.5e+300, 5e-324, 123456789.12345679, NaN, Infinity, -Infinity]',
  ],
  [
    '"quote\\" back\\\\ nl\\n tab\\t ctrl\\u0001 del\\u007f e\\u00e9 emoji\\ud83d\\ude00 bom\\ufeff nel\\u0085 sl\\/"',
    '"quote\\" back\\\\ nl\\n tab\\t ctrl\\u0001 del\x7f eé emoji😀 bom\ufeff nel\x85 sl/"',
  ],
  ['{"nested": {"k": [{}, [], {"": ""}]}}', '{"nested": {"k": [{}, [], {"": ""}]}}'],
  ['  [ 1 ,\n 2 ]  ', '[1, 2]'],
  ['0.5', '0.5'],
  ['1e22', '1e+22'],
  ['1e21', '1e+21'],
  ['9007199254740993', '9007199254740993'],
  ['-1.0E+2', '-100.0'],
  ['2.5e-5', '2.5e-05'],
  ['100e-2', '1.0'],
];

describe('pyjson (Python json.loads / json.dumps for MaskBench)', () => {
  it.each(ROUND_TRIPS)('dumps(loads(%s)) like CPython', (input, expected) => {
    expect(pyDumps(parsePyJson(input))).toBe(expected);
  });

  it('keeps key order, integer/float distinction and big integers', () => {
    const v = parsePyJson('{"2": 1, "1": 2.0, "big": 123456789012345678901234567890}');
    expect(v).toBeInstanceOf(PyObject);
    const obj = v as PyObject;
    expect(obj.entries.map(([k]) => k)).toEqual(['2', '1', 'big']);
    expect(obj.get('2')).toEqual(new PyInt(1n));
    expect(obj.get('1')).toBeInstanceOf(PyFloat);
    expect((obj.get('big') as PyInt).value).toBe(123456789012345678901234567890n);
  });

  it('re-serialises a schema compactly with its original number texts', () => {
    expect(toJsonText(parsePyJson('{"maximum": 1e400, "b": [1.50, -0], "a": "x\\ny"}'))).toBe(
      '{"maximum":1e400,"b":[1.50,0],"a":"x\\ny"}',
    );
  });

  it('prints floats like CPython repr', () => {
    const cases: Array<[number, string]> = [
      [0, '0.0'],
      [-0, '-0.0'],
      [1e-4, '0.0001'],
      [1e-5, '1e-05'],
      [123.456, '123.456'],
      [1e16, '1e+16'],
      [9999999999999998, '9999999999999998.0'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [-2.5e-7, '-2.5e-07'],
      [0.1 + 0.2, '0.30000000000000004'],
    ];
    for (const [x, text] of cases) expect(pyFloatRepr(x)).toBe(text);
  });

  it('rejects what Python rejects', () => {
    for (const bad of ['{"a" 1}', '[1,]', '01', '"a\nb"', '{"a": 1} x', "{'a': 1}", '', '1.', '.5', '+1']) {
      expect(() => parsePyJson(bad), bad).toThrow(SyntaxError);
    }
  });
});
