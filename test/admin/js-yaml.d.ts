// js-yaml ships no types (a devDependency: the ops tests parse the alert rules with it).
declare module 'js-yaml' {
  const jsYaml: { load(text: string): unknown };
  export default jsYaml;
}
