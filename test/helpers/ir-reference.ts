/**
 * String acceptance for IR-level tests. It started as a test-only recognizer written before the engine existed;
 * now that `src/engine` has a recognizer, tests use the engine's (one implementation to trust and fix).
 */
import { grammarAcceptsString } from '../../src/engine/index.js';
import type { Grammar } from '../../src/engine/ir.js';

/** True if the grammar accepts exactly `text`. */
export function referenceAccepts(grammar: Grammar, text: string | Uint8Array): boolean {
  return grammarAcceptsString(grammar, text);
}
