/** The SGLang-compatible HTTP server: embedded CPU models or a validating gateway to a real SGLang server. */
export { createServer, type LogitkitServer } from './app.js';
export { BadRequestError, type FlatErrorBody, HttpError, type NativeErrorBody } from './errors.js';
export type { CompiledConstraint, GrammarBackend, GrammarKind, TokenMatcher } from './grammar.js';
export { loadNgramModel, NgramModel } from './model/ngram.js';
export { ReplayModel } from './model/replay.js';
export type { LanguageModel as EmbeddedModel, SequenceView } from './model/types.js';
export { UniformModel } from './model/uniform.js';
export type { ServerOptions } from './options.js';
