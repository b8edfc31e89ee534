import { TeamOutlined } from '@ant-design/icons';
import { Alert, Button, Descriptions, Statistic, Typography } from 'antd';
import type { AudiencePreview } from '../api/types';
import { describeReach, exclusionTotal } from '../rules/exclusions';

/** The 预估人数 button and what preview answered: count, window and a sample. */
export function AudiencePreviewPanel({
  result,
  loading,
  onPreview,
}: {
  result?: AudiencePreview;
  loading: boolean;
  onPreview: () => void;
}) {
  return (
    <div>
      <Button icon={<TeamOutlined />} loading={loading} onClick={onPreview} block>
        预估人数
      </Button>
      {result && (
        <div data-testid="audience-preview" style={{ marginTop: 12 }}>
          <Statistic
            title="可触达客户数（按当前规则和触达策略，现在计算）"
            value={result.count}
            suffix="人"
          />
          <Alert
            data-testid="audience-exclusions"
            type={exclusionTotal(result.excluded) > 0 ? 'warning' : 'success'}
            style={{ marginTop: 8 }}
            message={describeReach(result.count, result.excluded)}
          />
          <Descriptions size="small" column={1} style={{ marginTop: 8 }}>
            <Descriptions.Item label="购买时间窗口">
              {result.window.from} 至 {result.window.to}
            </Descriptions.Item>
            <Descriptions.Item label="计算耗时">{result.tookMs} 毫秒</Descriptions.Item>
          </Descriptions>
          {result.sample.length > 0 && (
            <>
              <Typography.Text type="secondary">
                样本（前 {result.sample.length} 位客户的 external_userid）：
              </Typography.Text>
              <ul data-testid="audience-sample" style={{ margin: '4px 0 0', paddingLeft: 20 }}>
                {result.sample.map((id) => (
                  <li key={id}>
                    <Typography.Text code>{id}</Typography.Text>
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
