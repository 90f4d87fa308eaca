import { css } from 'lit';

/** Cell colours: ColorBrewer OrRd in six steps, the same as GET /v1/pipeline/heatmap.svg. */
export const pipelineHeatmapStyles = css`
  .heatmap {
    display: grid;
    /* minmax(0, …): the table scrolls inside a narrow card instead of widening it. */
    grid-template-columns: minmax(0, 1fr);
    gap: var(--_gap);
  }
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px;
  }
  .toolbar .control {
    width: auto;
  }
  .status,
  .empty,
  .detail,
  .legend {
    margin: 0;
    color: var(--_muted);
    font-size: 0.93em;
  }
  .detail {
    min-height: 1.55em;
  }
  .scroll {
    overflow-x: auto;
    /* Holds the cells' visually hidden text, so it cannot widen the page past the scroll box. */
    position: relative;
  }
  .grid {
    border-collapse: separate;
    border-spacing: 3px;
  }
  .caption {
    text-align: start;
    color: var(--_muted);
    font-size: 0.93em;
    padding-bottom: 4px;
  }
  th {
    font-weight: 600;
    font-size: 0.93em;
    white-space: nowrap;
    padding: 4px 8px;
  }
  tbody th {
    text-align: start;
  }
  .cell {
    min-width: 72px;
    padding: 8px;
    border-radius: var(--_radius-small);
    text-align: center;
    font-variant-numeric: tabular-nums;
    cursor: default;
  }
  .cell:focus-visible {
    outline: none;
    box-shadow: var(--_focus-ring);
  }
  .cell.dark {
    color: #ffffff;
  }
  .cell.empty {
    background: var(--_surface-alt);
    color: var(--_muted);
  }
  .l0 { background: #fef0d9; }
  .l1 { background: #fdd49e; }
  .l2 { background: #fdbb84; }
  .l3 { background: #fc8d59; }
  .l4 { background: #e34a33; }
  .l5 { background: #b30000; }
  .legend {
    display: flex;
    align-items: center;
    gap: 2px;
  }
  .swatch {
    width: 18px;
    height: 10px;
  }
  .legend span:last-child {
    margin-inline-start: 8px;
  }
`;
