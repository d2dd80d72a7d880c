/** Object keywords: properties, required, additional/pattern properties, propertyNames, counts, dependentRequired. */
import { isObject } from '../ordered-json.js';
import { escapePointer } from '../resolver.js';
import { patternContent } from '../strings.js';
import { patternRegExp } from '../values.js';
import { type FacetKeyword, nonNegativeInteger } from './context.js';

function stringList(v: unknown, fail: (m: string) => never): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail('must be an array of strings');
  return v as string[];
}

export const objectKeywords: FacetKeyword[] = [
  {
    keyword: 'properties',
    kind: 'object',
    apply(f, v, ctx) {
      if (!isObject(v)) return ctx.fail('must be an object of schemas');
      for (const [name, s] of v) {
        f.properties.set(name, ctx.compile(s, `${ctx.pointer}/${escapePointer(name)}`));
        if (f.evaluated !== 'all') f.evaluated.add(name);
      }
    },
  },
  {
    keyword: 'required',
    kind: 'object',
    apply(f, v, ctx) {
      // draft-03 style `required: true` inside a property is not a constraint here; arrays only.
      if (typeof v === 'boolean') return;
      for (const name of stringList(v, ctx.fail)) if (!f.required.includes(name)) f.required.push(name);
    },
  },
  {
    keyword: 'additionalProperties',
    kind: 'object',
    apply(f, v, ctx) {
      f.additional = ctx.compile(v, ctx.pointer);
      f.evaluated = 'all';
    },
  },
  {
    keyword: 'patternProperties',
    kind: 'object',
    apply(f, v, ctx) {
      if (!isObject(v)) return ctx.fail('must be an object of schemas');
      for (const [pattern, s] of v) {
        try {
          patternRegExp(pattern);
          patternContent(pattern);
        } catch (e) {
          return ctx.fail(`invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`);
        }
        f.patternProperties.push([pattern, ctx.compile(s, `${ctx.pointer}/${escapePointer(pattern)}`)]);
      }
    },
  },
  {
    keyword: 'propertyNames',
    kind: 'object',
    apply(f, v, ctx) {
      f.propertyNames = ctx.compile(v, ctx.pointer);
    },
  },
  {
    keyword: 'minProperties',
    kind: 'object',
    apply(f, v, ctx) {
      f.minProperties = Math.max(f.minProperties, nonNegativeInteger(v, ctx));
    },
  },
  {
    keyword: 'maxProperties',
    kind: 'object',
    apply(f, v, ctx) {
      f.maxProperties = Math.min(f.maxProperties, nonNegativeInteger(v, ctx));
    },
  },
  {
    keyword: 'dependentRequired',
    kind: 'object',
    apply(f, v, ctx) {
      if (!isObject(v)) return ctx.fail('must be an object of string arrays');
      for (const [name, deps] of v) {
        const list = stringList(deps, ctx.fail);
        f.dependentRequired.set(name, [...new Set([...(f.dependentRequired.get(name) ?? []), ...list])]);
      }
    },
  },
];
