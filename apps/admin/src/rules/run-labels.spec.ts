import { describeReason } from './run-labels';

describe('describeReason', () => {
  it.each([
    ['rule paused', '规则已暂停'],
    ['outside the rule date range', '不在规则有效期内'],
    ['started 42 min late (grace 30 min)', '延迟 42 分钟才开始，超过允许的 30 分钟，未发送'],
    ['cancelled by an operator', '运营手动取消'],
    ['something the API adds later', 'something the API adds later'],
    [null, ''],
  ])('%p → %p', (reason, text) => {
    expect(describeReason(reason)).toBe(text);
  });
});
