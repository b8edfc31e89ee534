import { imageAttachment, miniProgramAttachment } from './wecom-attachments';
import { addMsgTemplateViolation } from './wecom-limits';
import { AddMsgTemplateInput } from './wecom.types';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `wm${i}`);
const card = (title: string) =>
  miniProgramAttachment({ title, picMediaId: 'm', appid: 'wx1', page: 'pages/index' });

describe('addMsgTemplateViolation: WeCom limits checked before calling', () => {
  it.each<[string, AddMsgTemplateInput, number | null]>([
    ['10,000 recipients', { externalUserIds: ids(10000), text: 'x' }, null],
    ['10,001 recipients', { externalUserIds: ids(10001), text: 'x' }, 40058],
    ['no recipients', { externalUserIds: [], text: 'x' }, 40058],
    ['4000 bytes of ASCII', { externalUserIds: ids(1), text: 'a'.repeat(4000) }, null],
    ['4001 bytes of ASCII', { externalUserIds: ids(1), text: 'a'.repeat(4001) }, 40058],
    [
      '1333 CJK characters (3999 bytes)',
      { externalUserIds: ids(1), text: '猫'.repeat(1333) },
      null,
    ],
    [
      '1334 CJK characters (4002 bytes)',
      { externalUserIds: ids(1), text: '猫'.repeat(1334) },
      40058,
    ],
    ['neither text nor attachments', { externalUserIds: ids(1) }, 40058],
    ['only an image', { externalUserIds: ids(1), attachments: [imageAttachment('m')] }, null],
    [
      '9 attachments',
      { externalUserIds: ids(1), attachments: Array(9).fill(imageAttachment('m')) },
      null,
    ],
    [
      '10 attachments',
      { externalUserIds: ids(1), attachments: Array(10).fill(imageAttachment('m')) },
      41064,
    ],
    [
      'a 64-byte card title',
      { externalUserIds: ids(1), attachments: [card('a'.repeat(64))] },
      null,
    ],
    [
      'a 65-byte card title',
      { externalUserIds: ids(1), attachments: [card('a'.repeat(65))] },
      40058,
    ],
    [
      'a 22-character CJK title (66 bytes)',
      { externalUserIds: ids(1), attachments: [card('猫'.repeat(22))] },
      40058,
    ],
  ])('%s → %p', (_, input, errcode) => {
    expect(addMsgTemplateViolation(input)?.errcode ?? null).toBe(errcode);
  });
});
