import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import type { Response } from 'express';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import type { AskMatch } from '@huashu/core';

/** A chat model when one is configured; the assistant works without. */
export function createChatModel(config: Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'HUASHU_CHAT_MODEL'>): BaseChatModel | undefined {
  if (!config.OPENAI_API_KEY && !config.HUASHU_CHAT_MODEL) return undefined;
  return new ChatOpenAI({
    model: config.HUASHU_CHAT_MODEL ?? 'gpt-4o-mini',
    apiKey: config.OPENAI_API_KEY ?? 'not-needed',
    configuration: config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : undefined,
    temperature: 0.2,
    streaming: true,
  });
}

export const ABSTAIN_MESSAGE = {
  zh: '知识库里还没有相关话术，要不要提交一条？',
  en: 'The knowledge base has no script for this yet. Would you like to contribute one?',
};

const SYSTEM_PROMPT = `你是一名资深销售教练。只根据下面编号的话术条目回答销售的问题，不要编造任何条目里没有的事实、数字、案例或承诺。
用 2–4 句话给出可以直接对客户说的回应，并在用到某条内容的句子后标注来源，如 [1] [2]。
如果条目不足以回答，就直说知识库里没有，不要猜。用提问者使用的语言回答（中文问题用中文，英文问题用英文）。`;

export function groundingPrompt(question: string, matches: readonly AskMatch[]): string {
  const sources = matches
    .map((match, index) => {
      const evidence = match.entry.evidence.map((item) => `${item.kind}: ${item.title}`).join('；');
      return `[${index + 1}] 客户原话：${match.entry.question}\n标准话术：${match.entry.answer}\n佐证：${evidence}`;
    })
    .join('\n\n');
  return `话术条目：\n${sources}\n\n销售的问题：${question}`;
}

function send(res: Response, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * Streams a short answer grounded in the matched entries as server-sent events:
 * `citations` (the numbered entries), `token` (text deltas), then `done`; or
 * `abstained` + `done` without calling the model when nothing matched.
 */
export async function streamAnswer(
  res: Response,
  chat: BaseChatModel,
  question: string,
  matches: readonly AskMatch[],
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  const english = !/\p{Script=Han}/u.test(question);
  if (matches.length === 0) {
    send(res, 'abstained', { message: english ? ABSTAIN_MESSAGE.en : ABSTAIN_MESSAGE.zh });
    send(res, 'done', {});
    res.end();
    return;
  }
  send(res, 'citations', matches.map((match, index) => ({ index: index + 1, entryId: match.entry.id, question: match.entry.question })));
  try {
    const stream = await chat.stream([new SystemMessage(SYSTEM_PROMPT), new HumanMessage(groundingPrompt(question, matches))], { signal });
    for await (const chunk of stream) {
      const text = typeof chunk.content === 'string' ? chunk.content : chunk.content.map((part) => ('text' in part ? part.text : '')).join('');
      if (text) send(res, 'token', { text });
    }
    send(res, 'done', {});
  } catch (error) {
    if (!signal.aborted) {
      // The stream has started, so the error middleware cannot answer: log here, tell the client in-band.
      logger.error({ err: error }, 'chat model failed while streaming an answer');
      send(res, 'error', { code: 'llm_unavailable', message: 'the chat model failed; the matched scripts above still apply' });
    }
  } finally {
    res.end();
  }
}
