/**
 * Tool calling for /v1/chat/completions: the constraint for `tool_choice` "required" or a named function (a
 * structural tag from src/structural-tag, in the model family's convention) and the parser that turns generated
 * text into OpenAI `tool_calls`. Conventions: Llama 3 JSON calls `{"name": ..., "parameters": {...}}` and Qwen /
 * Hermes `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` (chosen from the chat template).
 */
import { randomUUID } from 'node:crypto';
import { structuralTagForTools, type ToolCallStyle, type ToolDefinition } from '../structural-tag/index.js';
import { BadRequestError } from './errors.js';

/** An OpenAI tool call in a response message. */
export interface ToolCall {
  id: string;
  index: number;
  type: 'function';
  function: { name: string; arguments: string };
}

/** The tool-call convention of a chat template. */
export function toolCallStyle(chatTemplate: string | undefined): ToolCallStyle {
  return chatTemplate?.includes('<tool_call>') ? 'qwen' : 'llama-3';
}

/** Names of the request's function tools (validated). */
function toolNames(tools: readonly unknown[]): string[] {
  return tools.map((tool, i) => {
    const fn = (tool as { function?: { name?: unknown } } | null)?.function;
    if (!fn || typeof fn.name !== 'string' || fn.name === '') {
      throw new BadRequestError(
        `tools[${i}] must be {"type": "function", "function": {"name": ..., "parameters": ...}}.`,
        'BadRequest',
      );
    }
    return fn.name;
  });
}

/**
 * The structural tag (as JSON text) that `tool_choice` asks for: "required" → at least one call of any tool; a
 * named function → exactly one call of it; "auto"/"none"/absent → null (free text).
 */
export function toolConstraint(
  tools: readonly unknown[] | undefined,
  toolChoice: unknown,
  style: ToolCallStyle,
): string | null {
  if (!tools || tools.length === 0) return null;
  const names = toolNames(tools);
  if (toolChoice === 'required') {
    return JSON.stringify(structuralTagForTools(tools as ToolDefinition[], style, { mode: 'required' }));
  }
  if (toolChoice && typeof toolChoice === 'object') {
    const name = (toolChoice as { function?: { name?: unknown } }).function?.name;
    const index = names.indexOf(String(name));
    return JSON.stringify(structuralTagForTools([tools[index] as ToolDefinition], style, { mode: 'single' }));
  }
  return null;
}

/** Reads one JSON value starting at `start`; returns it and the index after it, or null. */
function readJsonValue(text: string, start: number): { value: unknown; end: number } | null {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) {
        try {
          return { value: JSON.parse(text.slice(start, i + 1)), end: i + 1 };
        } catch {
          return null;
        }
      }
    }
  }
  return null;
}

/**
 * Splits generated text into leading content and tool calls of known tools. Text that does not parse as a call
 * stays content.
 */
export function parseToolCalls(
  text: string,
  tools: readonly unknown[],
  style: ToolCallStyle,
): { content: string; calls: ToolCall[] } {
  const names = new Set(toolNames(tools));
  const calls: ToolCall[] = [];
  const opener = style === 'qwen' ? '<tool_call>' : '{"name"';
  let firstCall = -1;
  let at = text.indexOf(opener);
  while (at >= 0) {
    const jsonStart = style === 'qwen' ? text.indexOf('{', at) : at;
    const parsed = jsonStart >= 0 ? readJsonValue(text, jsonStart) : null;
    const call = parsed?.value as { name?: unknown; parameters?: unknown; arguments?: unknown } | undefined;
    if (!parsed || !call || typeof call.name !== 'string' || !names.has(call.name)) break;
    if (firstCall < 0) firstCall = at;
    calls.push({
      id: `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
      index: calls.length,
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.parameters ?? call.arguments ?? {}) },
    });
    let next = parsed.end;
    if (style === 'qwen') {
      const close = text.indexOf('</tool_call>', next);
      if (close >= 0) next = close + '</tool_call>'.length;
    }
    at = text.indexOf(opener, next);
  }
  return { content: firstCall < 0 ? text : text.slice(0, firstCall).trim(), calls };
}
