import { HuashuPointsAdmin } from './points-admin.component.js';

export * from './points-admin.component.js';
export default HuashuPointsAdmin;

// Registering twice throws; a page that loads two copies of the bundle keeps the first.
if (!customElements.get('huashu-points-admin')) customElements.define('huashu-points-admin', HuashuPointsAdmin);

declare global {
  interface HTMLElementTagNameMap {
    'huashu-points-admin': HuashuPointsAdmin;
  }
}
