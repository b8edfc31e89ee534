import { Typography } from 'antd';
import { useState } from 'react';

interface MessageContent {
  content?: string;
  img?: string;
  miniProgramTitle?: string;
  miniProgramImg?: string;
  miniProgramUrl?: string;
}

const isHttpUrl = (s: string | undefined): s is string => {
  if (!s) return false;
  try {
    const u = new URL(s.trim());
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
};

function PreviewImage({ src, className, alt }: { src?: string; className: string; alt: string }) {
  const [failed, setFailed] = useState<string>();
  if (!isHttpUrl(src)) {
    return (
      <div className={`${className} wecom-placeholder`}>{src ? '图片地址无效' : '未设置图片'}</div>
    );
  }
  if (failed === src) return <div className={`${className} wecom-placeholder`}>图片无法加载</div>;
  return <img className={className} src={src.trim()} alt={alt} onError={() => setFailed(src)} />;
}

/**
 * How the customer will see the message in WeCom: text, image and mini-program card as
 * separate messages from the employee. Operator input is rendered as text, never as HTML.
 * `note: false` leaves out the delivery note (a variant's preview beside the rule's).
 */
export function MessagePreview(props: MessageContent & { note?: boolean }) {
  const { content, img, miniProgramTitle, miniProgramImg, miniProgramUrl, note = true } = props;
  const hasCard = Boolean(miniProgramTitle || miniProgramImg || miniProgramUrl);
  const empty = !content && !img && !hasCard;
  return (
    <div>
      <div className="wecom-chat" data-testid="message-preview">
        {empty && (
          <Typography.Text type="secondary">
            填写推送内容后，这里显示客户看到的消息。
          </Typography.Text>
        )}
        {content && (
          <div className="wecom-msg">
            <div className="wecom-avatar">企</div>
            <div className="wecom-bubble" data-testid="preview-text">
              {content}
            </div>
          </div>
        )}
        {img && (
          <div className="wecom-msg">
            <div className="wecom-avatar">企</div>
            <PreviewImage className="wecom-image" src={img} alt="推送图片" />
          </div>
        )}
        {hasCard && (
          <div className="wecom-msg">
            <div className="wecom-avatar">企</div>
            <div className="wecom-card" data-testid="preview-card">
              <div className="wecom-card-title">{miniProgramTitle || '（未填写标题）'}</div>
              <PreviewImage className="wecom-card-cover" src={miniProgramImg} alt="小程序封面" />
              <div className="wecom-card-footer" title={miniProgramUrl}>
                小程序 · {miniProgramUrl || '（未填写页面）'}
              </div>
            </div>
          </div>
        )}
      </div>
      {note && (
        <Typography.Paragraph
          type="secondary"
          style={{ marginTop: 8, marginBottom: 0, fontSize: 12 }}
        >
          企业微信会把消息分配给与客户最近联系的员工，员工在企业微信中确认后才会送达；文本、图片、小程序卡片依次发送。
        </Typography.Paragraph>
      )}
    </div>
  );
}
