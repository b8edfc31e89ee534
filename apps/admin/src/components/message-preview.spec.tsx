/**
 * @jest-environment jsdom
 */
import { render, screen } from '@testing-library/react';
import { MessagePreview } from './message-preview';

describe('MessagePreview', () => {
  it('renders operator text as text, never as HTML', () => {
    const evil = '<img src=x onerror="window.__pwned=1"><b>粗体</b>';
    const { container } = render(<MessagePreview content={evil} />);
    expect(screen.getByTestId('preview-text').textContent).toBe(evil);
    expect(container.querySelector('b')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
  });

  it('keeps line breaks of the text', () => {
    render(<MessagePreview content={'第一行\n第二行'} />);
    expect(screen.getByTestId('preview-text').textContent).toBe('第一行\n第二行');
  });

  it('shows the image and the mini-program card with title, cover and page', () => {
    const { container } = render(
      <MessagePreview
        img="https://img.example.com/a.png"
        miniProgramTitle="宠本本优惠专场"
        miniProgramImg="https://img.example.com/cover.png"
        miniProgramUrl="pages/home/index"
      />,
    );
    const srcs = [...container.querySelectorAll('img')].map((i) => i.getAttribute('src'));
    expect(srcs).toEqual(['https://img.example.com/a.png', 'https://img.example.com/cover.png']);
    const card = screen.getByTestId('preview-card');
    expect(card.textContent).toContain('宠本本优惠专场');
    expect(card.textContent).toContain('小程序 · pages/home/index');
  });

  it('does not load a non-http image address', () => {
    const { container } = render(<MessagePreview img="javascript:alert(1)" />);
    expect(container.querySelector('img')).toBeNull();
    expect(container.textContent).toContain('图片地址无效');
  });

  it('invites the operator to write something when there is nothing to send', () => {
    render(<MessagePreview />);
    expect(screen.getByTestId('message-preview').textContent).toContain('填写推送内容后');
  });
});
