import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHuashu } from '../client.js';
import { trackSections } from '../share.js';
import { createMemoryStorage, fakePage, scriptedFetch } from '../test-support/fakes.js';
import { IDLE_AFTER_MS } from './dwell.js';
import { createSectionTracker, linkIdFrom, MAX_SECTION_NAME, sectionName, type ObserverEntry, type SectionClient, type SectionElement, type SectionEnvironment } from './sections.js';

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-12-03T10:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

const VIEWPORT = { width: 1000, height: 800 };
const LINK = 'eDKP7KtR0Q';

interface BlockSpec {
  /** The attribute's value; `null` for an element without it. */
  name: string | null;
  /** Offset from the top of the document and height, in CSS pixels. */
  top: number;
  height: number;
  heading?: string;
  id?: string;
}

/**
 * A shared document: `fakePage`'s window and document (event targets), blocks
 * laid out vertically whose client rects follow the scroll position, and an
 * IntersectionObserver that reports, like the browser's, every observed block
 * once on `observe` and then whichever changed state after a scroll or a
 * layout change.
 */
function fakeDocument(blocks: BlockSpec[], url = `https://docs.example.com/proposal.html?v=3&hs_link=${LINK}`, { observer = true } = {}) {
  const page = fakePage(url);
  let scrollY = 0;
  const element = (block: BlockSpec) => ({
    block,
    id: block.id ?? '',
    getAttribute: (name: string) => (name === 'data-huashu-section' ? block.name : null),
    getBoundingClientRect: () => ({ top: block.top - scrollY, bottom: block.top + block.height - scrollY, left: 0, right: VIEWPORT.width }),
    querySelector: (selectors: string) => (block.heading !== undefined && selectors.startsWith('h1') ? { textContent: block.heading } : null),
  });
  const elements = blocks.map(element);
  const mutationCallbacks: Array<() => void> = [];
  class FakeMutationObserver {
    constructor(private readonly callback: () => void) {}
    observe() {
      mutationCallbacks.push(this.callback);
    }
    disconnect() {
      mutationCallbacks.splice(mutationCallbacks.indexOf(this.callback), 1);
    }
  }
  const intersects = (element: (typeof elements)[number]) => {
    const rect = element.getBoundingClientRect();
    return rect.bottom > 0 && rect.top < VIEWPORT.height;
  };
  const observers: Array<{ callback: (entries: readonly ObserverEntry[]) => void; targets: Map<unknown, boolean>; connected: boolean }> = [];
  class FakeObserver {
    private readonly state;
    constructor(callback: (entries: readonly ObserverEntry[]) => void) {
      this.state = { callback, targets: new Map<unknown, boolean>(), connected: true };
      observers.push(this.state);
    }
    observe(target: SectionElement) {
      const element = target as (typeof elements)[number];
      this.state.targets.set(element, intersects(element));
      // The browser's first report comes after the current task; the tests deliver it with `layout()`.
      pendingFirst.push([this.state, element]);
    }
    disconnect() {
      this.state.connected = false;
    }
  }
  const pendingFirst: Array<[(typeof observers)[number], (typeof elements)[number]]> = [];
  /** Delivers what the observers would report now. */
  const layout = () => {
    for (const state of observers) {
      if (!state.connected) continue;
      const entries: ObserverEntry[] = [];
      for (const [first, element] of pendingFirst.splice(0)) if (first === state) entries.push({ target: element, isIntersecting: intersects(element) });
      for (const [target, was] of state.targets) {
        const now = intersects(target as (typeof elements)[number]);
        if (now !== was && !entries.some((entry) => entry.target === target)) entries.push({ target, isIntersecting: now });
        state.targets.set(target, now);
      }
      if (entries.length) state.callback(entries);
    }
  };
  const environment: SectionEnvironment = {
    window: Object.assign(page.window, { innerWidth: VIEWPORT.width, innerHeight: VIEWPORT.height }),
    document: Object.assign(page.document, {
      querySelectorAll(selectors: string) {
        if (selectors === '[data-huashu-section]') return elements.filter((element) => element.block.name !== null);
        if (selectors === '.chapter') return elements;
        throw new SyntaxError(`'${selectors}' is not a valid selector`);
      },
    }),
    location: { get search() { return new URL(page.location.href).search; }, get pathname() { return page.location.pathname; } },
    IntersectionObserver: observer ? (FakeObserver as unknown as SectionEnvironment['IntersectionObserver']) : undefined,
    MutationObserver: FakeMutationObserver,
  };
  return {
    page,
    environment,
    observers,
    layout,
    /** Scrolls the way a reader does: a scroll event (activity), then the observer's report. */
    scrollTo(y: number) {
      scrollY = y;
      page.dispatch(page.window, 'scroll');
      layout();
    },
    /** The page's script adds a block (a document rendered after load): the mutation is reported, then the layout. */
    insert(block: BlockSpec) {
      elements.push(element(block));
      for (const callback of [...mutationCallbacks]) callback();
      layout();
    },
    /** Mutation observers still listening. */
    watching: () => mutationCallbacks.length,
    /** Moves content without the reader doing anything (an image loading above, a font swap). */
    shift(y: number) {
      scrollY = y;
      layout();
    },
  };
}

/** A client that records what it was asked to track. */
function recordingClient(tracking = () => true) {
  const tracked: Array<{ event: string; properties: Record<string, unknown> | undefined }> = [];
  const client: SectionClient = { track: (event, properties) => void tracked.push({ event, properties }), isTracking: tracking };
  return { client, tracked, dwell: () => tracked.map((call) => call.properties) };
}

/** Interacts every `everyMs` for `forMs`, like a reader scrolling a little and moving the pointer. */
function read(page: ReturnType<typeof fakePage>, forMs: number, everyMs = 5000) {
  for (let elapsed = 0; elapsed < forMs; elapsed += everyMs) {
    vi.advanceTimersByTime(Math.min(everyMs, forMs - elapsed));
    page.interact();
  }
}

/** A proposal: a 600 px cover, 报价 (1600 px), 实施计划 (1200 px). */
const PROPOSAL: BlockSpec[] = [
  { name: null, top: 0, height: 600 },
  { name: '报价', top: 600, height: 1600 },
  { name: '实施计划', top: 2200, height: 1200 },
];
const dwell = (section: string | undefined, activeSeconds: number) => ({ linkId: LINK, activeSeconds, path: '/proposal.html', ...(section === undefined ? {} : { section }) });

describe('linkIdFrom', () => {
  it('takes 1–64 url-safe characters and nothing else', () => {
    expect(linkIdFrom(`?hs_link=${LINK}`)).toBe(LINK);
    expect(linkIdFrom('?a=1&hs_link=a_b-C9')).toBe('a_b-C9');
    expect(linkIdFrom('?hs_link=' + 'x'.repeat(64))).toBe('x'.repeat(64));
    for (const search of ['', '?hs_link=', '?hs_link=' + 'x'.repeat(65), '?hs_link=a%20b', '?hs_link=%3Cscript%3E', '?hs_link=报价', '?hs_link=a.b', '?other=1']) {
      expect(linkIdFrom(search)).toBeNull();
    }
  });
});

describe('sectionName', () => {
  const element = (attribute: string | null, rest: Partial<SectionElement> = {}): SectionElement => ({
    getAttribute: () => attribute,
    getBoundingClientRect: () => ({ top: 0, bottom: 0, left: 0, right: 0 }),
    ...rest,
  });

  it('is the attribute, whitespace collapsed and trimmed, cut to 200 characters without splitting an emoji', () => {
    expect(sectionName(element('  报价 \n 与  付款 '))).toBe('报价 与 付款');
    expect(sectionName(element('章'.repeat(300)))).toBe('章'.repeat(MAX_SECTION_NAME));
    const emojiAtCut = 'a'.repeat(MAX_SECTION_NAME - 1) + '📈';
    expect(sectionName(element(emojiAtCut))).toBe('a'.repeat(MAX_SECTION_NAME - 1));
  });

  it('falls back to the first heading, then the id, and is empty without any', () => {
    expect(sectionName(element(' ', { querySelector: () => ({ textContent: '\n  实施计划 ' }), id: 'plan' }))).toBe('实施计划');
    expect(sectionName(element(null, { querySelector: () => null, id: 'plan' }))).toBe('plan');
    expect(sectionName(element(null, { id: '' }))).toBe('');
  });
});

describe('createSectionTracker', () => {
  it('reports the active seconds of each section read, when the reader moves on and when the page is left', () => {
    const doc = fakeDocument(PROPOSAL);
    const { client, dwell: sent } = recordingClient();
    const tracking = createSectionTracker(client, doc.environment, {}, Date.now);
    expect(tracking).toMatchObject({ linkId: LINK, sections: ['报价', '实施计划'] });
    doc.layout();
    // The first screen shows 200 px of cover and 600 px of 报价: 报价 is being read.
    doc.scrollTo(400);
    read(doc.page, 20_000);
    expect(sent()).toEqual([]);
    doc.scrollTo(2200);
    read(doc.page, 12_000);
    doc.page.pagehide();
    expect(sent()).toEqual([dwell('报价', 20), dwell('实施计划', 12)]);
  });

  it('picks up sections the page renders after it started, from when they appear', () => {
    // A document built by script: at first only the cover (with a loading notice) is there.
    const doc = fakeDocument([PROPOSAL[0]!]);
    const { client, dwell: sent } = recordingClient();
    const tracking = createSectionTracker(client, doc.environment, {}, Date.now);
    expect(tracking.sections).toEqual([]);
    doc.layout();
    read(doc.page, 3000);
    doc.insert(PROPOSAL[1]!);
    doc.insert(PROPOSAL[2]!);
    expect(tracking.sections).toEqual(['报价', '实施计划']);
    doc.scrollTo(700);
    read(doc.page, 9000);
    doc.scrollTo(2200);
    read(doc.page, 6000);
    tracking.stop();
    // The cover's 3 s without a section, then each section's own time.
    expect(sent()).toEqual([dwell(undefined, 3), dwell('报价', 9), dwell('实施计划', 6)]);
    expect(doc.watching()).toBe(0);
  });

  it('counts the section taking up most of the viewport', () => {
    const doc = fakeDocument(PROPOSAL);
    const { client, dwell: sent } = recordingClient();
    createSectionTracker(client, doc.environment, {}, Date.now);
    doc.layout();
    // 报价 ends 300 px into the viewport, 实施计划 takes the other 500 px.
    doc.scrollTo(1900);
    read(doc.page, 10_000);
    // Now 报价 shows 500 px and 实施计划 300 px.
    doc.scrollTo(1700);
    read(doc.page, 4000);
    doc.page.pagehide();
    expect(sent()).toEqual([dwell('实施计划', 10), dwell('报价', 4)]);
  });

  it('follows layout changes the observer reports without a scroll, and they are not activity', () => {
    const doc = fakeDocument(PROPOSAL);
    const { client, dwell: sent } = recordingClient();
    createSectionTracker(client, doc.environment, {}, Date.now);
    doc.layout();
    doc.scrollTo(700);
    read(doc.page, 8000);
    // Content above grew: 实施计划 fills the viewport. Nobody touched anything for the next 2 minutes.
    doc.shift(2300);
    vi.advanceTimersByTime(2 * 60_000);
    doc.page.pagehide();
    expect(sent()).toEqual([dwell('报价', 8), dwell('实施计划', IDLE_AFTER_MS / 1000)]);
  });

  it('stops counting 30 s after the last activity, as the page dwell does', () => {
    const doc = fakeDocument(PROPOSAL);
    const { client, dwell: sent } = recordingClient();
    createSectionTracker(client, doc.environment, {}, Date.now);
    doc.layout();
    doc.scrollTo(600);
    read(doc.page, 10_000);
    vi.advanceTimersByTime(10 * 60_000);
    doc.page.pagehide();
    expect(sent()).toEqual([dwell('报价', 10 + IDLE_AFTER_MS / 1000)]);
  });

  it('sends the section on hiding the page, counts nothing while hidden, and counts again on return', () => {
    const doc = fakeDocument(PROPOSAL);
    const { client, dwell: sent } = recordingClient();
    createSectionTracker(client, doc.environment, {}, Date.now);
    doc.layout();
    doc.scrollTo(600);
    read(doc.page, 15_000);
    doc.page.setVisibility('hidden');
    expect(sent()).toEqual([dwell('报价', 15)]);
    read(doc.page, 60_000);
    doc.page.setVisibility('visible');
    read(doc.page, 5000);
    doc.page.pagehide();
    expect(sent()).toEqual([dwell('报价', 15), dwell('报价', 5)]);
  });

  it('does not report a section scrolled past in under a second', () => {
    const doc = fakeDocument(PROPOSAL);
    const { client, dwell: sent } = recordingClient();
    createSectionTracker(client, doc.environment, {}, Date.now);
    doc.layout();
    doc.scrollTo(2200);
    read(doc.page, 6000);
    doc.scrollTo(600);
    vi.advanceTimersByTime(900);
    doc.scrollTo(2200);
    read(doc.page, 3000);
    doc.page.pagehide();
    expect(sent()).toEqual([dwell('实施计划', 6), dwell('实施计划', 3)]);
  });

  it('reports time with no section in view without a section, so the engagement total is every second read', () => {
    const doc = fakeDocument([{ name: null, top: 0, height: 1000 }, { name: '报价', top: 1000, height: 1000 }]);
    const { client, dwell: sent } = recordingClient();
    createSectionTracker(client, doc.environment, {}, Date.now);
    doc.layout();
    read(doc.page, 7000);
    doc.scrollTo(1000);
    read(doc.page, 9000);
    doc.page.pagehide();
    expect(sent()).toEqual([dwell(undefined, 7), dwell('报价', 9)]);
  });

  it('reports a document without sections as a whole', () => {
    const doc = fakeDocument([{ name: null, top: 0, height: 5000 }]);
    const { client, dwell: sent } = recordingClient();
    expect(createSectionTracker(client, doc.environment, {}, Date.now).sections).toEqual([]);
    read(doc.page, 25_000);
    doc.page.pagehide();
    expect(sent()).toEqual([dwell(undefined, 25)]);
  });

  it('treats blocks of the same name as one section, and takes a selector with heading and id names', () => {
    const doc = fakeDocument([
      { name: '报价', top: 0, height: 800 },
      { name: ' 报价 ', top: 800, height: 800 },
      { name: null, top: 1600, height: 800, heading: '案例：华东医院' },
      { name: null, top: 2400, height: 800, id: 'appendix' },
      { name: null, top: 3200, height: 800 },
    ]);
    const { client, dwell: sent } = recordingClient();
    expect(createSectionTracker(client, doc.environment, { selector: '.chapter' }, Date.now).sections).toEqual(['报价', '报价', '案例：华东医院', 'appendix']);
    doc.layout();
    read(doc.page, 4000);
    doc.scrollTo(800);
    read(doc.page, 4000);
    doc.scrollTo(1600);
    read(doc.page, 2000);
    doc.scrollTo(2400);
    read(doc.page, 3000);
    doc.page.pagehide();
    expect(sent()).toEqual([dwell('报价', 8), dwell('案例：华东医院', 2), dwell('appendix', 3)]);
  });

  it('measures on scroll alone where there is no IntersectionObserver', () => {
    const doc = fakeDocument(PROPOSAL, undefined, { observer: false });
    const { client, dwell: sent } = recordingClient();
    createSectionTracker(client, doc.environment, {}, Date.now);
    doc.scrollTo(600);
    read(doc.page, 5000);
    doc.scrollTo(2400);
    read(doc.page, 5000);
    doc.page.pagehide();
    expect(sent()).toEqual([dwell('报价', 5), dwell('实施计划', 5)]);
  });

  it('does not count the time away in the back/forward cache', () => {
    const doc = fakeDocument(PROPOSAL);
    const { client, dwell: sent } = recordingClient();
    createSectionTracker(client, doc.environment, {}, Date.now);
    doc.layout();
    doc.scrollTo(600);
    read(doc.page, 5000);
    doc.page.pagehide(true);
    vi.advanceTimersByTime(10_000);
    doc.page.dispatch(doc.page.window, 'pageshow', { persisted: true });
    vi.advanceTimersByTime(3000);
    doc.page.pagehide();
    expect(sent()).toEqual([dwell('报价', 5), dwell('报价', 3)]);
  });

  it('does nothing on a page not opened through a share link, or with a link id that is not one', () => {
    for (const url of ['https://docs.example.com/proposal.html', 'https://docs.example.com/proposal.html?hs_link=%3Cx%3E', `https://docs.example.com/p?hs_link=${'a'.repeat(65)}`]) {
      const doc = fakeDocument(PROPOSAL, url);
      const { client, tracked } = recordingClient();
      expect(createSectionTracker(client, doc.environment, {}, Date.now)).toMatchObject({ linkId: null, sections: [] });
      expect(doc.observers).toHaveLength(0);
      read(doc.page, 10_000);
      doc.page.pagehide();
      expect(tracked).toEqual([]);
    }
  });

  it('counts nothing while the client may not track', () => {
    const doc = fakeDocument(PROPOSAL);
    let consent = false;
    const { client, tracked, dwell: sent } = recordingClient(() => consent);
    createSectionTracker(client, doc.environment, {}, Date.now);
    doc.layout();
    doc.scrollTo(600);
    read(doc.page, 20_000);
    doc.page.setVisibility('hidden');
    expect(tracked).toEqual([]);
    doc.page.setVisibility('visible');
    read(doc.page, 20_000);
    // Consent given: counting starts now, not with the page.
    consent = true;
    read(doc.page, 6000);
    doc.page.pagehide();
    expect(sent()).toEqual([dwell('报价', 6)]);
  });

  it('sends the section being read on stop and then stops listening', () => {
    const doc = fakeDocument(PROPOSAL);
    const { client, dwell: sent } = recordingClient();
    const tracking = createSectionTracker(client, doc.environment, {}, Date.now);
    doc.layout();
    doc.scrollTo(600);
    read(doc.page, 4000);
    tracking.stop();
    expect(doc.observers.every((observer) => !observer.connected)).toBe(true);
    doc.scrollTo(2200);
    read(doc.page, 9000);
    doc.page.pagehide();
    expect(sent()).toEqual([dwell('报价', 4)]);
  });
});

describe('trackSections', () => {
  it('never throws into the page: a bad selector, a client that throws, a page that throws on measuring', () => {
    const doc = fakeDocument(PROPOSAL);
    const { client, tracked } = recordingClient();
    expect(trackSections(client, { environment: doc.environment, selector: '::nope(' })).toMatchObject({ linkId: null });
    expect(trackSections(undefined as unknown as SectionClient, { environment: doc.environment })).toMatchObject({ linkId: null });
    expect(tracked).toEqual([]);

    const throwing: SectionClient = {
      track: () => {
        throw new Error('host broke track');
      },
    };
    const tracking = trackSections(throwing, { environment: doc.environment });
    doc.layout();
    doc.scrollTo(600);
    read(doc.page, 3000);
    expect(() => doc.scrollTo(2200)).not.toThrow();
    expect(() => doc.page.pagehide()).not.toThrow();
    expect(() => tracking.stop()).not.toThrow();

    const broken = fakeDocument(PROPOSAL);
    const [first] = broken.environment.document.querySelectorAll('[data-huashu-section]') as unknown as Array<{ getBoundingClientRect: () => never }>;
    first!.getBoundingClientRect = () => {
      throw new Error('detached');
    };
    expect(trackSections(client, { environment: broken.environment })).toMatchObject({ linkId: null });
  });

  it('outside a browser does nothing', () => {
    const { client, tracked } = recordingClient();
    expect(trackSections(client)).toMatchObject({ linkId: null, sections: [] });
    expect(tracked).toEqual([]);
  });

  it('sends through the core client: the section events carry the link, the page type and the visitor, and honour opt-in consent', async () => {
    const doc = fakeDocument(PROPOSAL);
    const server = scriptedFetch();
    const huashu = createHuashu({
      endpoint: 'https://api.test',
      publishableKey: 'pk_test_share',
      fetch: server.fetch,
      storage: createMemoryStorage(),
      environment: doc.page.environment,
      consent: 'opt-in',
      pageTypes: { '/proposal.html': 'proposal' },
    });
    trackSections(huashu, { environment: doc.environment });
    doc.layout();
    doc.scrollTo(600);
    read(doc.page, 30_000);
    huashu.optIn();
    read(doc.page, 10_000);
    doc.scrollTo(2200);
    read(doc.page, 5000);
    doc.page.pagehide();
    await huashu.flush();
    const events = [...new Map([...server.requests.flatMap((request) => request.body.batch), ...doc.page.beacons.flatMap((beacon) => JSON.parse(beacon.body).batch)].map((event) => [event.messageId, event])).values()];
    // By beacon or by fetch, whichever the page's last moments allowed: in the order they happened.
    const sections = events.filter((event) => event.event === 'page_dwell' && event.properties.linkId).sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
    expect(sections.map((event) => event.properties)).toEqual([
      { ...dwell('报价', 10), pageType: 'proposal' },
      { ...dwell('实施计划', 5), pageType: 'proposal' },
    ]);
    expect(new Set(events.map((event) => event.anonymousId)).size).toBe(1);
    // The page's own dwell still goes, without the link: it is the visit's, and the engagement does not count it twice.
    expect(events.filter((event) => event.event === 'page_dwell' && !event.properties.linkId).map((event) => event.properties)).toEqual([{ path: '/proposal.html', pageType: 'proposal', activeSeconds: 15 }]);
  });
});
