/** The built-in JSON grammar (grammars/json.ebnf), read from the package next to `src/` and `dist/`. */
import { readFileSync } from 'node:fs';

/** EBNF text of the built-in JSON grammar (SGLang's `json_object` response format). */
export const BUILTIN_JSON_EBNF: string = readFileSync(
  new URL('../../grammars/json.ebnf', import.meta.url),
  'utf8',
);
