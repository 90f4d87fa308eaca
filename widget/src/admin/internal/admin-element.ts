import { html, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { HuashuApiError } from '@huashu/sdk';
import { HuashuElement } from '../../internal/huashu-element.js';
import { alertIcon, checkIcon } from '../../internal/icons.js';
import { adminTranslate, type AdminKey } from './admin-i18n.js';
import { createAdminClient, type AdminClient } from './admin-client.js';

export interface AdminEventMap {
  /** A console widget saved something: `what` names it (`draft`, `pilot`, `publish`, `review` …), `result` is the server's answer. */
  'huashu-admin-saved': { widget: string; what: string; result: unknown };
  /** A console widget's request was refused or failed. */
  'huashu-admin-error': { widget: string; error: HuashuApiError };
}

/** Dispatches a bubbling, composed console event (one `huashu-admin-` prefix for all of them). */
export function adminEmit<K extends keyof AdminEventMap>(el: HTMLElement, name: K, detail: AdminEventMap[K]): void {
  el.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
}

type Params = Record<string, string | number>;

/**
 * What every console widget shares: the manager's `token`, a client made from
 * `endpoint` and `token` (or the `client` property), one loading/saving state,
 * and a status line and an error line announced to screen readers.
 */
export abstract class AdminElement extends HuashuElement {
  static override properties: PropertyDeclarations = {
    token: { type: String },
    client: { attribute: false },
    busy: { state: true },
    notice: { state: true },
    problem: { state: true },
  };

  /** A rep token with role reviewer or admin, minted by the CRM's backend. */
  token = '';
  /** A client to use instead of one made from `endpoint` and `token`. */
  client: AdminClient | undefined;
  protected busy = false;
  protected notice = '';
  protected problem = '';
  protected abstract readonly widget: string;
  private cached: { endpoint: string; client: AdminClient } | undefined;
  private loaded = false;

  protected at(key: AdminKey, params?: Params): string {
    return adminTranslate(this.i18n.locale, key, params);
  }

  protected get api(): AdminClient | undefined {
    if (this.client) return this.client;
    if (!this.endpoint || !this.token) return undefined;
    if (this.cached?.endpoint !== this.endpoint) this.cached = { endpoint: this.endpoint, client: createAdminClient(this.endpoint, () => this.token) };
    return this.cached.client;
  }

  /** Loads the widget's data (called once configured, and by `reload()`). */
  protected abstract load(api: AdminClient): Promise<void>;

  protected override updated(changed: PropertyValues): void {
    if ((changed.has('endpoint') || changed.has('client') || (!this.loaded && changed.has('token'))) && this.api) {
      this.loaded = true;
      void this.reload();
    }
  }

  /** Loads everything again from the server. */
  async reload(): Promise<void> {
    await this.run(async (api) => this.load(api));
  }

  /**
   * Runs one request with the busy state and error line; a refusal shows the
   * server's sentence (it names the field). `done` is announced on success.
   */
  protected async run<T>(work: (api: AdminClient) => Promise<T>, done?: { what: string; notice: string }): Promise<T | undefined> {
    const api = this.api;
    if (!api) {
      this.problem = this.t('common.notConfigured', { credential: 'token' });
      return undefined;
    }
    this.busy = true;
    this.problem = '';
    if (done) this.notice = '';
    try {
      const result = await work(api);
      if (done) {
        this.notice = done.notice;
        adminEmit(this, 'huashu-admin-saved', { widget: this.widget, what: done.what, result });
      }
      return result;
    } catch (thrown) {
      const error = thrown instanceof HuashuApiError ? thrown : new HuashuApiError('unexpected', String(thrown), { cause: thrown });
      this.problem = error.code === 'forbidden' ? this.at('forbidden') : this.describeError(error);
      adminEmit(this, 'huashu-admin-error', { widget: this.widget, error });
      return undefined;
    } finally {
      this.busy = false;
    }
  }

  protected renderStatus(): TemplateResult {
    return html`<p part="status" class="status" role="status">${this.notice ? html`${checkIcon}<span>${this.notice}</span>` : nothing}</p>
      <div part="alert" class="alert error" role="alert" ?hidden=${!this.problem}>${alertIcon}<span>${this.problem}</span></div>`;
  }
}
