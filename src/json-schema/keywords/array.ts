/** Array keywords: `prefixItems`, `items` (schema or draft-04..2019-09 tuple form), `additionalItems`, counts, `uniqueItems`. */
import { type FacetKeyword, nonNegativeInteger } from './context.js';

export const arrayKeywords: FacetKeyword[] = [
  {
    keyword: 'prefixItems',
    kind: 'array',
    apply(f, v, ctx) {
      if (!Array.isArray(v)) return ctx.fail('must be an array of schemas');
      f.prefix = v.map((s, i) => ctx.compile(s, `${ctx.pointer}/${i}`));
      if (f.evaluatedItems !== 'all') f.evaluatedItems = Math.max(f.evaluatedItems, v.length);
    },
  },
  {
    keyword: 'items',
    kind: 'array',
    apply(f, v, ctx) {
      if (Array.isArray(v)) {
        if (ctx.schema.has('prefixItems'))
          return ctx.fail('the array form of items cannot be combined with prefixItems');
        f.prefix = v.map((s, i) => ctx.compile(s, `${ctx.pointer}/${i}`));
        if (f.evaluatedItems !== 'all') f.evaluatedItems = Math.max(f.evaluatedItems, v.length);
      } else {
        f.items = ctx.compile(v, ctx.pointer);
        f.evaluatedItems = 'all';
      }
    },
  },
  {
    keyword: 'additionalItems',
    kind: 'array',
    apply(f, v, ctx) {
      // Only meaningful after a tuple `items`; otherwise ignored (as the spec says).
      if (Array.isArray(ctx.schema.get('items'))) {
        f.items = ctx.compile(v, ctx.pointer);
        f.evaluatedItems = 'all';
      }
    },
  },
  {
    keyword: 'minItems',
    kind: 'array',
    apply(f, v, ctx) {
      f.minItems = Math.max(f.minItems, nonNegativeInteger(v, ctx));
    },
  },
  {
    keyword: 'maxItems',
    kind: 'array',
    apply(f, v, ctx) {
      f.maxItems = Math.min(f.maxItems, nonNegativeInteger(v, ctx));
    },
  },
  {
    keyword: 'contains',
    kind: 'array',
    apply(f, v, ctx) {
      const base = ctx.pointer.slice(0, ctx.pointer.lastIndexOf('/'));
      const read = (k: string, fallback: number): number => {
        const x = ctx.schema.get(k);
        if (x === undefined) return fallback;
        if (typeof x !== 'number' || !Number.isInteger(x) || x < 0)
          return ctx.fail(`${k} must be a non-negative integer`);
        return x;
      };
      const c = {
        node: ctx.compile(v, ctx.pointer),
        min: read('minContains', 1),
        max: read('maxContains', Infinity),
      };
      f.contains = [...(f.contains ?? []), { ...c, pointer: `${base}/contains` }];
    },
  },
  // Read by `contains`; without it they do nothing.
  { keyword: 'minContains', kind: 'array', apply: () => undefined },
  { keyword: 'maxContains', kind: 'array', apply: () => undefined },
  {
    keyword: 'uniqueItems',
    kind: 'array',
    apply(f, v, ctx) {
      if (typeof v !== 'boolean') return ctx.fail('must be a boolean');
      if (v) f.uniqueItems ??= ctx.pointer;
    },
  },
];
