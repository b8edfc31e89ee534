import { ExperimentOutlined } from '@ant-design/icons';
import { App, Button, type ButtonProps } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useApi } from '../api/api-context';

/**
 * 测试发送: the rule's saved message — its content and each variant's, one message each — to
 * the test group through the real pipeline, after a confirmation naming the member count;
 * then the rule's runs, where the test run is marked 测试发送.
 */
export function TestSendButton({
  id,
  name,
  size,
  type = 'link',
}: {
  id: number;
  name: string;
  size?: ButtonProps['size'];
  type?: ButtonProps['type'];
}) {
  const api = useApi();
  const { message, modal } = App.useApp();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);

  const start = async () => {
    setBusy(true);
    try {
      const { members } = await api.testGroup();
      if (members.length === 0) {
        message.warning('测试组没有成员，请先由管理员在「测试组」页面添加');
        return;
      }
      modal.confirm({
        title: `测试发送「${name}」？`,
        content: `将把已保存的推送内容（含每个内容变体，各一条）发送给测试组的 ${members.length} 位成员。测试发送不经触达策略，不计入推送统计。`,
        okText: '发送',
        cancelText: '取消',
        onOk: async () => {
          try {
            const { runId } = await api.testSend(id);
            message.success(`已创建测试发送 #${runId}（${members.length} 人）`);
            navigate(`/rules/${id}/runs`);
          } catch (e) {
            message.error(`测试发送失败：${(e as Error).message}`);
          }
        },
      });
    } catch (e) {
      message.error(`无法读取测试组：${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Button
      type={type}
      size={size}
      icon={<ExperimentOutlined />}
      loading={busy}
      onClick={() => void start()}
    >
      测试发送
    </Button>
  );
}
