import { css } from 'lit';

export const leadFormStyles = css`
  form {
    display: grid;
    /* The track may shrink below its content's min-content width, so nothing widens the form. */
    grid-template-columns: minmax(0, 1fr);
    gap: var(--_gap);
  }
  .grid {
    display: grid;
    gap: var(--_gap);
    grid-template-columns: minmax(0, 1fr);
  }
  /* Two columns once there is room for two comfortable inputs; notes always take the full width. */
  @container (min-width: 520px) {
    .grid {
      grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
      column-gap: calc(var(--_gap) * 1.33);
    }
    .field.wide {
      grid-column: 1 / -1;
    }
  }
  .required {
    margin-left: 2px;
    color: var(--_danger);
  }
  .consent {
    display: grid;
    gap: 4px;
  }
  .consent-label {
    display: flex;
    gap: 8px;
    align-items: flex-start;
    font-size: 0.93em;
    color: var(--_muted);
    cursor: pointer;
  }
  .consent-label input {
    flex: none;
    width: 16px;
    height: 16px;
    margin: 0.2em 0 0;
    accent-color: var(--_accent);
  }
  .consent-label input:focus-visible {
    outline: none;
    box-shadow: var(--_focus-ring);
  }
  .success-body {
    display: grid;
    gap: 8px;
    justify-items: start;
    color: var(--_text);
  }
  .success-title {
    margin: 0;
    font-weight: 600;
  }
`;
