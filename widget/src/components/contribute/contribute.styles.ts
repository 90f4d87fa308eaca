import { css } from 'lit';

export const contributeStyles = css`
  form {
    display: grid;
    /* The track may shrink below its content's min-content width, so nothing widens the form. */
    grid-template-columns: minmax(0, 1fr);
    gap: calc(var(--_gap) * 1.15);
  }
  .rule {
    display: grid;
    gap: 2px;
    padding: 10px 12px;
    border-left: 3px solid var(--_accent);
    border-radius: 0 var(--_radius-small) var(--_radius-small) 0;
    background: var(--_accent-soft);
  }
  .rule-title {
    font-weight: 600;
  }
  .rule-detail {
    color: var(--_muted);
    font-size: 0.86em;
  }
  .points {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 12px;
    margin-top: 2px;
    font-size: 0.86em;
  }
  .points-earn {
    color: var(--_accent);
    font-weight: 600;
  }
  .points-balance {
    color: var(--_muted);
  }
  .success-points {
    color: var(--_accent);
  }
  .step {
    display: inline-grid;
    place-items: center;
    width: 18px;
    height: 18px;
    margin-right: 6px;
    border-radius: 50%;
    background: var(--_accent);
    color: var(--_accent-contrast);
    font-size: 11px;
    font-weight: 700;
    vertical-align: 1px;
  }
  fieldset {
    margin: 0;
    padding: 0;
    border: 0;
  }
  legend {
    padding: 0;
    margin-bottom: 4px;
  }
  .rows {
    display: grid;
    gap: 8px;
    margin-top: 4px;
  }
  .row {
    display: grid;
    grid-template-columns: 7.5em minmax(0, 1.3fr) minmax(0, 1fr) 30px;
    gap: 6px;
    align-items: start;
    padding: 8px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius-small);
    background: var(--_surface-alt);
  }
  .rows.invalid .row {
    border-color: var(--_danger);
  }
  .row-error {
    grid-column: 1 / -1;
  }
  .remove {
    width: 30px;
    min-height: 34px;
    padding: 0;
    color: var(--_muted);
  }
  .remove .icon {
    margin: 0;
  }
  .remove:hover:not(:disabled) {
    color: var(--_danger);
    background: color-mix(in srgb, var(--_danger) 8%, transparent);
  }
  .add .icon {
    margin: 0;
  }
  /* Narrow panels: kind and remove share the first line, title and link get full lines. */
  @container (max-width: 520px) {
    .row {
      grid-template-columns: minmax(0, 1fr) 30px;
    }
    .row .title,
    .row .url {
      grid-column: 1 / -1;
    }
    .row .kind {
      grid-row: 1;
    }
    .row .remove {
      grid-row: 1;
      grid-column: 2;
    }
  }
  .success-body {
    display: grid;
    gap: 6px;
    justify-items: start;
    min-width: 0;
    color: var(--_text);
  }
  .success-body p {
    margin: 0;
  }
  .success-title {
    font-weight: 600;
    color: var(--_success);
  }
  .success-detail {
    color: var(--_muted);
    font-size: 0.93em;
  }
  .success-quote {
    padding: 4px 10px;
    border-left: 3px solid var(--_border);
    color: var(--_muted);
    font-size: 0.93em;
    overflow-wrap: anywhere;
  }
`;
