import {
  Body,
  CallHandler,
  Controller,
  ExecutionContext,
  HttpCode,
  Injectable,
  NestInterceptor,
  Post,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Observable } from 'rxjs';
import { AppException, OperatorId } from '@app/common';
import { SuppressionService } from '@app/contact-policy';
import { ApiEnvelope } from '../http/api-envelope.decorator';
import { interceptUpload } from '../http/upload-errors';
import {
  SuppressionAddDto,
  SuppressionChangeView,
  SuppressionImportView,
  SuppressionListDto,
  SuppressionPageView,
  SuppressionRemoveDto,
} from './suppression.dto';
import { RequireRole } from '@app/accounts';
import { NotAudited } from '@app/audit';

/** The one multipart route: configure-app's JSON-only body check must pass its body to multer. */
export const SUPPRESSION_IMPORT_PATH = '/suppression/import';
/** Largest CSV `/suppression/import` takes. */
const IMPORT_MAX_BYTES = 20 * 1024 * 1024;
const REASON_MAX = 255;

/** The CSV in memory; multer's errors as the envelope naming `file` (interceptUpload). */
@Injectable()
class CsvUploadInterceptor implements NestInterceptor {
  private readonly multer = new (FileInterceptor('file', {
    limits: { fileSize: IMPORT_MAX_BYTES, files: 1 },
  }))();

  intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    return interceptUpload(this.multer, context, next, IMPORT_MAX_BYTES, 'CSV 文件过大');
  }
}

/** 勿扰名单: customers who must never be selected by any rule. */
@ApiTags('suppression')
@Controller('suppression')
@RequireRole('editor')
export class SuppressionController {
  constructor(private readonly suppression: SuppressionService) {}

  @Post('add')
  @HttpCode(200)
  @ApiOperation({ summary: '加入勿扰名单（已在名单中的保持原记录）' })
  @ApiEnvelope(SuppressionChangeView)
  add(@Body() body: SuppressionAddDto, @OperatorId() operatorId: number) {
    return this.suppression.add(body.externalUserIds, {
      source: body.source ?? 'manual',
      reason: body.reason ?? null,
      operatorId,
    });
  }

  @Post('remove')
  @HttpCode(200)
  @ApiOperation({ summary: '移出勿扰名单' })
  @ApiEnvelope(SuppressionChangeView)
  remove(@Body() body: SuppressionRemoveDto) {
    return this.suppression.remove(body.externalUserIds);
  }

  @Post('list')
  @NotAudited()
  @RequireRole('viewer')
  @HttpCode(200)
  @ApiOperation({
    summary: '勿扰名单（分页，按 external_userid 或原因搜索，按来源筛选），最新在前',
  })
  @ApiEnvelope(SuppressionPageView)
  list(@Body() body: SuppressionListDto) {
    return this.suppression.list(body);
  }

  @Post('import')
  @HttpCode(200)
  @ApiOperation({
    summary:
      '从 CSV 批量导入（multipart 字段 file；每行一个 external_userid，可选第二列原因，可有表头）；返回逐行错误',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary' },
        reason: {
          type: 'string',
          maxLength: REASON_MAX,
          description: '未给出原因列时各行使用的原因',
        },
      },
    },
  })
  @ApiEnvelope(SuppressionImportView)
  @ApiPayloadTooLargeResponse({
    description: `PAYLOAD_TOO_LARGE（文件超过 ${IMPORT_MAX_BYTES} 字节）`,
    schema: { $ref: getSchemaPath('ErrorEnvelopeView') },
  })
  @UseInterceptors(CsvUploadInterceptor)
  import(
    @UploadedFile() file: Express.Multer.File | undefined,
    @Body() body: { reason?: unknown },
    @OperatorId() operatorId: number,
  ) {
    if (!file) {
      throw AppException.validation([
        { field: 'file', message: 'a CSV file is required (multipart field "file")' },
      ]);
    }
    const reason =
      typeof body?.reason === 'string' && body.reason.trim() ? body.reason.trim() : null;
    if (reason !== null && Array.from(reason).length > REASON_MAX) {
      throw AppException.validation([
        { field: 'reason', message: `reason must be at most ${REASON_MAX} characters` },
      ]);
    }
    return this.suppression.importCsv(file.buffer, { reason, operatorId });
  }
}
