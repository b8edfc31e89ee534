import { DownloadOutlined } from '@ant-design/icons';
import { App, Button, Card, DatePicker, Form, Segmented } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useApi } from '../api/api-context';
import type { ReportGranularity } from '../api/types';
import { DATE, GRANULARITIES, rangeRequired } from './analysis';
import { saveBlob } from './save-file';

interface ReportValues {
  granularity: ReportGranularity;
  range?: [Dayjs, Dayjs] | null;
}

/**
 * 周报 / 月报: the API's report (per rule and ISO week or calendar month) downloaded as its
 * CSV file, with the operator's token, under the name the API gives it.
 */
export function ReportDownloadCard(props: { name?: string; startTime: string; endTime: string }) {
  const api = useApi();
  const { message } = App.useApp();
  const [form] = Form.useForm<ReportValues>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    form.setFieldValue('range', [dayjs(props.startTime), dayjs(props.endTime)]);
  }, [form, props.startTime, props.endTime]);

  const download = async () => {
    let v: ReportValues;
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    const [from, to] = v.range as [Dayjs, Dayjs];
    setBusy(true);
    try {
      const file = await api.reportCsv({
        granularity: v.granularity,
        startTime: from.format(DATE),
        endTime: to.format(DATE),
        name: props.name || undefined,
      });
      saveBlob(file.filename, file.blob);
    } catch (e) {
      message.error(`下载报表失败：${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="周报 / 月报" data-testid="report-card">
      <Form
        form={form}
        layout="inline"
        className="rule-search"
        initialValues={{ granularity: 'week' }}
      >
        <Form.Item name="granularity" label="周期">
          <Segmented<ReportGranularity> options={GRANULARITIES} />
        </Form.Item>
        <Form.Item
          name="range"
          label="报表日期"
          rules={[
            {
              validator: (_, value) => {
                const err = rangeRequired(value);
                return err ? Promise.reject(new Error(err)) : Promise.resolve();
              },
            },
          ]}
        >
          <DatePicker.RangePicker />
        </Form.Item>
        <Form.Item>
          <Button
            type="primary"
            icon={<DownloadOutlined />}
            loading={busy}
            onClick={() => void download()}
          >
            下载 CSV
          </Button>
        </Form.Item>
      </Form>
      <div className="effect-note">
        每个推送每周（周一至周日）或每月一行：推送、成功、员工执行、送达、下单与转化率（按上海时间）
        {props.name ? `；仅含名称包含「${props.name}」的推送` : ''}。Excel 可直接打开。
      </div>
    </Card>
  );
}
