// Writes widget/dist/custom-elements.json (custom elements manifest schema 2.1.0)
// from the JSDoc on the component classes, so editors, Storybook and docs sites
// learn the tags, attributes, events, parts and CSS properties from the same
// comments a reader of the source sees. It reads only what this project
// writes — `@tag @summary @attr @event @csspart @cssproperty` on each
// `*.component.ts` class and `/** … */` on its public members — which is why a
// small script does instead of @custom-elements-manifest/analyzer.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const WIDGET = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUTPUT = join(WIDGET, 'dist', 'custom-elements.json');

/** The text of a JSDoc comment directly before `node`, without the `/** *\/` frame and leading asterisks. */
function jsdoc(node, source) {
  const ranges = ts.getLeadingCommentRanges(source.text, node.getFullStart()) ?? [];
  const block = ranges.map((range) => source.text.slice(range.pos, range.end)).filter((text) => text.startsWith('/**')).at(-1);
  if (!block) return undefined;
  return block
    .slice(3, -2)
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/** Splits a comment into its description and `@tag rest` entries (a tag continues until the next line starting with `@`). */
function parseDoc(text = '') {
  const [description, ...tags] = text.split(/\n(?=@)/);
  const isTag = description.startsWith('@');
  return {
    description: isTag ? '' : description.replace(/\s+/g, ' ').trim(),
    tags: (isTag ? [description, ...tags] : tags).map((tag) => {
      const match = /^@(\w+)\s*([\s\S]*)$/.exec(tag.trim());
      return { name: match[1], text: match[2].replace(/\s+/g, ' ').trim() };
    }),
  };
}

/** `{type} name - description`, `name - description` or `--prop - description`; the type may contain nested braces. */
function parseTagText(text) {
  let type;
  let rest = text;
  if (rest.startsWith('{')) {
    let depth = 0;
    let end = 0;
    for (; end < rest.length; end++) {
      if (rest[end] === '{') depth++;
      else if (rest[end] === '}' && --depth === 0) break;
    }
    type = rest.slice(1, end).trim();
    rest = rest.slice(end + 1).trim();
  }
  const match = /^(\S+)\s*(?:-\s*)?([\s\S]*)$/.exec(rest);
  return { type, name: match?.[1] ?? '', description: match?.[2] ?? '' };
}

/** `Default \`x\`.` at the end of a CSS property's description is its default value. */
function cssDefault(description) {
  const match = /Default `([^`]+)`\.?$/.exec(description);
  return match ? { description: description.slice(0, match.index).trim(), default: match[1] } : { description };
}

/** The `static properties` object: field name → { attribute, type } as Lit sees them. */
function litProperties(cls) {
  const declaration = cls.members.find((member) => ts.isPropertyDeclaration(member) && member.name.getText() === 'properties');
  const result = new Map();
  if (!declaration?.initializer || !ts.isObjectLiteralExpression(declaration.initializer)) return result;
  for (const property of declaration.initializer.properties) {
    if (!ts.isPropertyAssignment(property) || !ts.isObjectLiteralExpression(property.initializer)) continue;
    const options = Object.fromEntries(
      property.initializer.properties.filter(ts.isPropertyAssignment).map((option) => [option.name.getText(), option.initializer.getText().replace(/^'|'$/g, '')]),
    );
    if (options.state === 'true') continue;
    const name = property.name.getText();
    result.set(name, { attribute: options.attribute === 'false' ? undefined : (options.attribute ?? name.toLowerCase()), type: options.type });
  }
  return result;
}

/** The declared type, else the type of the initialiser's literal, else Lit's converter type. */
function fieldType(member, source, lit) {
  if (member.type) return member.type.getText(source);
  const init = member.initializer;
  if (init && (ts.isStringLiteral(init) || ts.isNoSubstitutionTemplateLiteral(init))) return 'string';
  if (init && ts.isNumericLiteral(init)) return 'number';
  if (init && (init.kind === ts.SyntaxKind.TrueKeyword || init.kind === ts.SyntaxKind.FalseKeyword)) return 'boolean';
  return lit?.type?.toLowerCase() ?? 'unknown';
}

function isPublic(member) {
  const flags = ts.getCombinedModifierFlags(member);
  return !(flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected | ts.ModifierFlags.Static | ts.ModifierFlags.Override)) && !member.name.getText().startsWith('#');
}

function describeClass(cls, source, path, inherited) {
  const doc = parseDoc(jsdoc(cls, source));
  const tags = (name) => doc.tags.filter((tag) => tag.name === name).map((tag) => parseTagText(tag.text));
  const properties = new Map([...inherited.properties, ...litProperties(cls)]);
  const memberDocs = new Map(inherited.members.map((member) => [member.name, member]));
  for (const member of cls.members) {
    if (!(ts.isPropertyDeclaration(member) || ts.isMethodDeclaration(member)) || !isPublic(member)) continue;
    const description = parseDoc(jsdoc(member, source)).description;
    if (!description) continue;
    const name = member.name.getText();
    if (ts.isMethodDeclaration(member)) {
      memberDocs.set(name, {
        kind: 'method',
        name,
        description,
        parameters: member.parameters.map((parameter) => ({ name: parameter.name.getText(), type: { text: parameter.type?.getText(source) ?? 'unknown' }, ...(parameter.initializer || parameter.questionToken ? { optional: true } : {}) })),
        return: { type: { text: member.type?.getText(source) ?? 'void' } },
      });
    } else {
      const lit = properties.get(name);
      memberDocs.set(name, {
        kind: 'field',
        name,
        description,
        type: { text: fieldType(member, source, lit) },
        ...(member.initializer ? { default: member.initializer.getText(source) } : {}),
        ...(lit?.attribute ? { attribute: lit.attribute } : {}),
      });
    }
  }
  const tagName = doc.tags.find((tag) => tag.name === 'tag')?.text;
  const fieldOfAttribute = new Map([...properties].filter(([, value]) => value.attribute).map(([field, value]) => [value.attribute, field]));
  return {
    kind: 'class',
    name: cls.name.text,
    ...(tagName ? { customElement: true, tagName } : {}),
    summary: doc.tags.find((tag) => tag.name === 'summary')?.text ?? '',
    description: doc.description,
    ...(cls.heritageClauses ? { superclass: { name: cls.heritageClauses[0].types[0].expression.getText(source) } } : {}),
    attributes: tags('attr').map(({ type, name, description }) => ({
      name,
      description,
      ...(type ? { type: { text: type } } : {}),
      ...(fieldOfAttribute.get(name) ? { fieldName: fieldOfAttribute.get(name) } : {}),
    })),
    members: [...memberDocs.values()],
    events: tags('event').map(({ type, name, description }) => ({ name, description, ...(type ? { type: { text: `CustomEvent<${type}>` } } : {}) })),
    cssParts: tags('csspart').map(({ name, description }) => ({ name, description })),
    cssProperties: tags('cssproperty').map(({ name, description }) => ({ name, ...cssDefault(description) })),
  };
}

/**
 * Base classes whose public members every subclass lists: the rep widgets'
 * HuashuElement, and the console's AdminElement and RuleSetElement (token,
 * client …) under it.
 */
const BASES = [join(WIDGET, 'src', 'internal', 'huashu-element.ts'), join(WIDGET, 'src', 'admin', 'internal', 'admin-element.ts'), join(WIDGET, 'src', 'admin', 'internal', 'rule-set-element.ts')];
/** The folders of elements: the rep widgets and the manager's console (its `internal` folder holds bases, not elements). */
const ELEMENT_ROOTS = [join(WIDGET, 'src', 'components'), join(WIDGET, 'src', 'admin')];

const parse = (path) => ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
const superclassOf = (cls) => cls.heritageClauses?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression.getText();

/** Every class of `files` by name, so an element can inherit what a base or another element documents. */
function classRegistry(files) {
  const registry = new Map();
  for (const path of files) {
    const source = parse(path);
    for (const cls of source.statements.filter(ts.isClassDeclaration)) if (cls.name) registry.set(cls.name.text, { cls, source, path });
  }
  return registry;
}

/**
 * What a class passes on: its Lit properties and documented public members
 * over its superclass's. A superclass outside the registry (LitElement) passes
 * on HuashuElement's, as every element shares the same endpoint/lang/client API.
 */
function inheritedFrom(name, registry, seen = new Set()) {
  const none = { properties: new Map(), members: [] };
  if (seen.has(name)) return none;
  const found = registry.get(name);
  if (!found) return name === 'HuashuElement' ? none : inheritedFrom('HuashuElement', registry, new Set([...seen, name]));
  const { cls, source, path } = found;
  const parent = superclassOf(cls);
  const inherited = parent ? inheritedFrom(parent, registry, new Set([...seen, name])) : none;
  return { properties: new Map([...inherited.properties, ...litProperties(cls)]), members: describeClass(cls, source, path, inherited).members };
}

/** Each `*.component.ts` in each element folder, in name order. */
function componentFiles() {
  return ELEMENT_ROOTS.flatMap((root) =>
    readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'internal')
      .map((entry) => entry.name)
      .sort()
      .flatMap((folder) =>
        readdirSync(join(root, folder))
          .filter((file) => file.endsWith('.component.ts'))
          .sort()
          .map((file) => join(root, folder, file)),
      ),
  );
}

export function buildManifest() {
  const files = componentFiles();
  const registry = classRegistry([...BASES, ...files]);
  const modules = [];
  for (const path of files) {
    const source = parse(path);
    const declarations = source.statements.filter(ts.isClassDeclaration).map((cls) => {
      const inherited = inheritedFrom(superclassOf(cls) ?? 'HuashuElement', registry, new Set([cls.name?.text]));
      return describeClass(cls, source, path, inherited);
    });
    const modulePath = relative(WIDGET, path).replaceAll('\\', '/');
    modules.push({
      kind: 'javascript-module',
      path: modulePath,
      declarations,
      exports: declarations.flatMap((declaration) => [
        { kind: 'js', name: declaration.name, declaration: { name: declaration.name, module: modulePath } },
        ...(declaration.tagName ? [{ kind: 'custom-element-definition', name: declaration.tagName, declaration: { name: declaration.name, module: modulePath } }] : []),
      ]),
    });
  }
  return { schemaVersion: '2.1.0', readme: '', modules };
}

export function writeManifest(file = OUTPUT) {
  const manifest = buildManifest();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const manifest = writeManifest();
  const tags = manifest.modules.flatMap((module) => module.declarations.map((declaration) => declaration.tagName)).filter(Boolean);
  console.log(`custom-elements.json: ${tags.join(', ')}`);
}
