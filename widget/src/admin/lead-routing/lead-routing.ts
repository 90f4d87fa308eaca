import { HuashuLeadRouting } from './lead-routing.component.js';

export * from './lead-routing.component.js';
export default HuashuLeadRouting;

// Registering twice throws; a page that loads two copies of the bundle keeps the first.
if (!customElements.get('huashu-lead-routing')) customElements.define('huashu-lead-routing', HuashuLeadRouting);

declare global {
  interface HTMLElementTagNameMap {
    'huashu-lead-routing': HuashuLeadRouting;
  }
}
