/**
 * `@huashu/sdk/assistant` — the objection-handling assistant, outcome reports,
 * knowledge contributions and learning packs, for reps signed in through a
 * rep token. A separate entry so lead-capture pages never download it.
 */
import {
  isErrorBody,
  type AskRequest,
  type NextPackResponse,
  type AskResponse,
  type KnowledgeEntry,
  type KnowledgeEntryInput,
  type OutcomeRequest,
  type SuccessRate,
} from '@huashu/core';
import { createSseParser } from './assistant/sse.js';
import { createKnowledgeOpsClient, type PackScenario } from './knowledge-ops.js';
import { createTransport, HuashuApiError, toApiError, type FetchLike } from './transport.js';

export interface AssistantClientOptions {
  /** Base URL of the Huashu API, e.g. `https://huashu.example.com`. */
  endpoint: string;
  /** A rep token minted by the CRM's backend. Use `getRepToken` instead when tokens expire during a session. */
  repToken?: string;
  /** Called before every request; return a cached token and re-mint it when it nears expiry. */
  getRepToken?: () => string | Promise<string>;
  /** @default globalThis.fetch */
  fetch?: FetchLike;
}

/** Per-call options of the request/response methods. */
export interface RequestOptions {
  signal?: AbortSignal;
}

/** An entry the streamed answer may cite as `[index]`. */
export interface AnswerCitation {
  index: number;
  entryId: string;
  /** The customer question of the cited entry. */
  question: string;
}

/**
 * Callbacks and filters of a streamed answer. The server sends, as
 * server-sent events with JSON data: `citations` (the numbered entries),
 * `token` (`{ text }` deltas), then `done`; `abstained` (`{ message }`) instead
 * when nothing in the knowledge base matches; `error` (`{ code, message }`) if
 * the model fails midway.
 */
export interface AnswerOptions extends Omit<AskRequest, 'question'> {
  /** Receives each piece of the answer as it is generated. */
  onToken(text: string): void;
  /** Receives the entries the answer will cite, before the first token. */
  onCitations?(citations: AnswerCitation[]): void;
  signal?: AbortSignal;
}

export interface AnswerResult {
  /** The whole answer: every token, concatenated. */
  text: string;
  citations: AnswerCitation[];
  /** Set, with the server's suggestion to contribute an entry, when the assistant abstained instead of answering. */
  abstained?: { message: string };
}

/** The entry's success rate after an outcome report. */
export interface OutcomeResult {
  entryId: string;
  successRate: SuccessRate;
}

export interface AssistantClient {
  /**
   * The best-matching answer scripts with evidence and success rate (`POST /v1/assistant/ask`).
   * `confidence` is `high` (show as answers), `low` (show under 「可能相关」 with the
   * contribute prompt) or `none` (= `abstained`, off-topic, no matches); each match
   * carries its own `confidence`. Pass `context: { leadId, industry, product, lang }`
   * to prefer the lead's industry and product and the rep's language. Keep the
   * `askId` and send it with {@link reportOutcome}: a success teaches the question
   * to the entry.
   */
  ask(request: AskRequest, options?: RequestOptions): Promise<AskResponse>;
  /** Streams an LLM answer grounded in the matched entries (`POST /v1/assistant/answer`); fails with `llm_unavailable` when the server has no LLM. */
  answer(question: string, options: AnswerOptions): Promise<AnswerResult>;
  /** Reports whether a script worked (`POST /v1/outcomes`), with the `askId` of the question it answered; resolves with the entry's updated success rate. */
  reportOutcome(report: OutcomeRequest, options?: RequestOptions): Promise<OutcomeResult>;
  /** Submits a knowledge entry (`POST /v1/knowledge`); from a rep it starts in `pending_review`. Resolves with the stored entry. */
  contribute(entry: KnowledgeEntryInput, options?: RequestOptions): Promise<KnowledgeEntry>;
  /**
   * The pack for a scenario this rep meets for the first time, or `{ pack: null }`
   * (`GET /v1/learning-packs/next`). The server needs the scenario — a lead, an
   * industry or tags — and answers 400 without one; the same call as
   * `createKnowledgeOpsClient().nextLearningPack`.
   */
  nextLearningPack(scenario: PackScenario, options?: RequestOptions): Promise<NextPackResponse>;
}

/** Decodes a JSON payload of the stream; a malformed one is a protocol error, not something to guess around. */
function payload(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch (cause) {
    throw new HuashuApiError('invalid_response', 'the answer stream sent data that is not JSON', { cause });
  }
}

/**
 * Creates the assistant client. Every method rejects with a
 * {@link HuashuApiError} (`code`, `status`, `message`, `issues`), the same type
 * the core entry uses, through the same transport.
 */
export function createAssistantClient({ endpoint, repToken, getRepToken, fetch }: AssistantClientOptions): AssistantClient {
  const transport = createTransport({ endpoint, fetch, credential: async () => repToken ?? (await getRepToken?.()) });
  const ops = createKnowledgeOpsClient({ endpoint, repToken, getRepToken, fetch });
  const post = <T>(path: string, body: unknown, options: RequestOptions = {}) =>
    transport.json<T>(path, { method: 'POST', body, signal: options.signal });

  async function answer(question: string, { onToken, onCitations, signal, ...filters }: AnswerOptions): Promise<AnswerResult> {
    const response = await transport.send('/v1/assistant/answer', {
      method: 'POST',
      body: { question, ...filters },
      signal,
      accept: 'text/event-stream',
    });
    const reader = response.body?.getReader();
    if (!reader) throw new HuashuApiError('invalid_response', 'the answer stream has no body', { status: response.status });
    // Streaming mode keeps a multi-byte character split across chunks (every Chinese character is three bytes) intact.
    const decoder = new TextDecoder();
    const result: AnswerResult = { text: '', citations: [] };
    let done = false;
    const parser = createSseParser(({ event, data }) => {
      if (done) return;
      if (event === 'token') {
        const text = (payload(data) as { text?: unknown })?.text;
        if (typeof text !== 'string') throw new HuashuApiError('invalid_response', 'a token event carried no text');
        result.text += text;
        onToken(text);
      } else if (event === 'citations') {
        result.citations = payload(data) as AnswerCitation[];
        onCitations?.(result.citations);
      } else if (event === 'abstained') {
        result.abstained = { message: String((payload(data) as { message?: unknown })?.message ?? '') };
      } else if (event === 'error') {
        const value = payload(data);
        const error = (isErrorBody(value) ? value.error : value) as { code?: unknown; message?: unknown; details?: never };
        throw new HuashuApiError(typeof error?.code === 'string' ? (error.code as never) : 'internal', String(error?.message ?? 'the answer failed'), {
          status: response.status,
          details: error?.details,
        });
      } else if (event === 'done') done = true;
    });
    try {
      while (!done) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (cause) {
          throw signal?.aborted
            ? new HuashuApiError('aborted', 'the answer was aborted', { cause })
            : new HuashuApiError('network_error', 'the answer stream broke off', { cause });
        }
        if (chunk.done) {
          parser.push(decoder.decode());
          parser.end();
          break;
        }
        // A callback's own exception ends the stream and rejects the answer (as code `unexpected`).
        parser.push(decoder.decode(chunk.value, { stream: true }));
      }
    } finally {
      // Stops the download on error or after `done`; the server may keep the connection open.
      reader.cancel().catch(() => undefined);
    }
    if (!done) throw new HuashuApiError('network_error', 'the answer stream ended before its done event');
    return result;
  }

  return {
    ask: (request, options) => post<AskResponse>('/v1/assistant/ask', request, options),
    answer: async (question, options) => {
      try {
        return await answer(question, options);
      } catch (error) {
        throw toApiError(error);
      }
    },
    reportOutcome: (report, options) => post<OutcomeResult>('/v1/outcomes', report, options),
    contribute: (entry, options) => post<KnowledgeEntry>('/v1/knowledge', entry, options),
    nextLearningPack: (scenario, options) => ops.nextLearningPack(scenario, options),
  };
}

export { HuashuApiError } from './transport.js';
export * from './knowledge-ops.js';
export type { ErrorDetails, FetchLike, HuashuErrorCode, SdkErrorCode } from './transport.js';
export type {
  AskContext,
  AskMatch,
  AskRequest,
  AskResponse,
  Confidence,
  FieldIssue,
  KnowledgeEntry,
  KnowledgeEntryInput,
  LearnResult,
  OutcomeRequest,
  SuccessRate,
} from '@huashu/core';
