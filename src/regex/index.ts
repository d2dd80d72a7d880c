/** Regex front end: three dialects lowered to the grammar IR, JSON-string mode and streaming search. */
export type { RegexFlavor } from './charsets.js';
export {
  checkRegex,
  type RegexCheckResult,
  type RegexOptions,
  regexToExpr,
  regexToGrammar,
} from './compile.js';
export { jsonStringAnyCharExpr, jsonStringCharExpr, regexToJsonStringExpr } from './json-string.js';
export { MAX_REPEAT_COUNT, type RegexDiagnostic } from './parser.js';
export { type StreamingMatch, type StreamingRegexOptions, StreamingRegexSearch } from './streaming.js';
