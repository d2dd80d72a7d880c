/** Number keywords: bounds (draft-04 boolean and numeric exclusive forms) and `multipleOf`. */
import { type FacetKeyword, finiteNumber } from './context.js';

export const numericKeywords: FacetKeyword[] = [
  {
    keyword: 'minimum',
    kind: 'number',
    apply(f, v, ctx) {
      const n = finiteNumber(v, ctx);
      if (ctx.schema.get('exclusiveMinimum') === true) f.exclusiveMinimum = n;
      else f.minimum = n;
    },
  },
  {
    keyword: 'maximum',
    kind: 'number',
    apply(f, v, ctx) {
      const n = finiteNumber(v, ctx);
      if (ctx.schema.get('exclusiveMaximum') === true) f.exclusiveMaximum = n;
      else f.maximum = n;
    },
  },
  {
    keyword: 'exclusiveMinimum',
    kind: 'number',
    apply(f, v, ctx) {
      if (typeof v === 'boolean') return; // draft-04 form, read by `minimum`
      f.exclusiveMinimum = finiteNumber(v, ctx);
    },
  },
  {
    keyword: 'exclusiveMaximum',
    kind: 'number',
    apply(f, v, ctx) {
      if (typeof v === 'boolean') return;
      f.exclusiveMaximum = finiteNumber(v, ctx);
    },
  },
  {
    keyword: 'multipleOf',
    kind: 'number',
    apply(f, v, ctx) {
      const n = finiteNumber(v, ctx);
      if (!(n > 0)) return ctx.fail(`must be a positive number, got ${n}`);
      if (!f.multipleOf.includes(n)) f.multipleOf.push(n);
    },
  },
];
