import { LitElement, type PropertyDeclarations } from 'lit';
import type { HuashuApiError } from '@huashu/sdk';
import type { MessageKey, MessageParams } from './i18n.js';
import { LocaleController } from './locale-controller.js';

/**
 * What every widget shares: the API `endpoint`, its language (`lang` on the
 * element, an ancestor or `<html>`), and error messages a rep can act on.
 * Subclasses add their credential attribute and a `client` property.
 */
export abstract class HuashuElement extends LitElement {
  static override properties: PropertyDeclarations = {
    endpoint: { type: String },
  };

  /** Base URL of the Huashu API, e.g. `https://huashu.example.com`. */
  endpoint = '';

  protected readonly i18n = new LocaleController(this);

  protected t(key: MessageKey, params?: MessageParams): string {
    return this.i18n.t(key, params);
  }

  /** A sentence for errors that are not about one field; field problems are shown next to their fields instead. */
  protected describeError(error: HuashuApiError): string {
    switch (error.code) {
      case 'network_error':
        return this.t('common.network');
      case 'unauthenticated':
      case 'invalid_token':
        return this.t('common.unauthenticated');
      case 'rate_limited':
        return this.t('common.rateLimited');
      default:
        return this.t('common.failed', { message: error.message });
    }
  }
}
