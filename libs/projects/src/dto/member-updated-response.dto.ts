import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'MemberUpdated' })
export class MemberUpdatedResponseDto {
  @ApiProperty({ enum: ['updated'] })
  status!: 'updated';
}
