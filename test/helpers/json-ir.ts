/** A hand-built JSON grammar in the IR (strings and numbers inline, objects/arrays recursive), for engine tests. */
import {
  alt,
  byteSet,
  chars,
  type Grammar,
  GrammarBuilder,
  literal,
  optional,
  plus,
  ref,
  seq,
  star,
} from '../../src/engine/index.js';

export function jsonIrGrammar(): Grammar {
  const b = new GrammarBuilder();
  const value = b.addRule('value');
  const ws = star(byteSet([0x20, 0x20, 0x09, 0x0a, 0x0d, 0x0d]));
  const hex = chars([0x30, 0x39, 0x41, 0x46, 0x61, 0x66]);
  const strChar = alt(
    chars([0x20, 0x21, 0x23, 0x5b, 0x5d, 0x10ffff]),
    seq(
      literal('\\'),
      alt(
        chars([
          0x22, 0x22, 0x5c, 0x5c, 0x2f, 0x2f, 0x62, 0x62, 0x66, 0x66, 0x6e, 0x6e, 0x72, 0x72, 0x74, 0x74,
        ]),
        seq(literal('u'), hex, hex, hex, hex),
      ),
    ),
  );
  const str = seq(literal('"'), star(strChar), literal('"'));
  const digits = plus(chars([0x30, 0x39]));
  const num = seq(
    optional(literal('-')),
    alt(literal('0'), seq(chars([0x31, 0x39]), star(chars([0x30, 0x39])))),
    optional(seq(literal('.'), digits)),
    optional(seq(chars([0x45, 0x45, 0x65, 0x65]), optional(chars([0x2b, 0x2b, 0x2d, 0x2d])), digits)),
  );
  const member = seq(str, ws, literal(':'), ws, ref(value));
  const obj = seq(
    literal('{'),
    ws,
    optional(seq(member, star(seq(ws, literal(','), ws, member)), ws)),
    literal('}'),
  );
  const arr = seq(
    literal('['),
    ws,
    optional(seq(ref(value), star(seq(ws, literal(','), ws, ref(value))), ws)),
    literal(']'),
  );
  b.setBody(value, alt(obj, arr, str, num, literal('true'), literal('false'), literal('null')));
  const root = b.addRule('root');
  b.setBody(root, seq(ref(value), ws));
  return b.build(root);
}
