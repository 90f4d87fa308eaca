import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** Node's parser limit for a request head (`--max-http-header-size`); named here for the message. */
const HEAD_LIMIT_KB = 16;

/**
 * Requests Node's HTTP parser refuses never reach Express, so by default they
 * get a bare status line. This answers them in the API's one error shape, so a
 * client branching on `error.code` still can: 431 for a head over the limit
 * (a very long query string or cookie), 400 for a head that does not parse.
 */
export function answerParserErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A reset or timed-out socket has no one left to answer.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const body = JSON.stringify({
      error: tooLarge
        ? { code: 'headers_too_large', message: `the request head is over ${HEAD_LIMIT_KB} KB: send long input in a JSON body instead of the query string` }
        : { code: 'bad_request', message: 'the request is not valid HTTP' },
    });
    socket.end(
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
