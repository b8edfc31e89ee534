import {
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
import { AppException } from '@app/common';
import { IdentityMappingService } from '@app/identity';
import { ApiEnvelope } from '../http/api-envelope.decorator';
import { interceptUpload } from '../http/upload-errors';
import { IdentityImportView } from './identity-import.dto';
import { RequireRole } from '@app/accounts';

/** The identity upload route: configure-app's JSON-only body check passes its body to multer. */
export const IDENTITY_IMPORT_PATH = '/import/identities';
/** Largest mapping file taken (held in memory while it is applied). */
const IDENTITY_MAX_BYTES = 20 * 1024 * 1024;

/** The mapping file in memory; multer's errors as the envelope naming `file`. */
@Injectable()
class MappingFileInterceptor implements NestInterceptor {
  private readonly multer = new (FileInterceptor('file', {
    limits: { fileSize: IDENTITY_MAX_BYTES, files: 1 },
  }))();

  intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    return interceptUpload(this.multer, context, next, IDENTITY_MAX_BYTES, '映射文件过大');
  }
}

/** 客户身份映射 (docs/WECOM.md "Identity"): which shop buyer each WeCom contact is. */
@ApiTags('import')
@Controller('import')
@RequireRole('editor')
export class IdentityImportController {
  constructor(private readonly mapping: IdentityMappingService) {}

  @Post('identities')
  @HttpCode(200)
  @ApiOperation({
    summary:
      '上传身份映射 CSV（multipart 字段 file；UTF-8，可带 BOM；表头 external_userid 与 customer_id 或 mobile，可选 owner_userid）；逐行应用，返回被拒绝的行（行号、列、原因）',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' } },
    },
  })
  @ApiEnvelope(IdentityImportView)
  @ApiPayloadTooLargeResponse({
    description: `PAYLOAD_TOO_LARGE（文件超过 ${IDENTITY_MAX_BYTES} 字节）`,
    schema: { $ref: getSchemaPath('ErrorEnvelopeView') },
  })
  @UseInterceptors(MappingFileInterceptor)
  upload(@UploadedFile() file: Express.Multer.File | undefined): Promise<IdentityImportView> {
    if (!file) {
      throw AppException.validation([
        { field: 'file', message: 'a CSV file is required (multipart field "file")' },
      ]);
    }
    return this.mapping.importCsv(file.buffer);
  }
}
