import { HttpException } from '@nestjs/common';
import type { ErrorCode } from './error-code';

/**
 * A refusal whose PROTOCOL.md code is not simply the one of its status
 * (`410 already_used`, `403 signup_disabled`, ...). Nest's own exceptions
 * (`NotFoundException('project not found')`) remain right for the rest: the
 * filter gives them the code of their status (see defaultCodeFor).
 */
export class ProtocolException extends HttpException {
  constructor(
    status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super({ code, message }, status);
  }
}
