/**
 * Renders chat messages with the tokenizer's Jinja chat template (@huggingface/jinja), like SGLang's jinja path:
 * `apply_chat_template(messages, tokenize=False, add_generation_prompt=True, tools=..., **chat_template_kwargs)`.
 * Tokenizers without a template get a plain `role: content` transcript ending in `assistant:`.
 */
import { Template } from '@huggingface/jinja';
import { BadRequestError } from './errors.js';
import type { ServerTokenizer } from './tokenizer.js';

/** A chat message after validation; content parts are flattened to text. */
export interface ChatMessage {
  role: string;
  content: string;
  [key: string]: unknown;
}

const templates = new Map<string, Template>();

function compiled(source: string): Template {
  let template = templates.get(source);
  if (!template) {
    template = new Template(source);
    templates.set(source, template);
  }
  return template;
}

/** Flattens OpenAI content (string or list of parts) to text; non-text parts are a 400 on a text-only model. */
export function messageText(content: unknown, where: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part, i) => {
        const p = part as { type?: unknown; text?: unknown };
        if (p && p.type === 'text' && typeof p.text === 'string') return p.text;
        throw new BadRequestError(
          `${where}.content[${i}] has type ${JSON.stringify(p?.type)}; the embedded model accepts only text parts.`,
        );
      })
      .join('');
  }
  throw new BadRequestError(`${where}.content must be a string or a list of content parts.`);
}

/** Renders the prompt text of a chat request. */
export function renderChat(
  tokenizer: ServerTokenizer,
  messages: readonly ChatMessage[],
  options: { tools?: unknown; addGenerationPrompt?: boolean; kwargs?: Record<string, unknown> } = {},
): string {
  const addGenerationPrompt = options.addGenerationPrompt ?? true;
  const source = tokenizer.chatTemplate;
  if (!source) {
    const lines = messages.map((m) => `${m.role}: ${m.content}`);
    if (addGenerationPrompt) lines.push('assistant:');
    return lines.join('\n');
  }
  try {
    return compiled(source).render({
      messages,
      add_generation_prompt: addGenerationPrompt,
      tools: options.tools ?? null,
      ...tokenizer.specialTokenStrings,
      ...(options.kwargs ?? {}),
    });
  } catch (error) {
    throw new BadRequestError(`Failed to apply the chat template: ${(error as Error).message}`);
  }
}
