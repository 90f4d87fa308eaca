import { HuashuPipelineHeatmap } from './pipeline-heatmap.component.js';

export * from './pipeline-heatmap.component.js';
export default HuashuPipelineHeatmap;

// Registering twice throws; a page that loads two copies of the widget keeps the first.
if (!customElements.get('huashu-pipeline-heatmap')) customElements.define('huashu-pipeline-heatmap', HuashuPipelineHeatmap);

declare global {
  interface HTMLElementTagNameMap {
    'huashu-pipeline-heatmap': HuashuPipelineHeatmap;
  }
}
