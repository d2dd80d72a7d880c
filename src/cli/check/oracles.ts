/**
 * Independent verdicts `logitkit check` compares the grammar with: ajv for JSON Schema instances (through
 * `checkJsonSchema`), JavaScript's RegExp for regexes whose meaning RegExp shares.
 */
import { checkJsonSchema, type JsonSchemaOptions } from '../../json-schema/index.js';
import type { RegexFlavor } from '../../regex/index.js';

/** One oracle's verdict on one text. */
export interface OracleVerdict {
  oracle: 'ajv' | 'RegExp';
  valid: boolean;
  /** Why the oracle rejected it (ajv's errors with instance paths, or a JSON parse error). */
  errors: string[];
}

/** ajv's verdicts on instance texts, in order (one `checkJsonSchema` call for all of them). */
export function ajvVerdicts(
  schemaText: string,
  instances: readonly string[],
  options: JsonSchemaOptions,
): OracleVerdict[] {
  if (instances.length === 0) return [];
  const result = checkJsonSchema(schemaText, { ...options, instances: [...instances] });
  return result.instances.map((r) => ({ oracle: 'ajv', valid: r.valid, errors: r.errors }));
}

/**
 * A RegExp with the regex's meaning, or null where RegExp would differ: `ecma` is ECMA-262 with `u` and
 * search semantics (JSON Schema `pattern`), i.e. RegExp itself; `sglang` is a whole-string match in which
 * `.` also matches newlines, i.e. `^(?:…)$` with flags `su`, unless the pattern drew warnings (XGrammar
 * ignores some anchors and escapes that RegExp honours); `python` has its own syntax and gets no oracle.
 */
export function regexOracle(
  pattern: string,
  flavor: RegexFlavor,
  hasWarnings: boolean,
): ((text: string) => OracleVerdict) | null {
  let re: RegExp;
  try {
    if (flavor === 'ecma') re = new RegExp(pattern, 'u');
    else if (flavor === 'sglang' && !hasWarnings) re = new RegExp(`^(?:${pattern})$`, 'su');
    else return null;
  } catch {
    return null;
  }
  return (text) => {
    re.lastIndex = 0;
    const valid = re.test(text);
    return { oracle: 'RegExp', valid, errors: valid ? [] : [`does not match ${re}`] };
  };
}
