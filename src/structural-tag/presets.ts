/**
 * Structural tags for common tool-call conventions, built from OpenAI-style tool definitions
 * (`{type: "function", function: {name, parameters}}` or bare `{name, parameters}`).
 */
import { GrammarError } from '../engine/errors.js';

/** An OpenAI-style tool definition (or just its `function` object). */
export type ToolDefinition =
  | { type?: 'function'; function: { name: string; parameters?: object | boolean } }
  | { name: string; parameters?: object | boolean };

/**
 * - `llama-3`: Llama 3.x JSON tool calls `{"name": "fn", "parameters": {...}}` (trigger `{"name": `).
 * - `qwen`: Qwen 2.5 / Qwen 3 (Hermes) `<tool_call>\n{"name": "fn", "arguments": {...}}\n</tool_call>`.
 * - `xml`: a generic XML-parameter style (Qwen3-Coder-like): `<function=fn>\n<parameter=key>\nvalue\n</parameter>\n…</function>`,
 *   string parameters as raw text, other parameters as JSON, in the schema's property order.
 */
export type ToolCallStyle = 'llama-3' | 'qwen' | 'xml';

export interface ToolTagOptions {
  /** `auto` (default): free text with any number of calls; `required`: at least one call first; `single`: exactly one call. */
  mode?: 'auto' | 'required' | 'single';
}

type JsonObject = Record<string, unknown>;

function normalize(tools: readonly ToolDefinition[]): Array<{ name: string; parameters: object | boolean }> {
  if (tools.length === 0) {
    throw new GrammarError('structural-tag', 'structuralTagForTools: at least one tool is needed', {
      pointer: '',
    });
  }
  return tools.map((tool, i) => {
    const fn = 'function' in tool ? tool.function : tool;
    if (!fn || typeof fn.name !== 'string' || fn.name === '') {
      throw new GrammarError('structural-tag', `tool ${i} has no function name`, { pointer: `/${i}` });
    }
    return { name: fn.name, parameters: fn.parameters ?? { type: 'object', properties: {} } };
  });
}

function xmlParameters(name: string, parameters: object | boolean): JsonObject {
  const schema = (typeof parameters === 'object' ? parameters : {}) as JsonObject;
  const properties = (schema.properties ?? {}) as Record<string, JsonObject | boolean>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const elements: JsonObject[] = [{ type: 'const_string', value: `<function=${name}>\n` }];
  for (const [key, property] of Object.entries(properties)) {
    const isString = typeof property === 'object' && property.type === 'string' && !('enum' in property);
    const value = isString ? { type: 'any_text' } : { type: 'json_schema', json_schema: property };
    const parameter = { type: 'tag', begin: `<parameter=${key}>\n`, content: value, end: '\n</parameter>\n' };
    elements.push(required.has(key) ? parameter : { type: 'optional', content: parameter });
  }
  return { type: 'sequence', elements };
}

/**
 * A structural tag (`{"type": "structural_tag", "format": …}`) that lets the model write free text and call
 * the given tools in one convention; each call's arguments must satisfy the tool's parameter schema.
 */
export function structuralTagForTools(
  tools: readonly ToolDefinition[],
  style: ToolCallStyle,
  options: ToolTagOptions = {},
): { type: 'structural_tag'; format: JsonObject } {
  const list = normalize(tools);
  let trigger: string;
  let tags: JsonObject[];
  switch (style) {
    case 'llama-3':
      trigger = '{"name": ';
      tags = list.map((t) => ({
        type: 'tag',
        begin: `{"name": ${JSON.stringify(t.name)}, "parameters": `,
        content: { type: 'json_schema', json_schema: t.parameters },
        end: '}',
      }));
      break;
    case 'qwen':
      trigger = '<tool_call>';
      tags = list.map((t) => ({
        type: 'tag',
        begin: `<tool_call>\n{"name": ${JSON.stringify(t.name)}, "arguments": `,
        content: { type: 'json_schema', json_schema: t.parameters },
        end: '}\n</tool_call>',
      }));
      break;
    case 'xml':
      trigger = '<function=';
      tags = list.map((t) => ({ type: 'tag', ...xmlTag(t.name, t.parameters), end: '</function>' }));
      break;
    default:
      throw new GrammarError('structural-tag', `unknown tool-call style ${JSON.stringify(style)}`, {
        pointer: '',
      });
  }
  const mode = options.mode ?? 'auto';
  return {
    type: 'structural_tag',
    format: {
      type: 'triggered_tags',
      triggers: [trigger],
      tags,
      at_least_one: mode !== 'auto',
      stop_after_first: mode === 'single',
    },
  };
}

/** The begin and content of an XML-style tag: the function name is part of the begin after the trigger. */
function xmlTag(name: string, parameters: object | boolean): JsonObject {
  const sequence = xmlParameters(name, parameters);
  const [head, ...rest] = sequence.elements as JsonObject[];
  return {
    begin: head!.value as string,
    content: rest.length === 0 ? { type: 'const_string', value: '' } : { type: 'sequence', elements: rest },
  };
}
