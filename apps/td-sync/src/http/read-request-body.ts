import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import type { Readable } from 'node:stream';

/**
 * Reads a request body into one buffer, refusing it with 413 as soon as it is
 * known to be over `limitBytes`: at once when its Content-Length says so,
 * otherwise (chunked) when the bytes received pass the limit, after which the
 * rest is discarded as it arrives. With a Content-Length the buffer is
 * allocated once at its size, so a body costs its size, not twice it.
 *
 * The app's body parsers call this only for requests the admission stage let
 * through; Fastify's own reading (parseAs) would read the body of every
 * request that reaches a parser, refused ones included.
 */
export function readRequestBody(payload: Readable, contentLength: number | undefined, limitBytes: number): Promise<Buffer> {
  const tooLarge = () => new PayloadTooLargeException(`request body is larger than ${describeBytes(limitBytes)}`);
  if (contentLength !== undefined && contentLength > limitBytes) return Promise.reject(tooLarge());
  return new Promise<Buffer>((resolve, reject) => {
    const sized = contentLength !== undefined ? Buffer.allocUnsafe(contentLength) : undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = () => {
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onError);
      payload.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes) {
        // Still flowing with no listener: Node reads the rest and drops it.
        stop();
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      if (sized) chunk.copy(sized, received - chunk.length);
      else chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(sized ? sized.subarray(0, received) : Buffer.concat(chunks, received));
    };
    const onError = () => {
      stop();
      reject(new BadRequestException('the request body could not be read'));
    };
    // A client that goes away mid-body: nobody is left to answer.
    const onClose = () => {
      if (payload.readableEnded) return;
      onError();
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.on('close', onClose);
  });
}

function describeBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}
