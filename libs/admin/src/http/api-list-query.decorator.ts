import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';

/** Documents the paging parameters of an admin listing (parsed by parseListQuery), and what `q` filters on. */
export function ApiListQuery(filteredField: string): MethodDecorator {
  return applyDecorators(
    ApiQuery({ name: 'q', required: false, description: `Only entries whose ${filteredField} contains this text (case aside).` }),
    ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, default: 50 }, description: 'Entries per page; more than 200 counts as 200.' }),
    ApiQuery({ name: 'cursor', required: false, description: 'The next_cursor of the previous page.' }),
  );
}
