import { HuashuAssistant } from './assistant.component.js';

export * from './assistant.component.js';
export default HuashuAssistant;

// Registering twice throws; a page that loads two copies of the widget keeps the first.
if (!customElements.get('huashu-assistant')) customElements.define('huashu-assistant', HuashuAssistant);

declare global {
  interface HTMLElementTagNameMap {
    'huashu-assistant': HuashuAssistant;
  }
}
