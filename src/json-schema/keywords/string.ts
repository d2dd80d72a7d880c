/** String keywords: lengths in code points of the decoded value, `pattern`, `format`. */
import { formatExpr, UNCONSTRAINED_STRING_FORMATS } from '../formats.js';
import { patternContent } from '../strings.js';
import { patternRegExp } from '../values.js';
import { type FacetKeyword, nonNegativeInteger } from './context.js';

/** Formats the JSON Schema specification defines: validators commonly assert them, so never ignored. */
const SPEC_FORMATS: ReadonlySet<string> = new Set([
  'date-time',
  'date',
  'time',
  'duration',
  'email',
  'idn-email',
  'hostname',
  'idn-hostname',
  'ipv4',
  'ipv6',
  'uri',
  'uri-reference',
  'iri',
  'iri-reference',
  'uuid',
  'uri-template',
  'json-pointer',
  'relative-json-pointer',
  'regex',
]);

export const stringKeywords: FacetKeyword[] = [
  {
    keyword: 'minLength',
    kind: 'string',
    apply(f, v, ctx) {
      f.minLength = Math.max(f.minLength, nonNegativeInteger(v, ctx));
    },
  },
  {
    keyword: 'maxLength',
    kind: 'string',
    apply(f, v, ctx) {
      f.maxLength = Math.min(f.maxLength, nonNegativeInteger(v, ctx));
    },
  },
  {
    keyword: 'pattern',
    kind: 'string',
    apply(f, v, ctx) {
      if (typeof v !== 'string') return ctx.fail('must be a string');
      try {
        patternRegExp(v);
        patternContent(v);
      } catch (e) {
        return ctx.fail(`invalid or unsupported regular expression: ${(e as Error).message}`);
      }
      f.patterns.push(v);
    },
  },
  {
    keyword: 'format',
    kind: 'string',
    apply(f, v, ctx) {
      if (typeof v !== 'string') return ctx.fail('must be a string');
      if (formatExpr(v)) f.formats.push(v);
      else if (UNCONSTRAINED_STRING_FORMATS.includes(v)) return;
      else if (ctx.unknownFormats === 'error' || SPEC_FORMATS.has(v)) {
        return ctx.fail(`format ${JSON.stringify(v)} cannot be enforced`);
      } else
        ctx.warn(
          `format ${JSON.stringify(v)} is not checked (not a standard format: treated as an annotation)`,
        );
    },
  },
];
