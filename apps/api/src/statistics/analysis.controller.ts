import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  EffectAnalysisService,
  ExperimentStatisticsService,
  reportCsv,
  REPORT_CSV_COLUMNS,
} from '@app/stats';
import { ApiEnvelope } from '../http/api-envelope.decorator';
import {
  CompareQueryDto,
  ExperimentQueryDto,
  ExperimentView,
  GoodsBreakdownView,
  GoodsQueryDto,
  ReportQueryDto,
  ReportRowView,
  RuleFiguresView,
} from './analysis.dto';
import { RequireRole } from '@app/accounts';
import { AuditedExport, NotAudited } from '@app/audit';

/**
 * Effect analysis (issue 9): goods of the attributed orders, rules compared, reports; a rule's
 * experiment (issue 17).
 */
@ApiTags('statistic')
@Controller('statistic/wechatpush')
@RequireRole('viewer')
export class AnalysisController {
  constructor(
    private readonly analysis: EffectAnalysisService,
    private readonly experiments: ExperimentStatisticsService,
  ) {}

  @Post('goods')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({
    summary:
      '推送带来的商品购买：归因订单（同 result 的 orderCount）按城市 / 仓库 / 品类 / 品牌 / SKU 标签分组，前 N 个 + 其他 + 无标签，占比之和为 1',
  })
  @ApiEnvelope(GoodsBreakdownView)
  goods(@Body() body: GoodsQueryDto) {
    return this.analysis.goods(body);
  }

  @Post('compare')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({
    summary:
      '规则对比：每个规则一行，完整漏斗与转化率（每行等于只含该规则执行的 result），一次计算',
  })
  @ApiEnvelope(RuleFiguresView, { isArray: true })
  @ApiNotFoundResponse({ description: 'NOT_FOUND：从未存在的规则 id（details 的 field 为 ids）' })
  compare(@Body() body: CompareQueryDto) {
    return this.analysis.compare(body);
  }

  @Post('experiment')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({
    summary:
      '实验：规则的对照组（holdout）与各内容变体按（执行, 客户）分配同一口径计算购买者、订单、营收，转化率与人均营收相对基线（对照组，否则 A）的提升、95% 区间、p 值、显著性，以及增量订单 / 营收',
  })
  @ApiEnvelope(ExperimentView)
  @ApiNotFoundResponse({ description: 'NOT_FOUND：从未存在的规则 id（details 的 field 为 id）' })
  experiment(@Body() body: ExperimentQueryDto) {
    return this.experiments.experiment(body);
  }

  @Post('report')
  @AuditedExport()
  @HttpCode(200)
  @ApiOperation({
    summary: `周报 / 月报：每个规则每个周期一行（仅有执行的），json 或 csv（UTF-8 BOM，表头：${REPORT_CSV_COLUMNS.map(([h]) => h).join(',')}）`,
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiEnvelope(ReportRowView, { isArray: true })
  async report(@Body() body: ReportQueryDto, @Res() res: Response): Promise<void> {
    const rows = await this.analysis.report(body);
    if (body.format === 'json') {
      res.status(200).json({ success: true, data: rows });
      return;
    }
    const day = (s: string) => s.trim().slice(0, 10);
    res
      .status(200)
      .set('Content-Type', 'text/csv; charset=utf-8')
      .set(
        'Content-Disposition',
        `attachment; filename="wechatpush-report-${body.granularity}-${day(body.startTime)}-${day(body.endTime)}.csv"`,
      )
      .send(reportCsv(rows));
  }
}
