import { HuashuHealthDashboard } from './health-dashboard.component.js';

export * from './health-dashboard.component.js';
export default HuashuHealthDashboard;

// Registering twice throws; a page that loads two copies of the widget keeps the first.
if (!customElements.get('huashu-health-dashboard')) customElements.define('huashu-health-dashboard', HuashuHealthDashboard);

declare global {
  interface HTMLElementTagNameMap {
    'huashu-health-dashboard': HuashuHealthDashboard;
  }
}
