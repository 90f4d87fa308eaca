import { HuashuStageEditor } from './stage-editor.component.js';

export * from './stage-editor.component.js';
export default HuashuStageEditor;

// Registering twice throws; a page that loads two copies of the bundle keeps the first.
if (!customElements.get('huashu-stage-editor')) customElements.define('huashu-stage-editor', HuashuStageEditor);

declare global {
  interface HTMLElementTagNameMap {
    'huashu-stage-editor': HuashuStageEditor;
  }
}
