import { Col, Form, Row, Select } from 'antd';
import type { LabelLibrary } from '../api/types';

const LABEL_SEPARATORS = [',', '，'];

const idOptions = (items: LabelLibrary['storeLabels']) =>
  items.map((l) => ({ value: l.id, label: `${l.name}（${l.id}）` }));
const nameOptions = (items: string[]) => items.map((n) => ({ value: n, label: n }));

/**
 * The five label pickers of a rule — city and brand by name, warehouse and category by
 * bind id, SKU typed — for its labels (`include`) or its exclusion labels (`exclude`:
 * fields excludeCityLabels…, labels 排除城市…).
 */
export function LabelFields({
  library,
  kind,
}: {
  library: LabelLibrary;
  kind: 'include' | 'exclude';
}) {
  const ex = kind === 'exclude';
  const name = (type: 'city' | 'store' | 'brand' | 'cate' | 'sku') =>
    ex ? `exclude${type[0].toUpperCase()}${type.slice(1)}Labels` : `${type}Labels`;
  const label = (text: string) => (ex ? `排除${/^[A-Z]/.test(text) ? ' ' : ''}${text}` : text);
  return (
    <Row gutter={16}>
      <Col xs={24} md={12}>
        <Form.Item label={label('城市')} name={name('city')}>
          <Select
            mode="multiple"
            allowClear
            placeholder="选择城市"
            options={nameOptions(library.cityLabels)}
          />
        </Form.Item>
      </Col>
      <Col xs={24} md={12}>
        <Form.Item label={label('品牌')} name={name('brand')}>
          <Select
            mode="multiple"
            allowClear
            placeholder="选择品牌"
            options={nameOptions(library.brandLabels)}
          />
        </Form.Item>
      </Col>
      <Col xs={24} md={12}>
        <Form.Item label={label('分仓')} name={name('store')}>
          <Select
            mode="multiple"
            allowClear
            placeholder="选择分仓"
            optionFilterProp="label"
            options={idOptions(library.storeLabels)}
          />
        </Form.Item>
      </Col>
      <Col xs={24} md={12}>
        <Form.Item label={ex ? '排除品类' : '二级品类'} name={name('cate')}>
          <Select
            mode="multiple"
            allowClear
            placeholder="选择品类"
            optionFilterProp="label"
            options={idOptions(library.cateLabels)}
          />
        </Form.Item>
      </Col>
      <Col xs={24}>
        <Form.Item
          label={label('SKU')}
          name={name('sku')}
          extra={ex ? undefined : '输入 SKU 编码后回车，或用逗号分隔一次粘贴多个'}
        >
          <Select
            mode="tags"
            allowClear
            placeholder="输入 SKU 编码"
            tokenSeparators={LABEL_SEPARATORS}
            notFoundContent={null}
          />
        </Form.Item>
      </Col>
    </Row>
  );
}
