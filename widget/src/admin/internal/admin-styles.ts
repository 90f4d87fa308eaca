import { css } from 'lit';

/** Layout the console widgets share: a card of sections, compact tables and rows of controls. */
export const adminStyles = css`
  .admin {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
    gap: var(--_gap);
  }
  h3,
  h4 {
    margin: 0;
    font-size: 1.07em;
  }
  h4 {
    font-size: 1em;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: end;
  }
  .row > .field {
    flex: 1 1 140px;
  }
  .row > .field.narrow {
    flex: 0 1 96px;
  }
  .card {
    display: grid;
    gap: 8px;
    padding: 12px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
  }
  .card.dragging {
    opacity: 0.5;
  }
  .card.over {
    border-color: var(--_accent);
  }
  .muted,
  .status {
    margin: 0;
    color: var(--_muted);
    font-size: 0.93em;
  }
  .status {
    display: flex;
    gap: 6px;
    align-items: center;
    color: var(--_success);
    min-height: 1.2em;
  }
  .scroll {
    overflow-x: auto;
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    padding: 6px 8px;
    border-bottom: 1px solid var(--_border);
    text-align: start;
    vertical-align: top;
    font-size: 0.93em;
  }
  .badge {
    display: inline-block;
    padding: 0 8px;
    border-radius: 10px;
    background: var(--_surface-alt);
    font-size: 0.86em;
  }
  .badge.pilot {
    background: color-mix(in srgb, var(--_warning) 15%, var(--_surface));
    color: var(--_warning);
  }
  .badge.published {
    background: color-mix(in srgb, var(--_success) 12%, var(--_surface));
    color: var(--_success);
  }
  .pair {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(220px, 1fr));
    gap: 8px;
  }
  .quote {
    margin: 0;
    white-space: pre-wrap;
  }
  .secret {
    font-family: ui-monospace, monospace;
    word-break: break-all;
  }
  .bar {
    display: inline-block;
    height: 0.8em;
    background: var(--_accent);
    border-radius: 2px;
    vertical-align: middle;
  }
  .bar.after {
    background: var(--_warning);
  }
  [draggable='true'] .handle {
    cursor: grab;
  }
`;
