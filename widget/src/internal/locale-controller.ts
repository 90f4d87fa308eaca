import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { resolveLocale, translate, type Locale, type MessageKey, type MessageParams } from './i18n.js';

/**
 * Gives a widget its language: its own `lang` attribute, else the nearest
 * ancestor's, else the page's `<html lang>`. Watches the element and `<html>`
 * so a CRM that switches language at runtime re-renders every widget.
 */
export class LocaleController implements ReactiveController {
  private readonly host: ReactiveControllerHost & HTMLElement;
  private observer: MutationObserver | undefined;

  constructor(host: ReactiveControllerHost & HTMLElement) {
    this.host = host;
    host.addController(this);
  }

  get locale(): Locale {
    const own = this.host.closest('[lang]')?.getAttribute('lang');
    return resolveLocale(own || this.host.ownerDocument.documentElement.lang);
  }

  t(key: MessageKey, params?: MessageParams): string {
    return translate(this.locale, key, params);
  }

  hostConnected(): void {
    this.observer = new MutationObserver(() => this.host.requestUpdate());
    const options = { attributes: true, attributeFilter: ['lang'] };
    this.observer.observe(this.host, options);
    this.observer.observe(this.host.ownerDocument.documentElement, options);
  }

  hostDisconnected(): void {
    this.observer?.disconnect();
    this.observer = undefined;
  }
}
