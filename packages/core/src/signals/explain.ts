import { propertyAt, type LocalizedText, type EventMatcher, type SignalEvent } from './conditions.js';

/**
 * Human-readable explanations of fired signals in Chinese and English, built
 * from what actually happened (the dwell time measured, the document's title)
 * and the rule's labels: 对比页停留 4 分钟后 10 分钟内下载安全白皮书 /
 * "4 min on the comparison page, then downloaded the security white paper within 10 min".
 */

const MINUTE_S = 60;
const HOUR_S = 3600;
const DAY_S = 86_400;

/** Page types the SDK's `pageTypes` option commonly assigns; a step's own label wins, and unknown types show as sent. */
export const PAGE_TYPE_LABELS: Readonly<Record<string, LocalizedText>> = {
  pricing: { zh: '价格页', en: 'the pricing page' },
  competitor_comparison: { zh: '对比页', en: 'the comparison page' },
  case_study: { zh: '客户案例页', en: 'a case study' },
  product: { zh: '产品页', en: 'the product page' },
  security: { zh: '安全合规页', en: 'the security page' },
  docs: { zh: '文档页', en: 'the docs' },
  blog: { zh: '博客', en: 'the blog' },
  contact: { zh: '联系我们页', en: 'the contact page' },
  share: { zh: '分享的文档', en: 'a shared document' },
};

/** `252` → 4 分 12 秒 / 4 min 12 s; whole units drop their remainder (240 → 4 分钟 / 4 min). */
export function formatDuration(totalSeconds: number): LocalizedText {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < MINUTE_S) return { zh: `${s} 秒`, en: `${s} s` };
  if (s < HOUR_S) {
    const minutes = Math.floor(s / MINUTE_S);
    const rest = s % MINUTE_S;
    return rest === 0 ? { zh: `${minutes} 分钟`, en: `${minutes} min` } : { zh: `${minutes} 分 ${rest} 秒`, en: `${minutes} min ${rest} s` };
  }
  if (s < DAY_S) {
    const hours = Math.floor(s / HOUR_S);
    const minutes = Math.round((s % HOUR_S) / MINUTE_S);
    return minutes === 0 ? { zh: `${hours} 小时`, en: `${hours} h` } : { zh: `${hours} 小时 ${minutes} 分钟`, en: `${hours} h ${minutes} min` };
  }
  const days = Math.floor(s / DAY_S);
  const hours = Math.round((s % DAY_S) / HOUR_S);
  const dayWord = days === 1 ? 'day' : 'days';
  return hours === 0 ? { zh: `${days} 天`, en: `${days} ${dayWord}` } : { zh: `${days} 天 ${hours} 小时`, en: `${days} ${dayWord} ${hours} h` };
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** What the matcher's page-type condition (or the event's own pageType) calls the page. */
function pageLabel(matcher: EventMatcher | undefined, event: SignalEvent | undefined): LocalizedText {
  if (matcher?.label) return matcher.label;
  const fromCondition = matcher?.where?.find((condition) => condition.property === 'pageType' && condition.op === 'eq')?.value;
  const pageType = text(fromCondition) ?? text(event && propertyAt(event.properties, 'pageType'));
  if (pageType) return PAGE_TYPE_LABELS[pageType] ?? { zh: pageType, en: pageType };
  const path = text(event && propertyAt(event.properties, 'path'));
  return path ? { zh: path, en: path } : { zh: '页面', en: 'a page' };
}

function documentLabel(matcher: EventMatcher | undefined, event: SignalEvent | undefined): LocalizedText {
  if (matcher?.label) return matcher.label;
  const title = text(event && propertyAt(event.properties, 'title'));
  if (title) return { zh: `《${title}》`, en: `“${title}”` };
  const id = text(event && propertyAt(event.properties, 'documentId')) ?? text(matcher?.where?.find((condition) => condition.property === 'documentId')?.value);
  return id ? { zh: id, en: id } : { zh: '文档', en: 'a document' };
}

/**
 * One event in words. Known SDK events read naturally (dwell, download, page
 * view, share-link open); any other event reads as its matcher's label, or as
 * `fallback` (the rule's label), or as its name.
 */
export function describeEvent(event: SignalEvent | undefined, matcher?: EventMatcher, fallback?: LocalizedText): LocalizedText {
  const name = event?.type === 'page' ? 'page' : (event?.event ?? matcher?.event);
  switch (name) {
    case 'page_dwell': {
      // A shared document's section (huashu-share) names what was read better than its path does.
      const section = matcher?.label ? undefined : text(event && propertyAt(event.properties, 'section'));
      const page = section ? { zh: `「${section}」部分`, en: `“${section}”` } : pageLabel(matcher, event);
      const seconds = number(event && propertyAt(event.properties, 'activeSeconds'));
      if (seconds === undefined) return { zh: `在${page.zh}停留`, en: `time on ${page.en}` };
      const duration = formatDuration(seconds);
      return { zh: `${page.zh}停留 ${duration.zh}`, en: `${duration.en} on ${page.en}` };
    }
    case 'document_download': {
      const doc = documentLabel(matcher, event);
      return { zh: `下载${doc.zh}`, en: `downloaded ${doc.en}` };
    }
    case 'page': {
      const page = pageLabel(matcher, event);
      return { zh: `访问${page.zh}`, en: `visited ${page.en}` };
    }
    case 'share_link_opened': {
      const doc = documentLabel(matcher, event);
      return { zh: `打开分享的${doc.zh}`, en: `opened the shared ${doc.en}` };
    }
    default: {
      const label = matcher?.label ?? fallback;
      return label ?? { zh: name ?? '事件', en: name ?? 'an event' };
    }
  }
}

/** A weight rule's signal: the event described, or the rule's label for events without a natural description. */
export function explainWeight(label: LocalizedText, matcher: EventMatcher, event: SignalEvent): LocalizedText {
  return describeEvent(event, matcher, label);
}

/** 对比页停留 4 分钟后 10 分钟内下载安全白皮书 / 4 min on the comparison page, then downloaded … within 10 min. */
export function explainSequence(steps: readonly EventMatcher[], events: readonly SignalEvent[], withinSeconds: number): LocalizedText {
  const parts = steps.map((step, index) => describeEvent(events[index], step));
  const within = formatDuration(withinSeconds);
  if (parts.length === 2) {
    return { zh: `${parts[0]!.zh}后 ${within.zh}内${parts[1]!.zh}`, en: `${parts[0]!.en}, then ${parts[1]!.en} within ${within.en}` };
  }
  return {
    zh: `${within.zh}内依次：${parts.map((part) => part.zh).join(' → ')}`,
    en: `within ${within.en}: ${parts.map((part) => part.en).join(', then ')}`,
  };
}

/** 开通试用后 11 天内没有使用任何功能 / no feature use within 11 days after trial started. */
export function explainSilence(after: EventMatcher, anchor: SignalEvent, expect: EventMatcher, withinSeconds: number): LocalizedText {
  const did = describeEvent(anchor, after);
  const awaited = expect.label ?? describeEvent(undefined, expect);
  const within = formatDuration(withinSeconds);
  return { zh: `${did.zh}后 ${within.zh}内没有${awaited.zh}`, en: `no ${awaited.en} within ${within.en} after ${did.en}` };
}
