import { HistoryOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Drawer, Empty, Space, Spin, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useApi } from '../api/api-context';
import type { RuleVersion } from '../api/types';
import { stateTag, VersionDiff } from './version-diff';

const person = (id: number | null, name: string | null) =>
  id === null ? '—' : id === 0 ? '系统' : (name ?? `操作员 #${id}`);

/** 版本记录: a rule's versions, newest first, each with who, when and what changed. */
export function VersionHistoryButton({ ruleId }: { ruleId: number }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [versions, setVersions] = useState<RuleVersion[]>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    if (!open) return;
    let live = true;
    setVersions(undefined);
    api.ruleVersions(ruleId).then(
      (v) => live && setVersions(v),
      (e: unknown) => live && setError((e as Error).message),
    );
    return () => {
      live = false;
    };
  }, [api, open, ruleId]);

  return (
    <>
      <Button type="link" icon={<HistoryOutlined />} onClick={() => setOpen(true)}>
        版本记录
      </Button>
      <Drawer title="版本记录" width={720} open={open} onClose={() => setOpen(false)}>
        {error && <Alert type="error" showIcon message={error} />}
        {!versions && !error && <Spin />}
        {versions?.length === 0 && <Empty description="暂无版本" />}
        <Space direction="vertical" size={12} style={{ width: '100%' }}>
          {versions?.map((v) => (
            <Card
              key={v.version}
              size="small"
              aria-label={`版本 ${v.version}`}
              title={
                <Space>
                  <span>版本 {v.version}</span>
                  {stateTag(v.state)}
                </Space>
              }
              extra={<Typography.Text type="secondary">{v.createdAt}</Typography.Text>}
            >
              <Typography.Paragraph style={{ marginBottom: 8 }}>
                提交人：{person(v.authorId, v.authorName)}
                {v.decidedAt && (
                  <>
                    {'　'}处理人：{person(v.decidedBy, v.decidedByName)}（{v.decidedAt}）
                  </>
                )}
                {v.comment && (
                  <>
                    <br />
                    意见：{v.comment}
                  </>
                )}
              </Typography.Paragraph>
              <VersionDiff diff={v.diff} label={`版本 ${v.version} 的修改`} />
            </Card>
          ))}
        </Space>
      </Drawer>
    </>
  );
}
