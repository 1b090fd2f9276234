import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

/** Markdown to HTML as GitHub renders it (CommonMark + GFM tables, strikethrough, autolinks), raw HTML kept. */
export function renderGfm(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

/** What a reader sees: the rendered HTML without tags, entities decoded, whitespace collapsed. */
export function visibleText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<\/?(p|li|ul|ol|td|th|tr|thead|tbody|table|h[1-6]|summary|details|blockquote|br|hr|pre)\b[^>]*>/g, ' ')
    .replace(/<[^>]+>/g, '')
    .replace(/&(lt|gt|amp|quot|#39|#x27);/g, (_, name: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', '#39': "'", '#x27': "'" })[name] ?? '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The rendered text of the first element matching `tag` whose text contains `containing`. */
export function elementText(html: string, tag: string, containing: string): string | undefined {
  const pattern = new RegExp(`<${tag}\\b[^>]*>([\\s\\S]*?)</${tag}>`, 'g');
  for (const match of html.matchAll(pattern)) {
    const text = visibleText(match[1] ?? '');
    if (text.includes(containing)) return text;
  }
  return undefined;
}
