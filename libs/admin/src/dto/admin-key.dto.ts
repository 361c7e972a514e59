import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { AdminKeyView, KeyStatus } from '../admin-views';

const KEY_STATUSES: KeyStatus[] = ['active', 'revoked', 'expired'];

@ApiSchema({ name: 'AdminKey', description: 'An API key without its secret: only a hash of it is stored.' })
export class AdminKeyDto implements AdminKeyView {
  @ApiProperty({ example: 'k_0123456789abcdef' })
  id!: string;

  @ApiProperty()
  user_id!: string;

  @ApiProperty()
  email!: string;

  @ApiProperty({ description: 'The first 8 characters after td_live_, to tell keys apart.', example: 'Xy12AbCd' })
  key_prefix!: string;

  @ApiProperty({ example: 'device-auth' })
  name!: string;

  @ApiProperty({ description: 'Comma-separated: sync, and admin for an admin key.', example: 'sync' })
  scopes!: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  last_used_at!: string | null;

  @ApiProperty({ format: 'date-time' })
  expires_at!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  revoked_at!: string | null;

  @ApiProperty({ enum: KEY_STATUSES })
  status!: KeyStatus;
}
