/** Types for pyjson.mjs (Python `json` semantics for MaskBench). */
export declare class PyInt {
  constructor(value: bigint);
  readonly value: bigint;
}
export declare class PyFloat {
  constructor(value: number, text?: string);
  readonly value: number;
  readonly text: string;
}
export declare class PyObject {
  constructor(entries?: Array<[string, PyValue]>);
  readonly entries: Array<[string, PyValue]>;
  get(key: string): PyValue | undefined;
}
export type PyValue = null | boolean | string | PyInt | PyFloat | PyObject | PyValue[];
export declare function parsePyJson(text: string): PyValue;
export declare function pyFloatRepr(x: number): string;
export declare function pyDumps(value: PyValue): string;
export declare function toJsonText(value: PyValue): string;
