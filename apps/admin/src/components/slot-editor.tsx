import { CloseOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Checkbox, Space, Tag, TimePicker, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import customParseFormat from 'dayjs/plugin/customParseFormat';
import { useState } from 'react';
import type { Slot } from '../api/types';
import { addSlots, removeSlot, slotsByWeekday, WEEKDAYS, weekLabel } from '../rules/slots';

dayjs.extend(customParseFormat);

const WORKDAYS = [1, 2, 3, 4, 5];
const EVERY_DAY = WEEKDAYS.map((w) => w.week);

/**
 * Weekday × time slots (Asia/Shanghai). Pick weekdays and a time, add; a slot that already
 * exists is reported, not added twice. A form control: `value` / `onChange` from Form.Item.
 */
export function SlotEditor({
  value = [],
  onChange,
  id,
}: {
  value?: Slot[];
  onChange?: (slots: Slot[]) => void;
  id?: string;
}) {
  const { message } = App.useApp();
  const [weeks, setWeeks] = useState<number[]>([1]);
  const [time, setTime] = useState<Dayjs | null>(dayjs('10:00', 'HH:mm'));

  const add = () => {
    if (weeks.length === 0) {
      message.warning('请先选择星期');
      return;
    }
    if (!time) {
      message.warning('请先选择时间');
      return;
    }
    const result = addSlots(value, weeks, time.format('HH:mm'));
    if (result.duplicates.length > 0) {
      message.warning(
        `已存在，未重复添加：${result.duplicates.map((s) => `${weekLabel(s.week)} ${s.time}`).join('、')}`,
      );
    }
    if (result.slots.length !== value.length) onChange?.(result.slots);
  };

  const groups = slotsByWeekday(value);
  return (
    <div id={id}>
      <Space wrap align="center" style={{ marginBottom: 12 }}>
        <Checkbox.Group
          aria-label="推送星期"
          value={weeks}
          onChange={(v) => setWeeks(v as number[])}
          options={WEEKDAYS.map((w) => ({ value: w.week, label: w.label }))}
        />
        <Button size="small" onClick={() => setWeeks(WORKDAYS)}>
          工作日
        </Button>
        <Button size="small" onClick={() => setWeeks(EVERY_DAY)}>
          每天
        </Button>
      </Space>
      <Space wrap style={{ marginBottom: 12 }}>
        <TimePicker
          aria-label="推送时刻"
          format="HH:mm"
          value={time}
          onChange={setTime}
          needConfirm={false}
          allowClear={false}
          placeholder="选择时间"
        />
        <Button icon={<PlusOutlined />} onClick={add}>
          添加推送时间
        </Button>
      </Space>
      {groups.length === 0 ? (
        <Typography.Text type="secondary" style={{ display: 'block' }}>
          尚未添加推送时间
        </Typography.Text>
      ) : (
        groups.map((g) => (
          <div className="slot-row" key={g.week} data-testid={`slots-week-${g.week}`}>
            <span className="slot-row-label">{weekLabel(g.week)}</span>
            {g.times.map((t) => (
              <Tag
                key={t}
                color="green"
                closable
                closeIcon={<CloseOutlined aria-label={`删除 ${weekLabel(g.week)} ${t}`} />}
                onClose={(e) => {
                  e.preventDefault();
                  onChange?.(removeSlot(value, { week: g.week, time: t }));
                }}
              >
                {t}
              </Tag>
            ))}
          </div>
        ))
      )}
      <Typography.Text type="secondary" style={{ display: 'block', marginTop: 4 }}>
        共 {value.length} 个推送时间，均为北京时间，在有效期内每周按时推送。
      </Typography.Text>
    </div>
  );
}
