import type { Readable } from 'node:stream';
import type { SignedRequest } from './auth.ts';

/** A request as the service handlers see it. */
export interface SimRequest extends SignedRequest {
  requestId: string;
  /** Host header, as sent. */
  host: string;
}

/** A handler's answer. A `Readable` body is streamed (Walrus objects). */
export interface SimReply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | Readable;
  /** For Walrus bodies: where fault injection may cut or slow the stream. */
  streamed?: boolean;
  /** For an EC2-style error reply: the code, so fault accounting can see it. */
  errorCode?: string;
}

export function xmlReply(status: number, xml: string, errorCode?: string): SimReply {
  return {
    status,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: xml,
    ...(errorCode !== undefined ? { errorCode } : {}),
  };
}
