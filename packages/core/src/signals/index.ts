// Pure intent-signal math: condition matching, sequences, silences, decay and explanations.
export * from './conditions.js';
export * from './scoring.js';
export * from './explain.js';
export * from './sequences.js';
export * from './rules.js';
