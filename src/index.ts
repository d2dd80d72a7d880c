/**
 * logitkit: constrained decoding and sampling for LLM serving, in pure TypeScript.
 *
 * - vocabulary: `TokenizerInfo` (token bytes, specials, EOS ids, the flat token trie).
 * - engine: `GrammarCompiler` / `CompiledGrammar` / `GrammarMatcher` / `allocateTokenBitmask` — JSON Schema,
 *   regex, EBNF and structural tags to token bitmasks; the grammar IR front ends lower into.
 * - front ends: `ebnfToGrammar`, `regexToGrammar`, `jsonSchemaToGrammar`, `structuralTagToGrammar` (and their
 *   `check*` helpers) for users who want the IR or diagnostics without a tokenizer.
 * - sampling: `SamplingParams`, `computeProbs`, `computeLogprobs`, `sampleToken`, `Generator`.
 * - server / sglang-backend: `createServer` (the SGLang-compatible HTTP API) and the grammar-backend sidecar.
 */
export * from './ebnf/index.js';
export * from './engine/index.js';
export * from './json-schema/index.js';
export * from './regex/index.js';
export * from './sampling/index.js';
export {
  createServer,
  type EmbeddedModel,
  type LogitkitServer,
  NgramModel,
  ReplayModel,
  type ServerOptions,
  UniformModel,
} from './server/index.js';
export * from './sglang-backend/index.js';
export * from './structural-tag/index.js';
export * from './vocabulary/index.js';
