import { HuashuCaptureRules } from './capture-rules.component.js';

export * from './capture-rules.component.js';
export default HuashuCaptureRules;

// Registering twice throws; a page that loads two copies of the bundle keeps the first.
if (!customElements.get('huashu-capture-rules')) customElements.define('huashu-capture-rules', HuashuCaptureRules);

declare global {
  interface HTMLElementTagNameMap {
    'huashu-capture-rules': HuashuCaptureRules;
  }
}
