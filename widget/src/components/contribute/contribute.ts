import { HuashuContribute } from './contribute.component.js';

export * from './contribute.component.js';
export default HuashuContribute;

// Registering twice throws; a page that loads two copies of the widget keeps the first.
if (!customElements.get('huashu-contribute')) customElements.define('huashu-contribute', HuashuContribute);

declare global {
  interface HTMLElementTagNameMap {
    'huashu-contribute': HuashuContribute;
  }
}
