import { HuashuAdminHealthDashboard } from './admin-health-dashboard.component.js';

export * from './admin-health-dashboard.component.js';
export default HuashuAdminHealthDashboard;

// The same tag as the rep bundle's dashboard, with the manager's layout: whichever bundle a page loads first defines it.
if (!customElements.get('huashu-health-dashboard')) customElements.define('huashu-health-dashboard', HuashuAdminHealthDashboard);
