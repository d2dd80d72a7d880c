/** String keywords: lengths in code points of the decoded value, `pattern`, `format`. */
import { formatExpr, UNCONSTRAINED_STRING_FORMATS } from '../formats.js';
import { patternContent } from '../strings.js';
import { patternRegExp } from '../values.js';
import { type FacetKeyword, nonNegativeInteger } from './context.js';

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
      else if (ctx.unknownFormats === 'error') ctx.fail(`format ${JSON.stringify(v)} cannot be enforced`);
      else ctx.warn(`format ${JSON.stringify(v)} is not checked (treated as an annotation)`);
    },
  },
];
