import { Card, Col, Form, InputNumber, Radio, Row } from 'antd';
import { DEADLINE_LIMITS } from '@app/contracts';
import type { RuleFormValues } from '../rules/rule-form-model';

/**
 * The rule form's sender card (issue 22): who sends each customer's message — WeCom's choice
 * or the customer's own store guide — what happens to customers without one, and how long
 * members have to send before their task is cancelled.
 */
export function SenderFields() {
  const form = Form.useFormInstance<RuleFormValues>();
  const mode = Form.useWatch('senderMode', form);
  return (
    <Card title="发送人与执行期限" size="small">
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Form.Item
            label="发送人"
            name="senderMode"
            extra="专属导购：每位客户由其专属导购（最早添加的成员，或运营指定）发送，按导购分批，每位导购一个群发任务"
          >
            <Radio.Group
              optionType="button"
              options={[
                { value: 'wecom', label: '企业微信分配' },
                { value: 'owner', label: '专属导购' },
              ]}
            />
          </Form.Item>
        </Col>
        {mode === 'owner' && (
          <Col xs={24} md={12}>
            <Form.Item
              label="无专属导购的客户"
              name="senderFallback"
              extra="跳过的客户计入执行记录的“无专属导购”排除数"
            >
              <Radio.Group
                optionType="button"
                options={[
                  { value: 'wecom', label: '由企业微信分配' },
                  { value: 'skip', label: '跳过' },
                ]}
              />
            </Form.Item>
          </Col>
        )}
        <Col xs={24} md={12}>
          <Form.Item
            label="执行期限（小时）"
            name="executionDeadlineHours"
            extra="留空不设；到期前提醒未发送的成员，到期取消其任务"
          >
            <InputNumber
              min={DEADLINE_LIMITS.min}
              max={DEADLINE_LIMITS.max}
              precision={0}
              placeholder="不设"
              addonAfter="小时"
              style={{ width: '100%' }}
            />
          </Form.Item>
        </Col>
      </Row>
    </Card>
  );
}
