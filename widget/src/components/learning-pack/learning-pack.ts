import { HuashuLearningPack } from './learning-pack.component.js';

export * from './learning-pack.component.js';
export default HuashuLearningPack;

// Registering twice throws; a page that loads two copies of the widget keeps the first.
if (!customElements.get('huashu-learning-pack')) customElements.define('huashu-learning-pack', HuashuLearningPack);

declare global {
  interface HTMLElementTagNameMap {
    'huashu-learning-pack': HuashuLearningPack;
  }
}
