import { HuashuReviewQueue } from './review-queue.component.js';

export * from './review-queue.component.js';
export default HuashuReviewQueue;

// Registering twice throws; a page that loads two copies of the bundle keeps the first.
if (!customElements.get('huashu-review-queue')) customElements.define('huashu-review-queue', HuashuReviewQueue);

declare global {
  interface HTMLElementTagNameMap {
    'huashu-review-queue': HuashuReviewQueue;
  }
}
