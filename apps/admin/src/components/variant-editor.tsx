import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import {
  Alert,
  Button,
  Card,
  Col,
  Form,
  Input,
  InputNumber,
  type InputNumberProps,
  Row,
  Space,
  Tag,
} from 'antd';
import { EXPERIMENT_LIMITS, RULE_LIMITS, utf8Bytes, type VariantInput } from '@app/contracts';
import type { RuleFormValues } from '../rules/rule-form-model';
import { listVariantKey, shareText, variantShares } from '../rules/variants';
import { MessagePreview } from './message-preview';

const VARIANT_HELP =
  '每位客户按权重确定性分配到一个变体，每个变体单独成批发送；实验期间不要改权重（会重新分配）；' +
  '小程序页面路径可带上变体标识（如 ?v=B）便于店铺侧关联。';

const NEW_VARIANT: VariantInput = {
  content: '',
  img: '',
  miniProgramTitle: '',
  miniProgramImg: '',
  miniProgramUrl: '',
  weight: EXPERIMENT_LIMITS.weight.default,
};

/** Form.Item passes value and onChange to its child: forwarded to the box. */
function WeightInput(props: InputNumberProps<number>) {
  return (
    <InputNumber
      {...props}
      min={EXPERIMENT_LIMITS.weight.min}
      max={EXPERIMENT_LIMITS.weight.max}
      precision={0}
      style={{ width: '100%' }}
    />
  );
}

function ShareTag({ testId, share }: { testId: string; share: number | undefined }) {
  return (
    <Tag color="blue" data-testid={testId}>
      权重占比 {shareText(share)}
    </Tag>
  );
}

/**
 * 内容变体（A/B 测试）of the rule form: A is the rule's own content with `contentWeight`;
 * B, C, … (`variants`) each carry a message, a weight and a live preview. Errors of the
 * shared checks land on `['variants', i, field]`.
 */
export function VariantEditor() {
  const form = Form.useFormInstance<RuleFormValues>();
  const variants = Form.useWatch('variants', form) as VariantInput[] | undefined;
  const contentWeight = Form.useWatch('contentWeight', form) as number | null | undefined;
  const list = variants ?? [];
  const shares = variantShares(
    contentWeight,
    list.map((v) => v?.weight),
  );
  const max = EXPERIMENT_LIMITS.maxVariants;

  // A's weight sits outside the list: a name inside Form.List is relative to the list.
  return (
    <Space direction="vertical" size={12} style={{ width: '100%' }} data-testid="variants">
      <Alert type="info" showIcon message={VARIANT_HELP} />
      {list.length > 0 && (
        <Row gutter={16} align="middle">
          <Col xs={16} md={10}>
            <Form.Item
              label="变体 A 权重"
              name="contentWeight"
              required
              extra="变体 A 即「推送内容」，预览见右侧「消息预览」"
            >
              <WeightInput />
            </Form.Item>
          </Col>
          <Col xs={8} md={14}>
            <ShareTag testId="variant-share-A" share={shares?.[0]} />
          </Col>
        </Row>
      )}
      <Form.List name="variants">
        {(fields, { add, remove }, { errors }) => (
          <>
            {fields.map((field, i) => {
              const key = listVariantKey(i);
              const v = list[i] ?? NEW_VARIANT;
              return (
                <Card
                  key={field.key}
                  size="small"
                  type="inner"
                  title={`变体 ${key}`}
                  data-testid={`variant-${key}`}
                  extra={
                    <Space size={4}>
                      <ShareTag testId={`variant-share-${key}`} share={shares?.[i + 1]} />
                      <Button
                        size="small"
                        type="link"
                        danger
                        icon={<DeleteOutlined />}
                        onClick={() => remove(field.name)}
                      >
                        删除变体 {key}
                      </Button>
                    </Space>
                  }
                >
                  <Row gutter={16}>
                    <Col xs={24} md={14}>
                      <Form.Item
                        label="文案"
                        name={[field.name, 'content']}
                        extra={`${utf8Bytes(v.content ?? '')} / ${RULE_LIMITS.textMaxBytes} 字节`}
                      >
                        <Input.TextArea rows={3} placeholder={`变体 ${key} 的文本内容`} />
                      </Form.Item>
                      <Form.Item label="图片 URL" name={[field.name, 'img']}>
                        <Input placeholder="https://…（公网可访问的图片）" />
                      </Form.Item>
                      <Form.Item label="小程序卡片标题" name={[field.name, 'miniProgramTitle']}>
                        <Input placeholder="小程序卡片标题" />
                      </Form.Item>
                      <Form.Item label="小程序卡片封面" name={[field.name, 'miniProgramImg']}>
                        <Input placeholder="https://…" />
                      </Form.Item>
                      <Form.Item
                        label="小程序卡片页面"
                        name={[field.name, 'miniProgramUrl']}
                        extra={`可带上变体标识，如 pages/home/index?v=${key}`}
                      >
                        <Input placeholder={`pages/home/feature/index?v=${key}`} />
                      </Form.Item>
                      <Form.Item label="权重" name={[field.name, 'weight']} required>
                        <WeightInput />
                      </Form.Item>
                    </Col>
                    <Col xs={24} md={10}>
                      <MessagePreview
                        content={v.content}
                        img={v.img}
                        miniProgramTitle={v.miniProgramTitle}
                        miniProgramImg={v.miniProgramImg}
                        miniProgramUrl={v.miniProgramUrl}
                        note={false}
                      />
                    </Col>
                  </Row>
                </Card>
              );
            })}
            <Form.ErrorList errors={errors} />
            <Button
              type="dashed"
              icon={<PlusOutlined />}
              disabled={fields.length >= max}
              onClick={() => add({ ...NEW_VARIANT })}
              block
            >
              {fields.length >= max
                ? `添加变体（已达上限 ${max} 个）`
                : `添加变体 ${listVariantKey(fields.length)}`}
            </Button>
          </>
        )}
      </Form.List>
    </Space>
  );
}
