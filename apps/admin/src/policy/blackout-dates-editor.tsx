import { PlusOutlined } from '@ant-design/icons';
import { Button, DatePicker, Empty, Space, Tag } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';

/** A list of YYYY-MM-DD dates (e.g. 春节) with add and remove; a Form.Item control. */
export function BlackoutDatesEditor({
  value = [],
  onChange,
  disabled,
  id,
}: {
  value?: string[];
  onChange?: (dates: string[]) => void;
  disabled?: boolean;
  id?: string;
}) {
  const [picked, setPicked] = useState<Dayjs | null>(null);
  const add = () => {
    if (!picked) return;
    const date = picked.format('YYYY-MM-DD');
    onChange?.([...new Set([...value, date])].sort());
    setPicked(null);
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }} id={id}>
      {!disabled && (
        <Space.Compact>
          <DatePicker
            value={picked}
            onChange={setPicked}
            placeholder="选择禁发日期"
            aria-label="选择禁发日期"
          />
          <Button icon={<PlusOutlined />} onClick={add} disabled={!picked}>
            添加日期
          </Button>
        </Space.Compact>
      )}
      {value.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="没有禁发日期" />
      ) : (
        <Space wrap data-testid="blackout-dates">
          {value.map((d) => (
            <Tag
              key={d}
              closable={!disabled}
              onClose={(e) => {
                e.preventDefault();
                onChange?.(value.filter((x) => x !== d));
              }}
            >
              {d}
            </Tag>
          ))}
        </Space>
      )}
    </Space>
  );
}
