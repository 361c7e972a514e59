import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';
import { CompletedLoginResponseDto } from './completed-login-response.dto';
import { PendingLoginResponseDto } from './pending-login-response.dto';

/** The 200 of both logins' poll: still pending, or complete with the API key (tell them apart by `status`). */
export function ApiPollResponse(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(PendingLoginResponseDto, CompletedLoginResponseDto),
    ApiOkResponse({
      description: 'Pending, or complete with the API key (exactly once).',
      schema: {
        oneOf: [{ $ref: getSchemaPath(PendingLoginResponseDto) }, { $ref: getSchemaPath(CompletedLoginResponseDto) }],
        discriminator: {
          propertyName: 'status',
          mapping: { pending: getSchemaPath(PendingLoginResponseDto), complete: getSchemaPath(CompletedLoginResponseDto) },
        },
      },
    }),
  );
}
