import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { ErrorBody } from '../error-body';
import type { ErrorCode } from '../error-code';
import { ErrorDetailDto } from './error-detail.dto';
import { ERROR_CODES } from './error-statuses';

/** The one error body of every JSON error answer (PROTOCOL.md, Errors), as the API reference shows it. */
@ApiSchema({
  name: 'ErrorBody',
  description: 'Every error answer has this body. td clients read the top-level code and message; the nested error object carries the same two values.',
})
export class ErrorBodyDto implements ErrorBody {
  @ApiProperty({ type: ErrorDetailDto })
  error!: ErrorDetailDto;

  @ApiProperty({ enum: ERROR_CODES, enumName: 'ErrorCode' })
  code!: ErrorCode;

  @ApiProperty({ example: 'requires writer role' })
  message!: string;
}
