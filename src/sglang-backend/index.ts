/**
 * Public API of the SGLang backend area: the sidecar that serves grammar compilation and token masks to the
 * Python plugin (python/logitkit_sglang) over a Unix socket, its protocol, and a Node client for it.
 */
export {
  type CompileResult,
  type FillTiming,
  SidecarClient,
  SidecarError,
  type SidecarHello,
} from './client.js';
export type { SidecarEngine, SidecarMatcher, SidecarMatcherOptions } from './engine-port.js';
export { ANY_JSON_KEY, createLogitkitEngine, type SidecarCompiler } from './logitkit-engine.js';
export {
  ACCEPT_OK,
  ACCEPT_TERMINATED,
  ACCEPT_UNKNOWN_HANDLE,
  COMPILE_FLAG_JSON_FIXED_WHITESPACE,
  ErrorCode,
  FILL_FLAG_TRANSPORT_ONLY,
  KeyType,
  type KeyTypeCode,
  MATCHER_FLAG_TERMINATE_WITHOUT_STOP,
  MAX_FRAME_BYTES,
  Op,
  PROTOCOL_VERSION,
  ROW_FILLED,
  ROW_TERMINATED,
  ROW_UNCHANGED,
} from './protocol.js';
export { SidecarServer, type SidecarServerOptions, type SidecarStats } from './server.js';
export { DEFAULT_MAX_MATCHERS_PER_SESSION } from './session.js';
export { loadSidecarEngine, type StartSidecarOptions, startSidecar } from './start.js';
