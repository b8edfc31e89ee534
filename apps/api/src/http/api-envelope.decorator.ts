import { applyDecorators, Type } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ErrorBody, ErrorCode, ErrorDetail } from '@app/common';

class ErrorDetailView implements ErrorDetail {
  @ApiProperty({ description: '请求体中的字段路径，如 weekDayPushTime[1].time' }) field: string;
  @ApiProperty() message: string;
}

type ErrorFields = ErrorBody['error'];

class ErrorView implements ErrorFields {
  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.VALIDATION_FAILED })
  code: ErrorCode;

  @ApiProperty() message: string;
  @ApiProperty({ type: [ErrorDetailView] }) details: ErrorDetailView[];
  @ApiPropertyOptional({ description: '未预期错误的编号，日志中可查' }) errorId?: string;
}

/** `{success:false, error}`: every failed call (the filter in @app/common writes it). */
class ErrorEnvelopeView implements ErrorBody {
  @ApiProperty({ enum: [false] }) success: false;
  @ApiProperty({ type: ErrorView }) error: ErrorView;
}

const errorResponse = { schema: { $ref: getSchemaPath(ErrorEnvelopeView) } };

/**
 * Documents `{success:true, data}` — `data` is `model` (an array of it with `isArray`), or
 * `true` without a model — plus the error envelope.
 */
export function ApiEnvelope(model?: Type<unknown>, options: { isArray?: boolean } = {}) {
  const item = model ? { $ref: getSchemaPath(model) } : { type: 'boolean', enum: [true] };
  const data = options.isArray ? { type: 'array', items: item } : item;
  return applyDecorators(
    ApiExtraModels(ErrorEnvelopeView, ...(model ? [model] : [])),
    ApiBearerAuth(),
    ApiOkResponse({
      schema: {
        type: 'object',
        required: ['success', 'data'],
        properties: { success: { type: 'boolean', enum: [true] }, data },
      },
    }),
    ApiBadRequestResponse({ description: 'VALIDATION_FAILED / MALFORMED_JSON', ...errorResponse }),
    ApiUnauthorizedResponse({ description: 'UNAUTHORIZED', ...errorResponse }),
  );
}
