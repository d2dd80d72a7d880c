import { describe, expect, it } from 'vitest';
import { GrammarError } from '../../src/engine/errors.js';
import { grammarAcceptsString } from '../../src/engine/strings.js';
import { structuralTagForTools, structuralTagToGrammar } from '../../src/structural-tag/index.js';

const tools = [
  {
    type: 'function' as const,
    function: {
      name: 'search',
      parameters: {
        type: 'object',
        properties: { query: { type: 'string' }, limit: { type: 'integer' } },
        required: ['query'],
      },
    },
  },
  { name: 'now' },
];

function accepts(tag: object, text: string): boolean {
  return grammarAcceptsString(structuralTagToGrammar(tag).grammar, text);
}

describe('structuralTagForTools', () => {
  it('llama-3 JSON calls', () => {
    const tag = structuralTagForTools(tools, 'llama-3');
    expect(accepts(tag, 'Sure. {"name": "search", "parameters": {"query": "x", "limit": 3}}')).toBe(true);
    expect(accepts(tag, '{"name": "now", "parameters": {}}')).toBe(true);
    expect(accepts(tag, '{"name": "search", "parameters": {"limit": 3}}')).toBe(false);
    expect(accepts(tag, '{"name": "other", "parameters": {}}')).toBe(false);
  });
  it('qwen <tool_call> calls', () => {
    const tag = structuralTagForTools(tools, 'qwen');
    expect(accepts(tag, 'a<tool_call>\n{"name": "search", "arguments": {"query": "q"}}\n</tool_call>b')).toBe(
      true,
    );
    expect(accepts(tag, '<tool_call>\n{"name": "search", "arguments": {"query": 1}}\n</tool_call>')).toBe(
      false,
    );
    expect(accepts(tag, '<tool_call>{"name": "now"}</tool_call>')).toBe(false);
  });
  it('xml parameter calls: strings raw, other values JSON, optional parameters', () => {
    const tag = structuralTagForTools(tools, 'xml');
    const call =
      '<function=search>\n<parameter=query>\nany </text>\n</parameter>\n<parameter=limit>\n5\n</parameter>\n</function>';
    expect(accepts(tag, `text ${call} more`)).toBe(true);
    expect(accepts(tag, '<function=search>\n<parameter=query>\nx\n</parameter>\n</function>')).toBe(true);
    expect(accepts(tag, '<function=search>\n<parameter=limit>\n5\n</parameter>\n</function>')).toBe(false);
    expect(
      accepts(tag, '<function=search>\n<parameter=query>\nx\n</parameter>\n</parameter>\n</function>'),
    ).toBe(false);
    expect(accepts(tag, '<function=now>\n</function>')).toBe(true);
  });
  it('modes: required and single', () => {
    const call = '{"name": "now", "parameters": {}}';
    const required = structuralTagForTools(tools, 'llama-3', { mode: 'required' });
    expect(accepts(required, 'text')).toBe(false);
    expect(accepts(required, `${call} and ${call}`)).toBe(true);
    const single = structuralTagForTools(tools, 'llama-3', { mode: 'single' });
    expect(accepts(single, call)).toBe(true);
    expect(accepts(single, `${call} `)).toBe(false);
  });
  it('rejects empty tool lists and nameless tools', () => {
    expect(() => structuralTagForTools([], 'qwen')).toThrow(GrammarError);
    expect(() => structuralTagForTools([{ name: '' }], 'qwen')).toThrow(/tool 0 has no function name/);
  });
});
