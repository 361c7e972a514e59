import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { MeView } from '../me-view';
import { CurrentKeyResponseDto } from './current-key-response.dto';

@ApiSchema({ name: 'Me', description: 'Who the caller is, and the key they called with.' })
export class MeResponseDto implements MeView {
  @ApiProperty({ pattern: '^u_[0-9a-f]{16}$' })
  user_id!: string;

  @ApiProperty({ format: 'email' })
  email!: string;

  @ApiProperty({ type: CurrentKeyResponseDto })
  key!: CurrentKeyResponseDto;
}
