import { describe, expect, it } from 'vitest';
import { createSseParser, type SseEvent } from './sse.js';

function parse(chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser((event) => events.push(event));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return events;
}

/** Every way of cutting `text` into two chunks, plus one character at a time. */
function splits(text: string): string[][] {
  const ways = [[text], [...text]];
  for (let i = 1; i < text.length; i++) ways.push([text.slice(0, i), text.slice(i)]);
  return ways;
}

describe('createSseParser', () => {
  it('dispatches named events with their data on a blank line', () => {
    expect(parse(['event: token\ndata: {"text":"你好"}\n\nevent: done\ndata: {}\n\n'])).toEqual([
      { event: 'token', data: '{"text":"你好"}' },
      { event: 'done', data: '{}' },
    ]);
  });

  it('gives the same events however the stream is chunked, for \\n, \\r\\n and \\r line endings', () => {
    for (const newline of ['\n', '\r\n', '\r']) {
      const stream = ['event: token', 'data: {"text":"a"}', '', ': keep-alive', 'data: line one', 'data: line two', '', ''].join(newline);
      const expected = [
        { event: 'token', data: '{"text":"a"}' },
        { event: 'message', data: 'line one\nline two' },
      ];
      for (const chunks of splits(stream)) expect(parse(chunks), JSON.stringify(chunks)).toEqual(expected);
    }
  });

  it('joins multi-line data with \\n and keeps only one leading space of each value', () => {
    expect(parse(['data:{"a":\n', 'data:   1}\n\n'])).toEqual([{ event: 'message', data: '{"a":\n  1}' }]);
  });

  it('does not dispatch a \\r\\n pair split across chunks as two line ends', () => {
    expect(parse(['data: x\r', '\ndata: y\r\n\r\n'])).toEqual([{ event: 'message', data: 'x\ny' }]);
  });

  it('ignores comments, unknown fields and events without data, and resets the name after each event', () => {
    expect(parse([': ping\n\nretry: 1000\nid: 7\nevent: citations\n\ndata: plain\n\n'])).toEqual([{ event: 'message', data: 'plain' }]);
  });

  it('discards a final event that never got its blank line (the stream was cut off)', () => {
    expect(parse(['event: token\ndata: {"text":"a"}\n\nevent: token\ndata: {"text":"b"}\n'])).toEqual([
      { event: 'token', data: '{"text":"a"}' },
    ]);
  });
});
