/**
 * The schema IR between JSON Schema documents and grammar expressions (after llguidance's two stages).
 *
 * A `SchemaNode` is a union split by JSON type: for each type, a list of facets (alternatives) whose union is
 * the set of allowed values of that type; an empty list means the type is not allowed. This normal form makes
 * `allOf` a per-type intersection and `not` a per-type complement. `$ref`s stay lazy (`RefNode`) so recursive
 * schemas become recursive grammar rules.
 */

/** Bounds of a number facet; each bound is a JS number (schema numbers are parsed as doubles). */
export interface NumberFacet {
  integer: boolean;
  /** Draft-04 `integer`: written without fraction or exponent (a restriction of the texts only). */
  integerText?: boolean;
  /** The value must NOT be an integer (from negating `type: integer`). */
  nonInteger?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  /** All must divide the value. */
  multipleOf: number[];
  /** When present, the only allowed values (already filtered by the other constraints). */
  values?: number[];
  /** Excluded values (from negated `enum`/`const`). */
  notValues?: number[];
  /** The value must not be a multiple of any of these (from negated `multipleOf`). */
  notMultipleOf?: number[];
}

export interface StringFacet {
  minLength: number;
  maxLength: number;
  /** ECMA (`u` flag) patterns with search semantics; all must match. */
  patterns: string[];
  /** Patterns that must NOT match (from `not`, `oneOf`, `if`). */
  notPatterns: string[];
  formats: string[];
  /** When present, the only allowed values (already filtered by the other constraints). */
  values?: string[];
  /** Values that are excluded. */
  notValues: string[];
}

export interface ArrayFacet {
  prefix: SchemaNode[];
  /** Schema of the items after the prefix (an unsatisfiable node forbids them). */
  items: SchemaNode;
  minItems: number;
  maxItems: number;
  /** `contains` constraints: between `min` and `max` items match `node` (`pointer` names the keyword). */
  contains?: Array<{ node: SchemaNode; min: number; max: number; pointer: string }>;
  /** Items evaluated by the schemas this facet came from (for `unevaluatedItems`): a prefix length or all. */
  evaluatedItems: number | 'all';
  /** When set, items must be pairwise distinct; the JSON pointer of the `uniqueItems` keyword (for errors). */
  uniqueItems?: string;
}

export interface ObjectFacet {
  /** Declared properties in generation order. */
  properties: Map<string, SchemaNode>;
  /** Required names in order of first mention. */
  required: string[];
  patternProperties: Array<[string, SchemaNode]>;
  additional: SchemaNode;
  /** Schema every key must satisfy (a string-only node), or undefined. */
  propertyNames?: SchemaNode;
  minProperties: number;
  maxProperties: number;
  /** dependentRequired: when the key is present, these names must be present too. */
  dependentRequired: Map<string, string[]>;
  /**
   * Property names evaluated by the schemas this facet came from (for `unevaluatedProperties`); `'all'` once
   * `additionalProperties` (or `unevaluatedProperties`) applied. Keys matching `patternProperties` count too.
   */
  evaluated: Set<string> | 'all';
}

/** A union over JSON types. */
export interface UnionNode {
  readonly kind: 'union';
  null: boolean;
  true: boolean;
  false: boolean;
  number: NumberFacet[];
  string: StringFacet[];
  array: ArrayFacet[];
  object: ObjectFacet[];
}

/** A lazily resolved schema (a `$ref`, or the intersection of two recursive schemas). */
export interface RefNode {
  readonly kind: 'ref';
  readonly id: number;
  /** A readable name for the grammar rule. */
  readonly name: string;
  /**
   * True for nodes that may be recursive (`$ref` targets, intersections of those): lowered as grammar rules.
   * False for subschemas compiled on demand (property values, items), which are lowered inline.
   */
  readonly rule: boolean;
  /** Computes the target on first use. */
  readonly resolve: () => SchemaNode;
  resolved?: SchemaNode;
}

export type SchemaNode = UnionNode | RefNode;

let nextRefId = 0;

/** A new lazy node. */
export function refNode(name: string, resolve: () => SchemaNode, rule = true): RefNode {
  return { kind: 'ref', id: nextRefId++, name, resolve, rule };
}

/** Resolves a lazy node (following chains of refs); guards against `$ref` cycles with no content. */
export function deref(node: SchemaNode): UnionNode {
  let n = node;
  const seen = new Set<RefNode>();
  while (n.kind === 'ref') {
    if (seen.has(n)) return nothingNode();
    seen.add(n);
    if (!n.resolved) n.resolved = n.resolve();
    n = n.resolved;
  }
  return n;
}

export function unconstrainedNumber(integer = false): NumberFacet {
  return { integer, multipleOf: [] };
}

export function unconstrainedString(): StringFacet {
  return {
    minLength: 0,
    maxLength: Number.POSITIVE_INFINITY,
    patterns: [],
    notPatterns: [],
    formats: [],
    notValues: [],
  };
}

export function unconstrainedArray(): ArrayFacet {
  return { prefix: [], items: ANY, minItems: 0, maxItems: Number.POSITIVE_INFINITY, evaluatedItems: 0 };
}

export function unconstrainedObject(): ObjectFacet {
  return {
    properties: new Map(),
    required: [],
    patternProperties: [],
    additional: ANY,
    minProperties: 0,
    maxProperties: Number.POSITIVE_INFINITY,
    dependentRequired: new Map(),
    evaluated: new Set(),
  };
}

/** The one shared "any value" node (its array items and additional properties are itself). */
const ANY: UnionNode = {
  kind: 'union',
  null: true,
  true: true,
  false: true,
  number: [],
  string: [],
  array: [],
  object: [],
};
ANY.number.push(unconstrainedNumber());
ANY.string.push(unconstrainedString());
ANY.array.push(unconstrainedArray());
ANY.object.push(unconstrainedObject());

/** The node accepting every JSON value (shared: never mutate it). */
export function anyNode(): UnionNode {
  return ANY;
}

/** The node accepting nothing. */
export function nothingNode(): UnionNode {
  return {
    kind: 'union',
    null: false,
    true: false,
    false: false,
    number: [],
    string: [],
    array: [],
    object: [],
  };
}

/** True if a (resolved) union allows no type at all. Facets themselves are assumed satisfiable. */
export function isNothing(node: SchemaNode): boolean {
  if (node.kind === 'ref') return false;
  return (
    !node.null &&
    !node.true &&
    !node.false &&
    node.number.length === 0 &&
    node.string.length === 0 &&
    node.array.length === 0 &&
    node.object.length === 0
  );
}

/** True if the node is syntactically the unconstrained "any value". */
export function isAnyNode(node: SchemaNode): boolean {
  if (node === ANY) return true;
  if (node.kind === 'ref') return false;
  if (!node.null || !node.true || !node.false) return false;
  const one = <T>(list: T[], test: (f: T) => boolean): boolean => list.length === 1 && test(list[0]!);
  return (
    one(node.number, isUnconstrainedNumber) &&
    one(node.string, isUnconstrainedString) &&
    one(node.array, isUnconstrainedArray) &&
    one(node.object, isUnconstrainedObject)
  );
}

export function isUnconstrainedNumber(f: NumberFacet): boolean {
  return (
    !f.integer &&
    !f.nonInteger &&
    f.minimum === undefined &&
    f.maximum === undefined &&
    f.exclusiveMinimum === undefined &&
    f.exclusiveMaximum === undefined &&
    f.multipleOf.length === 0 &&
    f.values === undefined &&
    !f.notValues?.length &&
    !f.notMultipleOf?.length
  );
}

export function isUnconstrainedString(f: StringFacet): boolean {
  return (
    f.minLength === 0 &&
    f.maxLength === Number.POSITIVE_INFINITY &&
    f.patterns.length === 0 &&
    f.notPatterns.length === 0 &&
    f.formats.length === 0 &&
    f.values === undefined &&
    f.notValues.length === 0
  );
}

export function isUnconstrainedArray(f: ArrayFacet): boolean {
  return (
    f.prefix.length === 0 &&
    isAnyNode(f.items) &&
    f.minItems === 0 &&
    f.maxItems === Number.POSITIVE_INFINITY &&
    !f.uniqueItems &&
    !f.contains?.length &&
    f.evaluatedItems !== 'all'
  );
}

export function isUnconstrainedObject(f: ObjectFacet): boolean {
  return (
    f.properties.size === 0 &&
    f.required.length === 0 &&
    f.patternProperties.length === 0 &&
    isAnyNode(f.additional) &&
    f.propertyNames === undefined &&
    f.minProperties === 0 &&
    f.maxProperties === Number.POSITIVE_INFINITY &&
    f.dependentRequired.size === 0 &&
    f.evaluated !== 'all'
  );
}
