import { css } from 'lit';

export const healthDashboardStyles = css`
  .health {
    display: grid;
    /* minmax(0, …): the tables scroll inside a narrow card instead of widening it. */
    grid-template-columns: minmax(0, 1fr);
    gap: var(--_gap);
  }
  .scroll {
    overflow-x: auto;
  }
  .period,
  .status,
  .empty {
    margin: 0;
    color: var(--_muted);
    font-size: 0.93em;
  }
  .subtitle {
    margin: 0;
    font-size: 1em;
  }
  .table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    padding: 8px 10px;
    border-bottom: 1px solid var(--_border);
    text-align: start;
    vertical-align: top;
  }
  thead th {
    font-size: 0.93em;
  }
  .threshold {
    display: block;
    font-weight: 400;
    color: var(--_muted);
    font-size: 0.86em;
  }
  .value {
    display: block;
    font-size: 1.14em;
    font-weight: 600;
    font-variant-numeric: tabular-nums;
  }
  .verdict {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    font-size: 0.86em;
  }
  .verdict .icon {
    margin-top: 0;
  }
  .healthy .verdict {
    color: var(--_success);
  }
  .unhealthy .verdict,
  .unhealthy .value {
    color: var(--_danger);
  }
  .none .verdict {
    color: var(--_muted);
  }
  .detail {
    display: block;
    color: var(--_muted);
    font-size: 0.86em;
  }
`;
