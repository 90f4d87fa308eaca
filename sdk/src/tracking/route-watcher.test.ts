import { describe, expect, it } from 'vitest';
import { createHuashu } from '../client.js';
import { fakePage, scriptedFetch } from '../test-support/fakes.js';
import { watchRoutes } from './route-watcher.js';

describe('watchRoutes', () => {
  it('notices pushState, replaceState and popstate, passing arguments and results through', () => {
    const page = fakePage();
    const calls: unknown[][] = [];
    const history = page.environment.history!;
    history.pushState = function (this: unknown, ...args: unknown[]) {
      calls.push(args);
      return 'original result';
    };
    let navigations = 0;
    watchRoutes(page.environment, () => navigations++);
    expect(history.pushState({ a: 1 }, '', '/x')).toBe('original result');
    expect(calls).toEqual([[{ a: 1 }, '', '/x']]);
    history.replaceState({}, '', '/y');
    page.dispatch(page.window, 'popstate');
    expect(navigations).toBe(3);
  });

  it("lets the original's exceptions reach the caller", () => {
    const page = fakePage();
    const history = page.environment.history!;
    history.pushState = () => {
      throw new DOMException('cross-origin URL', 'SecurityError');
    };
    watchRoutes(page.environment, () => undefined);
    expect(() => history.pushState({}, '', 'https://elsewhere.example/')).toThrow('cross-origin URL');
  });

  it('restores the originals on undo', () => {
    const page = fakePage();
    const { pushState, replaceState } = page.environment.history!;
    const undo = watchRoutes(page.environment, () => undefined);
    expect(page.environment.history!.pushState).not.toBe(pushState);
    undo();
    expect(page.environment.history!.pushState).toBe(pushState);
    expect(page.environment.history!.replaceState).toBe(replaceState);
  });

  it('leaves no own property behind when the methods were inherited, as from History.prototype', () => {
    class FakeHistory {
      pushState() {}
      replaceState() {}
    }
    const page = fakePage();
    const history = new FakeHistory();
    const undo = watchRoutes({ ...page.environment, history }, () => undefined);
    expect(Object.keys(history)).toEqual(['pushState', 'replaceState']);
    undo();
    expect(Object.keys(history)).toEqual([]);
    expect(history.pushState).toBe(FakeHistory.prototype.pushState);
  });

  it('stays in the chain, inert, when another script wrapped it afterwards', () => {
    const page = fakePage();
    const history = page.environment.history!;
    let ours = 0;
    let theirs = 0;
    const undo = watchRoutes(page.environment, () => ours++);
    const wrappedByUs = history.pushState;
    const wrappedByThem = function (this: unknown, ...args: unknown[]) {
      theirs++;
      return wrappedByUs.apply(this, args);
    };
    history.pushState = wrappedByThem;
    undo();
    expect(history.pushState).toBe(wrappedByThem);
    history.pushState({}, '', '/after');
    expect([ours, theirs]).toEqual([0, 1]);
    expect(page.location.pathname).toBe('/after');
  });
});

describe('automatic page views', () => {
  it('treats path changes as pages, not query or hash changes, and restores history on destroy', async () => {
    const page = fakePage('https://example.com/');
    const { pushState } = page.environment.history!;
    const server = scriptedFetch();
    const client = createHuashu({ endpoint: 'https://api.test', publishableKey: 'pk_1', fetch: server.fetch, storage: null, environment: page.environment });
    page.history.pushState({}, '', '/pricing');
    page.history.replaceState({}, '', '/pricing?tab=2');
    page.history.pushState({}, '', '/pricing#faq');
    page.history.pushState({}, '', '/compare/acme');
    page.history.pushState({}, '', '/');
    page.dispatch(page.window, 'popstate');
    await client.flush();
    const pages = server.requests.flatMap((request) => request.body.batch).filter((event) => event.type === 'page');
    expect(pages.map((event) => event.properties.path)).toEqual(['/', '/pricing', '/compare/acme', '/']);
    client.destroy();
    expect(page.environment.history!.pushState).toBe(pushState);
  });
});
