import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Form,
  InputNumber,
  Row,
  Select,
  Skeleton,
  Space,
  Switch,
  TimePicker,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { EXPERIMENT_LIMITS, WECOM_CAP_PERIODS } from '@app/contracts';
import { ApiError } from '../api/api-client';
import { useApi } from '../api/api-context';
import type { FieldError, PolicyView } from '../api/types';
import { BlackoutDatesEditor } from '../policy/blackout-dates-editor';
import {
  fromPolicyView,
  type PolicyFormField,
  type PolicyFormValues,
  policyErrorsByField,
  toPolicyBody,
  validatePolicy,
  WECOM_PERIOD_LABELS,
  wecomDefaultText,
} from '../policy/policy-form-model';
import { shanghaiToday } from '../rules/day-window';

const FIELDS: readonly PolicyFormField[] = [
  'maxPerDay',
  'maxPerWeek',
  'minGapHours',
  'wecomPeriod',
  'wecomLimit',
  'quietOn',
  'quietStart',
  'quietEnd',
  'blackoutDates',
  'globalControlPercent',
];

/** 触达策略: the customer-level contact policy every rule obeys. */
export function PolicyPage() {
  const api = useApi();
  const { message } = App.useApp();
  const [form] = Form.useForm<PolicyFormValues>();
  const [policy, setPolicy] = useState<PolicyView>();
  const [loadError, setLoadError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const [attempted, setAttempted] = useState(false);
  const [banner, setBanner] = useState<string>();

  const show = useCallback(
    (p: PolicyView) => {
      setPolicy(p);
      form.setFieldsValue(fromPolicyView(p));
    },
    [form],
  );

  useEffect(() => {
    api.policy().then(show, (e: unknown) => setLoadError((e as Error).message));
  }, [api, show]);

  const period = Form.useWatch('wecomPeriod', form) ?? 'month';
  const quietOn = Form.useWatch('quietOn', form) ?? false;
  const readOnly = policy !== undefined && !policy.canEdit;

  /** Shows `errors` on their controls and clears the others; false when there were none. */
  const showErrors = (errors: FieldError[]) => {
    const { fields, other } = policyErrorsByField(errors);
    const withErrors = new Set(fields.map((f) => f.name));
    const stale = FIELDS.filter((f) => !withErrors.has(f) && form.getFieldError(f).length > 0);
    form.setFields([...fields, ...stale.map((name) => ({ name, errors: [] }))]);
    setBanner(other.length ? other.map((e) => e.message).join('；') : undefined);
    return fields.length > 0 || other.length > 0;
  };

  const save = async () => {
    setAttempted(true);
    const values = form.getFieldsValue(true);
    if (showErrors(validatePolicy(values))) {
      message.error('请先修正表单中标红的项');
      return;
    }
    setSaving(true);
    try {
      show(await api.updatePolicy(toPolicyBody(values)));
      message.success('触达策略已保存');
    } catch (e) {
      if (e instanceof ApiError && e.details.length > 0 && e.code !== 'FORBIDDEN')
        showErrors(e.details);
      message.error(`保存失败：${(e as Error).message}`);
    } finally {
      setSaving(false);
    }
  };

  if (loadError) {
    return <Alert type="error" showIcon message="无法加载触达策略" description={loadError} />;
  }

  return (
    <Skeleton active loading={!policy}>
      <Form<PolicyFormValues>
        form={form}
        layout="vertical"
        disabled={readOnly}
        onValuesChange={() => attempted && showErrors(validatePolicy(form.getFieldsValue(true)))}
      >
        <Typography.Title level={4} style={{ marginTop: 0 }}>
          触达策略
        </Typography.Title>
        <Typography.Paragraph type="secondary">
          对所有推送生效：每位客户被选中前，依次排除勿扰名单、不可达、冷却中、间隔不足和达到上限的客户（每人只计一次）。
          {policy && (
            <span data-testid="policy-updated">
              {' '}
              最后修改：{policy.updatedBy === null ? '系统默认' : `操作员 #${policy.updatedBy}`}，
              {policy.updatedAt}
            </span>
          )}
        </Typography.Paragraph>
        {readOnly && (
          <Alert
            type="info"
            showIcon
            style={{ marginBottom: 16 }}
            message="只读：你没有修改触达策略的权限（POLICY_OPERATOR_IDS）"
          />
        )}
        {banner && <Alert type="error" showIcon message={banner} style={{ marginBottom: 16 }} />}
        <Row gutter={[16, 16]}>
          <Col xs={24} lg={12}>
            <Card title="频次上限（每位客户）" size="small" style={{ height: '100%' }}>
              <Form.Item label="每天最多（次）" name="maxPerDay" extra="按北京时间自然日计算">
                <InputNumber min={1} precision={0} style={{ width: '100%' }} />
              </Form.Item>
              <Form.Item label="7 天内最多（次）" name="maxPerWeek" extra="滚动 7 天（168 小时）">
                <InputNumber min={1} precision={0} style={{ width: '100%' }} />
              </Form.Item>
              <Form.Item
                label="最小间隔（小时）"
                name="minGapHours"
                extra="距上次推送不足该小时数的客户不被选中；0 表示不限"
              >
                <InputNumber min={0} precision={0} style={{ width: '100%' }} />
              </Form.Item>
            </Card>
          </Col>
          <Col xs={24} lg={12}>
            <Card title="企业微信接收上限" size="small" style={{ height: '100%' }}>
              <Typography.Paragraph type="secondary">
                与企业微信管理后台“客户联系 → 群发规则”保持一致；超出的消息会被企业微信丢弃。
              </Typography.Paragraph>
              <Form.Item label="接收上限周期" name="wecomPeriod">
                <Select
                  options={WECOM_CAP_PERIODS.map((p) => ({
                    value: p,
                    label: WECOM_PERIOD_LABELS[p],
                  }))}
                />
              </Form.Item>
              <Form.Item
                label="上限（条）"
                name="wecomLimit"
                extra={`留空即企业微信默认：${wecomDefaultText(period, shanghaiToday())}`}
              >
                <InputNumber
                  min={1}
                  precision={0}
                  placeholder="企业微信默认"
                  style={{ width: '100%' }}
                />
              </Form.Item>
            </Card>
          </Col>
          <Col xs={24} lg={12}>
            <Card title="免打扰时段（北京时间）" size="small" style={{ height: '100%' }}>
              <Form.Item
                label="免打扰时段"
                name="quietOn"
                valuePropName="checked"
                extra="开启后：时段内的定时推送跳过，不能新增时段内的推送时间，手动执行需确认"
              >
                <Switch checkedChildren="开" unCheckedChildren="关" />
              </Form.Item>
              <Row gutter={16}>
                <Col span={12}>
                  <Form.Item label="开始" name="quietStart">
                    <TimePicker
                      format="HH:mm"
                      needConfirm={false}
                      disabled={readOnly || !quietOn}
                      placeholder="开始时间"
                      style={{ width: '100%' }}
                    />
                  </Form.Item>
                </Col>
                <Col span={12}>
                  <Form.Item label="结束" name="quietEnd" extra="早于开始表示跨午夜">
                    <TimePicker
                      format="HH:mm"
                      needConfirm={false}
                      disabled={readOnly || !quietOn}
                      placeholder="结束时间"
                      style={{ width: '100%' }}
                    />
                  </Form.Item>
                </Col>
              </Row>
            </Card>
          </Col>
          <Col xs={24} lg={12}>
            <Card title="禁发日期" size="small" style={{ height: '100%' }}>
              <Form.Item
                label="禁发日期"
                name="blackoutDates"
                extra="这些日期（如春节）的定时推送全部跳过"
              >
                <BlackoutDatesEditor disabled={readOnly} />
              </Form.Item>
            </Card>
          </Col>
          <Col xs={24} lg={12}>
            <Card title="全局对照组（实验）" size="small" style={{ height: '100%' }}>
              <Form.Item
                label="全局对照组比例 (%)"
                name="globalControlPercent"
                extra="这部分客户不会收到任何规则的推送，用于衡量整体推送计划的增量；调大比例时原有对照客户保持不变"
              >
                <InputNumber
                  min={EXPERIMENT_LIMITS.globalControlPercent.min}
                  max={EXPERIMENT_LIMITS.globalControlPercent.max}
                  step={0.5}
                  precision={2}
                  addonAfter="%"
                  style={{ width: '100%' }}
                />
              </Form.Item>
              <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
                0 表示不设全局对照组。服务通知规则可单独选择“也发给全局对照组”。
              </Typography.Paragraph>
            </Card>
          </Col>
        </Row>
        {!readOnly && (
          <Space style={{ marginTop: 16 }}>
            <Button type="primary" loading={saving} onClick={() => void save()}>
              保存策略
            </Button>
            <Button onClick={() => policy && show(policy)}>撤销修改</Button>
          </Space>
        )}
      </Form>
    </Skeleton>
  );
}
