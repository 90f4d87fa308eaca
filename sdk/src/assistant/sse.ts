/** One server-sent event: its `event:` name (`message` when absent) and its `data:` lines joined by `\n`. */
export interface SseEvent {
  event: string;
  data: string;
}

export interface SseParser {
  /** Feeds decoded text; chunks may split lines, line endings and events anywhere. */
  push(text: string): void;
  /** The stream ended: a `\r` held back in case `\n` followed now counts as the line end it was. */
  end(): void;
}

/**
 * An incremental parser for `text/event-stream` (WHATWG HTML, "Server-sent
 * events"): lines end in `\n`, `\r\n` or `\r`; `data:` lines accumulate and a
 * blank line dispatches them; lines starting with `:` are comments (keep-alive
 * pings). `id:` and `retry:` are ignored because an answer stream is never
 * resumed — asking again is a new request. A trailing event without its blank
 * line is discarded, as the standard requires: the stream was cut off.
 */
export function createSseParser(onEvent: (event: SseEvent) => void): SseParser {
  let pending = '';
  let data: string[] = [];
  let name = '';

  const processLine = (line: string) => {
    if (line === '') {
      if (data.length) onEvent({ event: name || 'message', data: data.join('\n') });
      data = [];
      name = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') name = value;
  };

  return {
    push(text) {
      pending += text;
      // A `\r` at the very end may be the first half of `\r\n`; wait for the next chunk to tell.
      const heldCarriageReturn = pending.endsWith('\r');
      const lines = (heldCarriageReturn ? pending.slice(0, -1) : pending).split(/\r\n|\r|\n/);
      pending = lines.pop()! + (heldCarriageReturn ? '\r' : '');
      lines.forEach(processLine);
    },
    end() {
      if (pending.endsWith('\r')) processLine(pending.slice(0, -1));
      pending = '';
    },
  };
}
