import { HuashuSignalRules } from './signal-rules.component.js';

export * from './signal-rules.component.js';
export default HuashuSignalRules;

// Registering twice throws; a page that loads two copies of the bundle keeps the first.
if (!customElements.get('huashu-signal-rules')) customElements.define('huashu-signal-rules', HuashuSignalRules);

declare global {
  interface HTMLElementTagNameMap {
    'huashu-signal-rules': HuashuSignalRules;
  }
}
