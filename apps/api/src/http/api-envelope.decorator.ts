import { applyDecorators, Type } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';

const errorSchema = {
  type: 'object',
  properties: {
    success: { type: 'boolean', example: false },
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', example: 'VALIDATION_FAILED' },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            properties: { field: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
};

/** Documents `{success:true, data: <model>}` (or `data: true`) plus the error envelope. */
export function ApiEnvelope(model?: Type<unknown>) {
  const data = model ? { $ref: getSchemaPath(model) } : { type: 'boolean', example: true };
  return applyDecorators(
    ...(model ? [ApiExtraModels(model)] : []),
    ApiBearerAuth(),
    ApiOkResponse({
      schema: { type: 'object', properties: { success: { type: 'boolean', example: true }, data } },
    }),
    ApiBadRequestResponse({
      description: 'VALIDATION_FAILED / MALFORMED_JSON',
      schema: errorSchema,
    }),
    ApiUnauthorizedResponse({ description: 'UNAUTHORIZED', schema: errorSchema }),
  );
}
