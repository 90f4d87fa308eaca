import { FakeListChatModel } from '@langchain/core/utils/testing';
import { describe, expect, it } from 'vitest';
import { extractWithModel } from './model.js';

const NOTE = '客户王总确认下周三看工厂，要求带PLC通讯协议文档，预算范围80-120万';
const SUNDAY = '2026-12-06T10:00:00+08:00';

/** LangChain's fake model answers structured output with its JSON response (ChatOpenAI would through a tool call). */
const toolModel = (args: unknown) => new FakeListChatModel({ responses: [JSON.stringify(args)] });

describe('the chat-model layer (LangChain structured output, the API’s zod schema)', () => {
  it('takes a valid answer and drops what the note does not say', async () => {
    const fields = await extractWithModel(
      toolModel({
        contacts: [{ surname: '王', title: '总' }, { surname: '赵', title: '总' }],
        // 下周三 said on a Sunday is 12-09; a model counting Sunday-weeks would say 12-16.
        meeting: { date: '2026-12-16', purpose: '看工厂' },
        documentsRequested: ['PLC通讯协议文档', '营业执照'],
        budget: { min: 800000, max: 1200000, currency: 'CNY' },
        competitors: ['西门子'],
        nextSteps: ['准备PLC通讯协议文档'],
      }),
      NOTE,
      SUNDAY,
    );
    expect(fields).toEqual({
      contacts: [{ surname: '王', title: '总' }],
      meeting: null,
      documentsRequested: ['PLC通讯协议文档'],
      budget: { min: 800000, max: 1200000, currency: 'CNY' },
      competitors: [],
      nextSteps: ['准备PLC通讯协议文档'],
    });
  });

  it('answers nothing for an answer outside the schema (the service falls back to the rules)', async () => {
    await expect(extractWithModel(toolModel({ contacts: 'Wang', meeting: null }), NOTE, SUNDAY)).resolves.toBeUndefined();
  });
});
