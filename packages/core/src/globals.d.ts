// `core` compiles without DOM or Node typings on purpose; these are the few
// globals every JavaScript runtime we target (browsers, Node ≥ 20) provides.
declare class URL {
  constructor(input: string, base?: string);
  readonly protocol: string;
  readonly href: string;
}
