import { escapeHtml, html, SafeHtml } from './html';

describe('html', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  });

  it('escapes every interpolated value but keeps fragments built with the tag', () => {
    const name = '<b onclick="x">';
    const inner = html`<em>${name}</em>`;
    expect(html`<p>${inner} ${name}</p>`.value).toBe('<p><em>&lt;b onclick=&quot;x&quot;&gt;</em> &lt;b onclick=&quot;x&quot;&gt;</p>');
  });

  it('renders arrays, numbers, and drops null, undefined and false', () => {
    expect(html`${['<', html`<br>`]}|${3}|${null}|${undefined}|${false}`.value).toBe('&lt;<br>|3|||');
  });

  it('is plain text through toString', () => {
    expect(String(new SafeHtml('<i>x</i>'))).toBe('<i>x</i>');
  });
});
