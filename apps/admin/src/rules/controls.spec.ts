import { describeControl } from './controls';

describe('describeControl', () => {
  it('adds a saved rule’s holdout and the global control group', () => {
    expect(describeControl({ holdout: 812, global: 1_204 }, 10)).toBe(
      '另有对照组 2,016 人（不发送）：本推送对照组 812、全局对照组 1,204',
    );
    expect(describeControl({ holdout: 812, global: 0 }, 10)).toBe(
      '另有对照组 812 人（不发送）：本推送对照组 812',
    );
  });

  it('says nothing when nobody is held out', () => {
    expect(describeControl({ holdout: 0, global: 0 }, 0)).toBeUndefined();
    expect(describeControl({ holdout: null, global: 0 }, 0)).toBeUndefined();
  });

  it('names the share of an unsaved rule’s holdout, which the API cannot count yet', () => {
    expect(describeControl({ holdout: null, global: 30 }, 12.5)).toBe(
      '另有对照组 30 人（不发送）：全局对照组 30；本推送对照组约 12.5%，保存后按客户确定抽取',
    );
    expect(describeControl({ holdout: null, global: 0 }, 12.5)).toBe(
      '本推送对照组约 12.5%（不发送），保存后按客户确定抽取',
    );
    expect(describeControl({ holdout: null, global: 30 }, 0)).toBe(
      '另有对照组 30 人（不发送）：全局对照组 30',
    );
  });
});
