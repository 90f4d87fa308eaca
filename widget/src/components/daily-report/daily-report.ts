import { HuashuDailyReport } from './daily-report.component.js';

export * from './daily-report.component.js';
export default HuashuDailyReport;

// Registering twice throws; a page that loads two copies of the widget keeps the first.
if (!customElements.get('huashu-daily-report')) customElements.define('huashu-daily-report', HuashuDailyReport);

declare global {
  interface HTMLElementTagNameMap {
    'huashu-daily-report': HuashuDailyReport;
  }
}
