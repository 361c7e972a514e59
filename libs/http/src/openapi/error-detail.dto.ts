import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { ErrorCode } from '../error-code';
import { ERROR_CODES } from './error-statuses';

/** The nested `error` object of the error body (what the reference server sends). */
@ApiSchema({ name: 'ErrorDetail' })
export class ErrorDetailDto {
  @ApiProperty({ enum: ERROR_CODES, enumName: 'ErrorCode', description: 'Machine-readable; one of the codes of the error table.' })
  code!: ErrorCode;

  @ApiProperty({ description: 'One sentence for a person; never a stack trace, SQL or a file path.', example: 'requires writer role' })
  message!: string;
}
