/**
 * `@huashu/sdk/assistant` — the objection-handling assistant, outcome reports,
 * knowledge contributions and learning packs, for reps signed in through a
 * rep token. A separate entry so lead-capture pages never download it.
 */
import { isErrorBody, type AskRequest, type AskResponse, type KnowledgeEntryInput, type OutcomeRequest } from '@huashu/core';
import { createSseParser } from './assistant/sse.js';
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

/**
 * Callbacks and filters of a streamed answer. The server sends
 * `event: token` with `data: {"text": "…"}` (a bare JSON string is accepted
 * too), `event: citations` with the cited entries, `event: done` at the end and
 * `event: error` with `{ "error": { code, message } }` on failure.
 */
export interface AnswerOptions extends Omit<AskRequest, 'question'> {
  /** Receives each piece of the answer as it is generated. */
  onToken(text: string): void;
  /** Receives the entries the answer cites (the `citations` payload as sent). */
  onCitations?(citations: unknown): void;
  signal?: AbortSignal;
}

export interface AnswerResult {
  /** The whole answer: every token, concatenated. */
  text: string;
  /** The last `citations` payload, `undefined` if none came. */
  citations: unknown;
}

export interface AssistantClient {
  /** The best-matching answer scripts with evidence and success rate (`POST /v1/assistant/ask`); `abstained` when nothing is relevant enough. */
  ask(request: AskRequest, options?: RequestOptions): Promise<AskResponse>;
  /** Streams an LLM answer grounded in the matched entries (`POST /v1/assistant/answer`); fails with `llm_unavailable` when the server has no LLM. */
  answer(question: string, options: AnswerOptions): Promise<AnswerResult>;
  /** Reports whether a script worked (`POST /v1/outcomes`); feeds the entry's success rate. Resolves with the server's JSON answer. */
  reportOutcome<T = unknown>(report: OutcomeRequest, options?: RequestOptions): Promise<T>;
  /** Submits a knowledge entry for review (`POST /v1/knowledge`); earns contribution points once approved. Resolves with the server's JSON answer. */
  contribute<T = unknown>(entry: KnowledgeEntryInput, options?: RequestOptions): Promise<T>;
  /** The next scenario learning pack for this rep, if any (`GET /v1/learning-packs/next`). Resolves with the server's JSON answer. */
  nextLearningPack<T = unknown>(options?: RequestOptions): Promise<T>;
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
    const result: AnswerResult = { text: '', citations: undefined };
    let done = false;
    const parser = createSseParser(({ event, data }) => {
      if (done) return;
      if (event === 'token') {
        const value = payload(data);
        const text = typeof value === 'string' ? value : (value as { text?: unknown })?.text;
        if (typeof text !== 'string') throw new HuashuApiError('invalid_response', 'a token event carried no text');
        result.text += text;
        onToken(text);
      } else if (event === 'citations') {
        result.citations = payload(data);
        onCitations?.(result.citations);
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
    reportOutcome: (report, options) => post('/v1/outcomes', report, options),
    contribute: (entry, options) => post('/v1/knowledge', entry, options),
    nextLearningPack: (options = {}) => transport.json('/v1/learning-packs/next', { signal: options.signal }),
  };
}

export { HuashuApiError } from './transport.js';
export type { ErrorDetails, FetchLike, HuashuErrorCode, SdkErrorCode } from './transport.js';
export type { AskMatch, AskRequest, AskResponse, FieldIssue, KnowledgeEntryInput, OutcomeRequest } from '@huashu/core';
