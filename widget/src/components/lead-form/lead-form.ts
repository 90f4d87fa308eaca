import { HuashuLeadForm } from './lead-form.component.js';

export * from './lead-form.component.js';
export default HuashuLeadForm;

// Registering twice throws; a page that loads two copies of the widget keeps the first.
if (!customElements.get('huashu-lead-form')) customElements.define('huashu-lead-form', HuashuLeadForm);

declare global {
  interface HTMLElementTagNameMap {
    'huashu-lead-form': HuashuLeadForm;
  }
}
