import { css } from 'lit';

export const dailyReportStyles = css`
  .report {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
    gap: var(--_gap);
  }
  .title {
    margin: 0;
    font-size: 1.07em;
  }
  .muted,
  .status {
    margin: 0;
    color: var(--_muted);
    font-size: 0.93em;
  }
  .headline {
    margin: 0;
    padding-left: 1.2em;
    display: grid;
    gap: 4px;
  }
  .flag {
    color: var(--_danger);
  }
  .chart {
    display: grid;
    grid-template-columns: minmax(4em, auto) minmax(0, 1fr) auto;
    gap: 4px 8px;
    align-items: center;
  }
  .bar {
    height: 10px;
    border-radius: 5px;
    background: var(--_accent);
    min-width: 2px;
  }
  .list {
    margin: 0;
    padding-left: 1.2em;
    display: grid;
    gap: 2px;
  }
  .subtitle {
    margin: 0;
    font-size: 1em;
  }
`;
