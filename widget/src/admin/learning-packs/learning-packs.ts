import { HuashuLearningPacks } from './learning-packs.component.js';

export * from './learning-packs.component.js';
export default HuashuLearningPacks;

// Registering twice throws; a page that loads two copies of the bundle keeps the first.
if (!customElements.get('huashu-learning-packs')) customElements.define('huashu-learning-packs', HuashuLearningPacks);

declare global {
  interface HTMLElementTagNameMap {
    'huashu-learning-packs': HuashuLearningPacks;
  }
}
