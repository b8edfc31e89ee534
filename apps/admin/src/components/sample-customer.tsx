import { Descriptions, Empty, Popover, Spin, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useApi } from '../api/api-context';
import type { CustomerContacts } from '../api/types';

/**
 * One external_userid of the audience sample: click it to see who follows the customer
 * (导购), since when, with which corp tags — what the WeCom contact sync keeps (issue 19).
 */
export function SampleCustomer({ externalUserid }: { externalUserid: string }) {
  const api = useApi();
  const [state, setState] = useState<
    { loading: true } | { data: CustomerContacts } | { error: string } | null
  >(null);
  const load = (open: boolean) => {
    if (!open || state) return;
    setState({ loading: true });
    api.customerContacts(externalUserid).then(
      (data) => setState({ data }),
      (e: unknown) => setState({ error: (e as Error).message }),
    );
  };
  return (
    <Popover
      trigger="click"
      onOpenChange={load}
      title={`客户 ${externalUserid}`}
      content={
        <div data-testid="sample-customer" style={{ maxWidth: 420 }}>
          {!state || 'loading' in state ? (
            <Spin size="small" />
          ) : 'error' in state ? (
            <Typography.Text type="secondary">{state.error}</Typography.Text>
          ) : (
            <CustomerContactsBody data={state.data} />
          )}
        </div>
      }
    >
      <Typography.Link code>{externalUserid}</Typography.Link>
    </Popover>
  );
}

function CustomerContactsBody({ data }: { data: CustomerContacts }) {
  return (
    <>
      <Descriptions size="small" column={1}>
        <Descriptions.Item label="姓名">{data.name ?? '—'}</Descriptions.Item>
        <Descriptions.Item label="负责成员">{data.ownerUserid ?? '—'}</Descriptions.Item>
        {data.unreachable && (
          <Descriptions.Item label="状态">
            <Tag color="error">已被所有成员删除，不再圈选</Tag>
          </Descriptions.Item>
        )}
      </Descriptions>
      {data.follows.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="尚未同步到跟进关系" />
      ) : (
        <ul style={{ margin: 0, paddingLeft: 18 }}>
          {data.follows.map((f) => (
            <li key={f.userid} data-testid="sample-follow">
              <Typography.Text delete={f.removedAt !== null}>{f.userid}</Typography.Text>
              {f.remark ? `（备注：${f.remark}）` : ''} · 添加于 {f.addedAt ?? '—'}
              {f.removedAt ? ` · 删除于 ${f.removedAt}` : ''}
              <div>
                {f.tags.map((t) => (
                  <Tag key={t.tagId}>
                    {t.groupName}：{t.name}
                  </Tag>
                ))}
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
