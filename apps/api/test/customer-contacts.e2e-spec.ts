import { ApiHarness, startApi } from '../../../test/utils/api-app';

/**
 * `POST /wecom/contacts/customer` (issue 19): a customer's follow relations and corp tags, as
 * the sync and the callbacks keep them — what the console shows for a customer of the
 * audience sample.
 */
describe('POST /wecom/contacts/customer', () => {
  let api: ApiHarness;
  const ID = 'wm-e2e-follow-1';
  const GONE = 'wm-e2e-follow-gone';

  beforeAll(async () => {
    api = await startApi();
    await clean();
    await api.db.query(
      `INSERT INTO customers (id, name, external_userid, owner_userid)
       VALUES (990001, '王小花', ?, 'zhangsan'), (990002, '李四', ?, NULL)`,
      [ID, GONE],
    );
    await api.db.query(
      `INSERT INTO wecom_follow_relations
         (external_userid, userid, remark, state, added_at, removed_at, removed_by, changed_at)
       VALUES (?, 'zhangsan', '老顾客', 'store-01', '2026-01-02 10:00:00', NULL, NULL, NOW(3)),
              (?, 'lisi', NULL, NULL, '2026-03-04 09:30:00', '2026-05-06 08:00:00', 'del_follow_user', NOW(3)),
              (?, 'wangwu', NULL, NULL, '2026-02-01 12:00:00', '2026-02-03 12:00:00', 'del_external_contact', NOW(3))`,
      [ID, ID, GONE],
    );
    await api.db.query(
      `INSERT INTO wecom_corp_tags (tag_id, group_id, group_name, name, sort_order, deleted_at, updated_at)
       VALUES ('et-vip', 'g1', '客户等级', 'VIP', 1, NULL, NOW(3)),
              ('et-old', 'g1', '客户等级', '已停用', 2, NOW(), NOW(3)),
              ('et-cat', 'g2', '偏好', '猫砂', 1, NULL, NOW(3))`,
    );
    await api.db.query(
      `INSERT INTO wecom_contact_tags (external_userid, userid, tag_id)
       VALUES (?, 'zhangsan', 'et-vip'), (?, 'zhangsan', 'et-old'), (?, 'lisi', 'et-cat')`,
      [ID, ID, ID],
    );
  });
  afterAll(async () => {
    await clean();
    await api?.close();
  });
  async function clean() {
    await api.db.query('DELETE FROM wecom_contact_tags WHERE external_userid IN (?, ?)', [
      ID,
      GONE,
    ]);
    await api.db.query(
      "DELETE FROM wecom_corp_tags WHERE tag_id IN ('et-vip', 'et-old', 'et-cat')",
    );
    await api.db.query('DELETE FROM wecom_follow_relations WHERE external_userid IN (?, ?)', [
      ID,
      GONE,
    ]);
    await api.db.query('DELETE FROM customers WHERE id IN (990001, 990002)');
  }

  it('answers the follows (active first), each with its live corp tags, and the owner', async () => {
    const res = await api.post('/wecom/contacts/customer', { externalUserid: ` ${ID} ` });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      externalUserid: ID,
      customerId: 990001,
      name: '王小花',
      ownerUserid: 'zhangsan',
      unreachable: false,
      follows: [
        {
          userid: 'zhangsan',
          remark: '老顾客',
          state: 'store-01',
          addedAt: '2026-01-02 10:00:00',
          removedAt: null,
          tags: [{ tagId: 'et-vip', groupName: '客户等级', name: 'VIP' }],
        },
        {
          userid: 'lisi',
          remark: null,
          state: null,
          addedAt: '2026-03-04 09:30:00',
          removedAt: '2026-05-06 08:00:00',
          tags: [{ tagId: 'et-cat', groupName: '偏好', name: '猫砂' }],
        },
      ],
    });
  });

  it('says a customer every member deleted is unreachable', async () => {
    const res = await api.post('/wecom/contacts/customer', { externalUserid: GONE });
    expect(res.body.data).toMatchObject({ unreachable: true, follows: [{ userid: 'wangwu' }] });
  });

  it('answers 404 for an id the system does not know, 400 naming the field for a bad body', async () => {
    const missing = await api.post('/wecom/contacts/customer', { externalUserid: 'wm-nobody' });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({
      code: 'NOT_FOUND',
      details: [{ field: 'externalUserid' }],
    });
    const bad = await api.post('/wecom/contacts/customer', {});
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(bad.body.error.details)).toContain('externalUserid');
  });
});
