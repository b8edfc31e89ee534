import { HistoryOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  DatePicker,
  Divider,
  Form,
  Input,
  InputNumber,
  Radio,
  Row,
  Select,
  Skeleton,
  Space,
  Switch,
  Typography,
} from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { ApiError } from '../api/api-client';
import { useApi } from '../api/api-context';
import type {
  AudiencePreview,
  FieldError,
  LabelLibrary,
  PolicyView,
  PushRuleView,
} from '../api/types';
import { AudiencePreviewPanel } from '../components/audience-preview';
import { MessagePreview } from '../components/message-preview';
import { SlotEditor } from '../components/slot-editor';
import { VariantEditor } from '../components/variant-editor';
import { LabelFields } from '../rules/label-fields';
import { SenderFields } from '../components/sender-fields';
import { TestSendButton } from '../components/test-send-button';
import { VersionHistoryButton } from '../versions/version-history';
import { explainDayWindow, shanghaiToday } from '../rules/day-window';
import {
  EMPTY_RULE_FORM,
  errorsByFormField,
  formFieldOf,
  fromRuleView,
  localizeApiMessage,
  nameKey,
  type RuleFormName,
  type RuleFormValues,
  toRuleBody,
} from '../rules/rule-form-model';
import {
  describeAudience,
  EXPERIMENT_LIMITS,
  RFM_TIER_DEFS,
  RULE_LIMITS,
  RULE_POLICY_LIMITS,
  utf8Bytes,
  VALUE_LIMITS,
} from '@app/contracts';
import { validateRule } from '../rules/validate-rule';
import { useCan } from '../auth/me-context';

const EMPTY_LIBRARY: LabelLibrary = {
  cityLabels: [],
  storeLabels: [],
  cateLabels: [],
  brandLabels: [],
};

const HOLDOUT_HELP =
  '从本推送选中的客户里按比例留出一部分作为对照组：他们同样经过人群筛选和触达策略，但不会收到消息。' +
  '比较对照组与收到消息的客户的下单情况，才能看出推送真正多带来了多少订单。' +
  '同一位客户在本推送的每次执行中都在同一组；0 表示不留对照组。';

/** 创建 / 编辑: every field of a rule, checked as the API checks it, with live previews. */
export function RuleFormPage({ id }: { id?: number }) {
  const api = useApi();
  // A viewer sees the rule read-only: no save, no audience preview (an editor's right).
  const canEdit = useCan('editor');
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<RuleFormValues>();
  const [library, setLibrary] = useState<LabelLibrary>(EMPTY_LIBRARY);
  const [loading, setLoading] = useState(id !== undefined);
  const [loadError, setLoadError] = useState<string>();
  const [versions, setVersions] =
    useState<Pick<PushRuleView, 'version' | 'approvedVersion' | 'pendingVersion'>>();
  const [saving, setSaving] = useState(false);
  const [attempted, setAttempted] = useState(false);
  const [serverErrors, setServerErrors] = useState<FieldError[]>([]);
  const [banner, setBanner] = useState<string>();
  const [preview, setPreview] = useState<AudiencePreview>();
  const [previewing, setPreviewing] = useState(false);
  const [policy, setPolicy] = useState<PolicyView>();

  useEffect(() => {
    let live = true;
    api
      .labels()
      .then((l) => live && setLibrary(l))
      .catch((e: unknown) => live && message.error(`加载标签库失败：${(e as Error).message}`));
    return () => {
      live = false;
    };
  }, [api, message]);

  // The policy's quiet hours check the slots here as the API will; canEdit gates capExempt.
  useEffect(() => {
    let live = true;
    api
      .policy()
      .then((p) => live && setPolicy(p))
      .catch((e: unknown) => live && message.error(`加载触达策略失败：${(e as Error).message}`));
    return () => {
      live = false;
    };
  }, [api, message]);

  useEffect(() => {
    if (id === undefined) return;
    let live = true;
    setLoading(true);
    api
      .ruleInfo(id)
      .then((r) => {
        if (!live) return;
        setVersions({
          version: r.version,
          approvedVersion: r.approvedVersion,
          pendingVersion: r.pendingVersion,
        });
        form.setFieldsValue(fromRuleView(r));
        setLoadError(undefined);
      })
      .catch((e: unknown) => live && setLoadError((e as Error).message))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [api, form, id]);

  // Watch single fields: watching the whole form deep-compares the date range's dayjs
  // objects on every change (and rc-util warns about their shared internals).
  const content = Form.useWatch('content', form);
  const ruleName = Form.useWatch('name', form);
  const img = Form.useWatch('img', form);
  const miniProgramTitle = Form.useWatch('miniProgramTitle', form);
  const miniProgramImg = Form.useWatch('miniProgramImg', form);
  const miniProgramUrl = Form.useWatch('miniProgramUrl', form);
  const lastOrderDay = Form.useWatch('lastOrderDay', form);
  const lastOrderDayLimit = Form.useWatch('lastOrderDayLimit', form);
  const capExempt = Form.useWatch('capExempt', form) ?? false;
  const holdoutPercent = Form.useWatch('holdoutPercent', form);
  const hasVariants = (Form.useWatch('variants', form)?.length ?? 0) > 0;
  const dayWindow = useMemo(
    () => explainDayWindow(lastOrderDay, lastOrderDayLimit, shanghaiToday()),
    [lastOrderDay, lastOrderDayLimit],
  );
  const windowBasis = Form.useWatch('windowBasis', form) ?? 'lastOrder';
  const audience = {
    windowBasis,
    labelMatch: Form.useWatch('labelMatch', form),
    cityLabels: Form.useWatch('cityLabels', form),
    storeLabels: Form.useWatch('storeLabels', form),
    brandLabels: Form.useWatch('brandLabels', form),
    cateLabels: Form.useWatch('cateLabels', form),
    skuLabels: Form.useWatch('skuLabels', form),
    excludeCityLabels: Form.useWatch('excludeCityLabels', form),
    excludeStoreLabels: Form.useWatch('excludeStoreLabels', form),
    excludeBrandLabels: Form.useWatch('excludeBrandLabels', form),
    excludeCateLabels: Form.useWatch('excludeCateLabels', form),
    excludeSkuLabels: Form.useWatch('excludeSkuLabels', form),
    minOrders: Form.useWatch('minOrders', form),
    minSpend: Form.useWatch('minSpend', form),
    valueLookbackDays: Form.useWatch('valueLookbackDays', form),
    rfmTiers: Form.useWatch('rfmTiers', form),
  };
  const bindName = (items: LabelLibrary['storeLabels']) => (id: string) =>
    items.find((l) => l.id === id)?.name;
  const list = (xs: string[] | undefined) => (xs ?? []).join(',');
  const sentence =
    dayWindow &&
    describeAudience(
      {
        ...audience,
        lastOrderDay: lastOrderDay ?? 0,
        lastOrderDayLimit: lastOrderDayLimit ?? 0,
        cityLabels: list(audience.cityLabels),
        storeLabels: list(audience.storeLabels),
        brandLabels: list(audience.brandLabels),
        cateLabels: list(audience.cateLabels),
        skuLabels: list(audience.skuLabels),
        excludeCityLabels: list(audience.excludeCityLabels),
        excludeStoreLabels: list(audience.excludeStoreLabels),
        excludeBrandLabels: list(audience.excludeBrandLabels),
        excludeCateLabels: list(audience.excludeCateLabels),
        excludeSkuLabels: list(audience.excludeSkuLabels),
      },
      { store: bindName(library.storeLabels), cate: bindName(library.cateLabels) },
    );

  /** Shows `errors` on their fields and clears every other field's error. */
  const showErrors = useCallback(
    (errors: FieldError[]) => {
      const { fields, other } = errorsByFormField(errors);
      const withErrors = new Set(fields.map((f) => nameKey(f.name)));
      // Only controls that show an error are cleared: rc-field-form (antd 5) warns about
      // "circular references" when a field without errors gets a new empty list.
      const stale = form
        .getFieldsError()
        .filter((f) => f.errors.length > 0 && !withErrors.has(nameKey(f.name)));
      form.setFields([
        ...fields,
        ...stale.map(({ name }) => ({ name: name as RuleFormName, errors: [] })),
      ]);
      setBanner(other.length ? other.map((e) => `${e.field}: ${e.message}`).join('；') : undefined);
      return fields[0]?.name;
    },
    [form],
  );

  const quietHours = policy?.quietHours ?? null;
  const clientErrors = () => validateRule(toRuleBody(form.getFieldsValue(true)), quietHours);

  const onValuesChange = (changed: Partial<RuleFormValues>) => {
    const changedFields = new Set(Object.keys(changed));
    const remaining = serverErrors.filter((e) => {
      const f = formFieldOf(e.field);
      return f === undefined || !changedFields.has(f);
    });
    if (remaining.length !== serverErrors.length) setServerErrors(remaining);
    if (attempted) showErrors([...clientErrors(), ...remaining]);
  };

  /** Client checks first; false (and errors shown) when the form cannot be sent. */
  const checkBeforeSend = () => {
    setAttempted(true);
    const errors = clientErrors();
    const first = showErrors(errors);
    if (first) {
      form.scrollToField(first, { block: 'center' });
      message.error('请先修正表单中标红的项');
      return false;
    }
    return true;
  };

  const applyApiError = (e: unknown, what: string) => {
    if (e instanceof ApiError && e.details.length > 0) {
      const localized = e.details.map((d) => ({
        field: d.field,
        message: e.code === 'NAME_TAKEN' ? '该名称已被其他推送使用' : localizeApiMessage(d.message),
      }));
      setServerErrors(localized);
      const first = showErrors([...clientErrors(), ...localized]);
      if (first) form.scrollToField(first, { block: 'center' });
      message.error(`${what}失败：${e.message}`);
      return;
    }
    message.error(`${what}失败：${(e as Error).message}`);
  };

  const save = async () => {
    if (!checkBeforeSend()) return;
    const body = toRuleBody(form.getFieldsValue(true));
    setSaving(true);
    try {
      if (id === undefined) await api.createRule(body);
      else await api.editRule({ ...body, id });
      message.success(id === undefined ? `已创建「${body.name}」` : `已保存「${body.name}」`);
      navigate(`/rules?q=${encodeURIComponent(body.name)}`);
    } catch (e) {
      applyApiError(e, id === undefined ? '创建' : '保存');
    } finally {
      setSaving(false);
    }
  };

  const runPreview = async () => {
    if (!checkBeforeSend()) return;
    setPreviewing(true);
    try {
      setPreview(await api.preview(toRuleBody(form.getFieldsValue(true))));
    } catch (e) {
      applyApiError(e, '预估人数');
    } finally {
      setPreviewing(false);
    }
  };

  if (loadError) {
    return (
      <Alert
        type="error"
        showIcon
        message="无法加载推送规则"
        description={loadError}
        action={<Link to="/rules">返回列表</Link>}
      />
    );
  }

  const contentBytes = utf8Bytes(content ?? '');

  return (
    <Skeleton active loading={loading}>
      <Form<RuleFormValues>
        form={form}
        layout="vertical"
        onValuesChange={onValuesChange}
        initialValues={EMPTY_RULE_FORM}
        disabled={!canEdit}
      >
        <Typography.Title level={4} style={{ marginTop: 0 }}>
          {id === undefined ? '新建推送' : `编辑推送 #${id}`}
          {id !== undefined && (
            <Link
              to={`/rules/${id}/runs`}
              style={{ fontSize: 14, marginLeft: 12, fontWeight: 'normal' }}
            >
              <HistoryOutlined /> 执行记录
            </Link>
          )}
          {id !== undefined && <VersionHistoryButton ruleId={id} />}
        </Typography.Title>
        {versions?.pendingVersion != null && (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 16 }}
            message={`待审批：版本 ${versions.pendingVersion} 等待审批`}
            description={
              versions.approvedVersion === null
                ? '审批通过前本推送不会执行。下方显示的是待审批的内容。'
                : `审批通过前仍按生效版本 ${versions.approvedVersion} 执行。下方显示的是待审批的内容。`
            }
          />
        )}
        {banner && <Alert type="error" showIcon message={banner} style={{ marginBottom: 16 }} />}
        <Row gutter={[16, 16]}>
          <Col xs={24} lg={15}>
            <Space direction="vertical" size={16} style={{ width: '100%' }}>
              <Card title="基本信息" size="small">
                <Form.Item label="推送名称" name="name" required>
                  <Input
                    placeholder="例如：45天未购买用户召回"
                    maxLength={RULE_LIMITS.nameMaxLength}
                    showCount
                  />
                </Form.Item>
                <Row gutter={16}>
                  <Col xs={24} md={14}>
                    <Form.Item label="有效期" name="dateRange" required>
                      <DatePicker.RangePicker style={{ width: '100%' }} />
                    </Form.Item>
                  </Col>
                  <Col xs={24} md={10}>
                    <Form.Item label="状态" name="status">
                      <Radio.Group
                        optionType="button"
                        options={[
                          { value: 0, label: '进行中' },
                          { value: 1, label: '暂停' },
                        ]}
                      />
                    </Form.Item>
                  </Col>
                </Row>
              </Card>

              <Card title="推送时间（北京时间）" size="small">
                <Form.Item
                  name="weekDayPushTime"
                  required
                  label="每周推送时间"
                  extra={
                    quietHours
                      ? `免打扰时段 ${quietHours.start}–${quietHours.end}（触达策略）内不能推送`
                      : undefined
                  }
                >
                  <SlotEditor />
                </Form.Item>
              </Card>

              <Card title="触达策略" size="small">
                <Typography.Paragraph type="secondary">
                  每位客户的频次上限、最小间隔和勿扰名单对所有推送生效（见「触达策略」页）。
                </Typography.Paragraph>
                <Row gutter={16}>
                  <Col xs={24} md={8}>
                    <Form.Item
                      label="冷却天数"
                      name="cooldownDays"
                      required
                      extra="本推送触达过的客户，这些天内不再被本推送选中；0 表示不冷却"
                    >
                      <InputNumber
                        min={RULE_POLICY_LIMITS.cooldownDays.min}
                        max={RULE_POLICY_LIMITS.cooldownDays.max}
                        precision={0}
                        addonAfter="天"
                        style={{ width: '100%' }}
                      />
                    </Form.Item>
                  </Col>
                  <Col xs={24} md={8}>
                    <Form.Item
                      label="优先级"
                      name="priority"
                      required
                      extra="1 最先、10 最后：同一分钟有多条推送时，优先级高的先选人"
                    >
                      <InputNumber
                        min={RULE_POLICY_LIMITS.priority.min}
                        max={RULE_POLICY_LIMITS.priority.max}
                        precision={0}
                        style={{ width: '100%' }}
                      />
                    </Form.Item>
                  </Col>
                  <Col xs={24} md={8}>
                    <Form.Item
                      label="服务通知（不受频次上限）"
                      name="capExempt"
                      valuePropName="checked"
                      tooltip={
                        policy?.canEdit
                          ? '服务通知不受频次上限约束，也不计入上限；仍遵守勿扰名单与冷却天数'
                          : '仅可修改触达策略的操作员可设置服务通知'
                      }
                    >
                      <Switch disabled={!policy?.canEdit} />
                    </Form.Item>
                  </Col>
                </Row>
              </Card>

              <Card title="目标人群" size="small">
                <Row gutter={16}>
                  <Col xs={12}>
                    <Form.Item label="距最后一次购买至少（天）" name="lastOrderDay" required>
                      <InputNumber
                        min={0}
                        max={RULE_LIMITS.maxDays}
                        precision={0}
                        style={{ width: '100%' }}
                      />
                    </Form.Item>
                  </Col>
                  <Col xs={12}>
                    <Form.Item label="至多（天）" name="lastOrderDayLimit" required>
                      <InputNumber
                        min={0}
                        max={RULE_LIMITS.maxDays}
                        precision={0}
                        style={{ width: '100%' }}
                      />
                    </Form.Item>
                  </Col>
                </Row>
                <Alert
                  type="info"
                  data-testid="day-window"
                  style={{ marginBottom: 16 }}
                  message={
                    dayWindow ? dayWindow.text : '请填写 0 到 3650 之间的天数，且“至少”不大于“至多”'
                  }
                  description={
                    dayWindow
                      ? `按今天计算，即 ${dayWindow.from} 至 ${dayWindow.to}（北京时间）之间下过最后一单的客户。`
                      : undefined
                  }
                />
                <Row gutter={16}>
                  <Col xs={24} md={12}>
                    <Form.Item
                      label="时间窗口针对"
                      name="windowBasis"
                      extra={
                        windowBasis === 'labelledGoods'
                          ? '客户最近一次购买所选品类/品牌/SKU 的商品落在窗口内（之后再没买过），之后买别的商品不影响；城市/分仓限定这些购买的下单地'
                          : '客户最近一次下单（任何商品）落在窗口内'
                      }
                    >
                      <Radio.Group
                        optionType="button"
                        options={[
                          { value: 'lastOrder', label: '最后一次下单' },
                          { value: 'labelledGoods', label: '最后一次购买所选商品' },
                        ]}
                      />
                    </Form.Item>
                  </Col>
                  <Col xs={24} md={12}>
                    <Form.Item
                      label="标签组合"
                      name="labelMatch"
                      extra="同时满足：窗口内同一笔订单对每类已选标签都至少带一个（类内“或”，类间“且”）"
                    >
                      <Radio.Group
                        optionType="button"
                        options={[
                          { value: 'any', label: '任一标签' },
                          { value: 'all', label: '同时满足各类' },
                        ]}
                      />
                    </Form.Item>
                  </Col>
                </Row>
                <Typography.Paragraph type="secondary">
                  标签可不填（不筛选）；“任一标签”时满足任意一个即可（“或”关系），标签来自窗口内的订单。
                </Typography.Paragraph>
                <LabelFields library={library} kind="include" />
                <Divider orientation="left" plain style={{ marginTop: 0 }}>
                  排除
                </Divider>
                <Typography.Paragraph type="secondary" style={{ marginTop: -8 }}>
                  窗口内买过这些商品、或在这些城市/分仓下过单的客户不发送。
                </Typography.Paragraph>
                <LabelFields library={library} kind="exclude" />
                <Divider orientation="left" plain style={{ marginTop: 0 }}>
                  价值分层
                </Divider>
                <Typography.Paragraph type="secondary" style={{ marginTop: -8 }}>
                  可不填；不计已关闭、全额退款的订单，金额为实付减退款。
                </Typography.Paragraph>
                <Row gutter={16}>
                  <Col xs={24} md={8}>
                    <Form.Item label="回看天数" name="valueLookbackDays">
                      <InputNumber
                        min={VALUE_LIMITS.valueLookbackDays.min}
                        max={VALUE_LIMITS.valueLookbackDays.max}
                        precision={0}
                        style={{ width: '100%' }}
                      />
                    </Form.Item>
                  </Col>
                  <Col xs={24} md={8}>
                    <Form.Item label="至少订单数" name="minOrders">
                      <InputNumber
                        min={VALUE_LIMITS.minOrders.min}
                        max={VALUE_LIMITS.minOrders.max}
                        precision={0}
                        placeholder="不限"
                        style={{ width: '100%' }}
                      />
                    </Form.Item>
                  </Col>
                  <Col xs={24} md={8}>
                    <Form.Item label="至少消费（元）" name="minSpend">
                      <InputNumber
                        min={VALUE_LIMITS.minSpend.min}
                        max={VALUE_LIMITS.minSpend.max}
                        precision={2}
                        placeholder="不限"
                        style={{ width: '100%' }}
                      />
                    </Form.Item>
                  </Col>
                  <Col xs={24}>
                    <Form.Item
                      label="RFM 分层"
                      name="rfmTiers"
                      extra="按近 365 天的最近购买、购买次数、消费金额各按五分位打 1–5 分，每晚计算；4–5 分为“高”"
                    >
                      <Select
                        mode="multiple"
                        allowClear
                        placeholder="不限"
                        options={RFM_TIER_DEFS.map((t) => ({
                          value: t.code,
                          label: `${t.name}（R${t.r ? '高' : '低'} F${t.f ? '高' : '低'} M${t.m ? '高' : '低'}）`,
                        }))}
                      />
                    </Form.Item>
                  </Col>
                </Row>
                {sentence && (
                  <Alert
                    type="success"
                    data-testid="audience-sentence"
                    message={`目标人群：${sentence}`}
                  />
                )}
              </Card>

              <Card title="推送内容（文本、图片、小程序卡片至少一项）" size="small">
                <Form.Item
                  label="文本内容"
                  name="content"
                  extra={`${contentBytes} / ${RULE_LIMITS.textMaxBytes} 字节（企业微信按 UTF-8 字节计算，一个汉字 3 字节）`}
                >
                  <Input.TextArea rows={5} placeholder="喵～主人，猫砂告急…" />
                </Form.Item>
                <Form.Item label="图片地址" name="img">
                  <Input placeholder="https://…（公网可访问的图片）" />
                </Form.Item>
                <Row gutter={16}>
                  <Col xs={24} md={12}>
                    <Form.Item label="小程序标题" name="miniProgramTitle">
                      <Input placeholder="宠本本优惠专场" />
                    </Form.Item>
                  </Col>
                  <Col xs={24} md={12}>
                    <Form.Item label="小程序封面图地址" name="miniProgramImg">
                      <Input placeholder="https://…" />
                    </Form.Item>
                  </Col>
                  <Col xs={24}>
                    <Form.Item label="小程序页面路径" name="miniProgramUrl">
                      <Input placeholder="pages/home/feature/index?alias=xxx" />
                    </Form.Item>
                  </Col>
                </Row>
              </Card>

              <Card title="实验（对照组与 A/B 测试）" size="small">
                <Row gutter={16}>
                  <Col xs={24} md={12}>
                    <Form.Item
                      label="对照组比例 (%)"
                      name="holdoutPercent"
                      required
                      extra={
                        policy && policy.globalControlPercent > 0
                          ? `${HOLDOUT_HELP} 另有全局对照组（${policy.globalControlPercent}% 的客户，见触达策略页）不会收到任何推送。`
                          : HOLDOUT_HELP
                      }
                    >
                      <InputNumber
                        min={EXPERIMENT_LIMITS.holdoutPercent.min}
                        max={EXPERIMENT_LIMITS.holdoutPercent.max}
                        step={0.5}
                        precision={2}
                        addonAfter="%"
                        style={{ width: '100%' }}
                      />
                    </Form.Item>
                  </Col>
                  {capExempt && (
                    <Col xs={24} md={12}>
                      <Form.Item
                        label="也发给全局对照组"
                        name="ignoreGlobalControl"
                        valuePropName="checked"
                        extra="全局对照组的客户默认不收到任何推送；发货、售后等必须送达的服务通知可开启。仅服务通知可设置"
                      >
                        <Switch disabled={!policy?.canEdit} />
                      </Form.Item>
                    </Col>
                  )}
                </Row>
                <Divider orientation="left" plain style={{ marginTop: 0 }}>
                  内容变体（A/B 测试）
                </Divider>
                <VariantEditor />
              </Card>
              <SenderFields />
            </Space>
          </Col>
          <Col xs={24} lg={9}>
            <Space direction="vertical" size={16} style={{ width: '100%' }}>
              <Card title={hasVariants ? '消息预览（变体 A）' : '消息预览'} size="small">
                <MessagePreview
                  content={content}
                  img={img}
                  miniProgramTitle={miniProgramTitle}
                  miniProgramImg={miniProgramImg}
                  miniProgramUrl={miniProgramUrl}
                />
              </Card>
              {canEdit && (
                <Card title="目标人群预估" size="small">
                  <AudiencePreviewPanel
                    result={preview}
                    loading={previewing}
                    onPreview={() => void runPreview()}
                    holdoutPercent={holdoutPercent}
                  />
                </Card>
              )}
              <Card size="small">
                <Space wrap>
                  {canEdit && (
                    <Button type="primary" loading={saving} onClick={() => void save()}>
                      {id === undefined ? '创建推送' : '保存修改'}
                    </Button>
                  )}
                  <Button disabled={false} onClick={() => navigate('/rules')}>
                    返回列表
                  </Button>
                  {canEdit && id !== undefined && (
                    <TestSendButton id={id} name={ruleName ?? `#${id}`} type="default" />
                  )}
                </Space>
              </Card>
            </Space>
          </Col>
        </Row>
      </Form>
    </Skeleton>
  );
}

/** /rules/:id/edit — a fresh form per rule id. */
export function EditRulePage() {
  const { id } = useParams();
  return <RuleFormPage key={id} id={Number(id)} />;
}
