import {
  Body,
  CallHandler,
  Controller,
  ExecutionContext,
  Get,
  HttpCode,
  Injectable,
  NestInterceptor,
  Post,
  Query,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Response } from 'express';
import { diskStorage } from 'multer';
import { Observable } from 'rxjs';
import { AppException, formatDateTime, OperatorId } from '@app/common';
import { OrderImportRecord, OrderImportService } from '@app/ingest';
import { ApiEnvelope } from '../http/api-envelope.decorator';
import { interceptUpload } from '../http/upload-errors';
import {
  ImportIdDto,
  ImportListDto,
  ImportReportQueryDto,
  ImportStatusDto,
  ImportStatusView,
  ImportView,
} from './order-import.dto';
import { RequireRole } from '@app/accounts';
import { AuditedExport, NotAudited } from '@app/audit';

/** The order upload route: configure-app's JSON-only body check passes its body to multer. */
export const ORDER_IMPORT_PATH = '/import/orders';

/**
 * multer writes the upload straight to IMPORT_DIR (memory independent of the file's size) and
 * its own errors become the envelope naming `file`.
 */
@Injectable()
class OrderFileInterceptor implements NestInterceptor {
  private readonly multer: NestInterceptor;

  constructor(private readonly imports: OrderImportService) {
    const dir = imports.uploadDir;
    this.multer = new (FileInterceptor('file', {
      limits: { fileSize: imports.maxUploadBytes, files: 1 },
      storage: diskStorage({
        destination: (_req, _file, cb) => {
          mkdirSync(dir, { recursive: true });
          cb(null, dir);
        },
        filename: (_req, _file, cb) => cb(null, `upload-${randomUUID()}`),
      }),
    }))();
  }

  intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const max = this.imports.maxUploadBytes;
    return interceptUpload(this.multer, context, next, max, '订单文件过大');
  }
}

const view = (i: OrderImportRecord): ImportView => ({
  id: i.id,
  createdBy: i.createdBy,
  createdAt: formatDateTime(i.createdAt),
  fileName: i.fileName,
  fileSize: i.fileSize,
  fileSha256: i.fileSha256,
  format: i.format,
  dryRun: i.dryRun,
  state: i.state,
  cancelRequested: i.cancelRequested,
  rowsRead: i.rowsRead,
  rowsAccepted: i.rowsAccepted,
  rowsRejected: i.rowsRejected,
  ordersAccepted: i.ordersAccepted,
  ordersRejected: i.ordersRejected,
  ordersWritten: i.ordersWritten,
  ordersUnchanged: i.ordersUnchanged,
  error: i.error,
  startedAt: i.startedAt ? formatDateTime(i.startedAt) : null,
  finishedAt: i.finishedAt ? formatDateTime(i.finishedAt) : null,
});

/** 订单导入 (docs/INGEST.md "API"): an order file in, as a job with a report. */
@ApiTags('import')
@Controller('import')
@RequireRole('viewer')
export class OrderImportController {
  constructor(private readonly imports: OrderImportService) {}

  @Post('orders')
  @RequireRole('editor')
  @HttpCode(200)
  @ApiOperation({
    summary:
      '上传订单文件（CSV 或 XLSX，每行一个商品明细；multipart 字段 file，dryRun=true 只校验出报告）；返回导入记录，随后用 /import/status 查进度与报告',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary' },
        dryRun: { type: 'string', enum: ['true', 'false'], default: 'false' },
      },
    },
  })
  @ApiEnvelope(ImportView)
  @ApiPayloadTooLargeResponse({
    description: 'PAYLOAD_TOO_LARGE（超过 IMPORT_MAX_MB）',
    schema: { $ref: getSchemaPath('ErrorEnvelopeView') },
  })
  @UseInterceptors(OrderFileInterceptor)
  async upload(
    @UploadedFile() file: Express.Multer.File | undefined,
    @Body() body: { dryRun?: unknown },
    @OperatorId() operatorId: number,
  ): Promise<ImportView> {
    if (!file) {
      throw AppException.validation([
        { field: 'file', message: 'an order file is required (multipart field "file")' },
      ]);
    }
    const dry = body?.dryRun ?? 'false';
    if (dry !== 'true' && dry !== 'false') {
      throw AppException.validation([{ field: 'dryRun', message: 'dryRun must be true or false' }]);
    }
    const imp = await this.imports.create(
      {
        path: file.path,
        originalName: Buffer.from(file.originalname, 'latin1').toString('utf8'),
        size: file.size,
      },
      { dryRun: dry === 'true', createdBy: `operator:${operatorId}` },
    );
    return view(imp);
  }

  @Post('status')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({ summary: '导入的状态、进度、计数与报告（被拒绝的行，分页）' })
  @ApiEnvelope(ImportStatusView)
  async status(@Body() body: ImportStatusDto): Promise<ImportStatusView> {
    const imp = await this.imports.get(body.id);
    const report = await this.imports.reportPage(imp, body.offset ?? 0, body.limit ?? 100);
    return { ...view(imp), report };
  }

  @Post('list')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({ summary: '最近的导入，最新在前' })
  @ApiEnvelope(ImportView, { isArray: true })
  async list(@Body() body: ImportListDto): Promise<ImportView[]> {
    return (await this.imports.recent(body.limit ?? 20)).map(view);
  }

  @Post('cancel')
  @RequireRole('editor')
  @HttpCode(200)
  @ApiOperation({
    summary: '取消导入：排队中的立即取消；运行中的在当前批次（≤500 单）后停止，已写入的订单保留',
  })
  @ApiEnvelope(ImportView)
  async cancel(@Body() body: ImportIdDto): Promise<ImportView> {
    return view(await this.imports.cancel(body.id));
  }

  @Post('report')
  @AuditedExport()
  @HttpCode(200)
  @ApiOperation({ summary: '报告下载：被拒绝的行（CSV，UTF-8 BOM）' })
  @ApiProduces('text/csv')
  async reportPost(@Body() body: ImportIdDto, @Res() res: Response): Promise<void> {
    await this.sendReport(body.id, res);
  }

  @Get('report')
  @AuditedExport()
  @ApiOperation({ summary: '报告下载（GET ?id=…），同 POST /import/report' })
  @ApiProduces('text/csv')
  async reportGet(@Query() query: ImportReportQueryDto, @Res() res: Response): Promise<void> {
    await this.sendReport(query.id, res);
  }

  private async sendReport(id: number, res: Response): Promise<void> {
    const { fileName, stream } = await this.imports.reportCsv(id);
    res
      .status(200)
      .set('Content-Type', 'text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="${fileName}"`);
    if (typeof stream === 'string') res.send(stream);
    else stream.pipe(res);
  }
}
