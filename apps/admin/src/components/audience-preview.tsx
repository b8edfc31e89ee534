import { TeamOutlined } from '@ant-design/icons';
import { Alert, Button, Descriptions, Statistic, Typography } from 'antd';
import type { AudiencePreview } from '../api/types';
import { describeControl } from '../rules/controls';
import { describeReach, exclusionTotal } from '../rules/exclusions';
import { describeOrderFeed } from '../rules/order-feed';
import { SampleCustomer } from './sample-customer';

const STEP_LABELS: Record<AudiencePreview['steps'][number]['condition'], string> = {
  window: '时间窗口',
  labels: '标签',
  exclusions: '排除',
  value: '价值分层',
};

/**
 * The 预估人数 button and what preview answered: count, exclusions, controls, window and a
 * sample. `holdoutPercent` is the form's, for an unsaved rule whose holdout the API cannot count.
 */
export function AudiencePreviewPanel({
  result,
  loading,
  onPreview,
  holdoutPercent,
}: {
  result?: AudiencePreview;
  loading: boolean;
  onPreview: () => void;
  holdoutPercent?: number | null;
}) {
  const control = result && describeControl(result.control, holdoutPercent);
  const feed = result && describeOrderFeed(result.orderFeed);
  return (
    <div>
      <Button icon={<TeamOutlined />} loading={loading} onClick={onPreview} block>
        预估人数
      </Button>
      {result && (
        <div data-testid="audience-preview" style={{ marginTop: 12 }}>
          <Statistic
            title="将发送的客户数（按当前规则、触达策略和对照组，现在计算）"
            value={result.count}
            suffix="人"
          />
          <Alert
            data-testid="audience-exclusions"
            type={exclusionTotal(result.excluded) > 0 ? 'warning' : 'success'}
            style={{ marginTop: 8 }}
            message={describeReach(result.count, result.excluded)}
          />
          {feed && (
            <Alert
              data-testid="audience-order-feed"
              type={feed.type}
              style={{ marginTop: 8 }}
              message={feed.message}
            />
          )}
          {control && (
            <Alert
              data-testid="audience-control"
              type="info"
              style={{ marginTop: 8 }}
              message={control}
            />
          )}
          {result.steps.length > 0 && (
            <Descriptions
              data-testid="audience-steps"
              title="逐个条件的人数（触达策略之前）"
              size="small"
              column={1}
              bordered
              style={{ marginTop: 8 }}
            >
              {result.steps.map((s) => (
                <Descriptions.Item key={s.condition} label={STEP_LABELS[s.condition]}>
                  {s.remaining} 人
                </Descriptions.Item>
              ))}
            </Descriptions>
          )}
          <Descriptions size="small" column={1} style={{ marginTop: 8 }}>
            <Descriptions.Item label="购买时间窗口">
              {result.window.from} 至 {result.window.to}
            </Descriptions.Item>
            <Descriptions.Item label="计算耗时">{result.tookMs} 毫秒</Descriptions.Item>
          </Descriptions>
          {result.sample.length > 0 && (
            <>
              <Typography.Text type="secondary">
                样本（前 {result.sample.length} 位客户的 external_userid，点击查看跟进成员与标签）：
              </Typography.Text>
              <ul data-testid="audience-sample" style={{ margin: '4px 0 0', paddingLeft: 20 }}>
                {result.sample.map((id) => (
                  <li key={id}>
                    <SampleCustomer externalUserid={id} />
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </div>
  );
}
