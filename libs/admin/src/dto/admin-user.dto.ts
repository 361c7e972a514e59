import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { AdminUserView } from '../admin-views';

@ApiSchema({ name: 'AdminUser', description: "An account as the admin API lists it (the reference server's fields, and td-sync's beside them)." })
export class AdminUserDto implements AdminUserView {
  @ApiProperty({ example: 'u_0123456789abcdef', description: 'u_ and 16 hex digits (an account taken over from the Go server keeps its id).' })
  id!: string;

  @ApiProperty({ example: 'ada@example.com' })
  email!: string;

  @ApiProperty({ description: 'Whether the user holds a live key with the admin scope.' })
  is_admin!: boolean;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Set while the operator has the account disabled: every key of it is refused.' })
  disabled_at!: string | null;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Projects (live or deleted) the user is a member of.' })
  project_count!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Keys neither revoked nor expired.' })
  active_key_count!: number;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'The latest use of any of the user’s keys.' })
  last_activity!: string | null;
}
