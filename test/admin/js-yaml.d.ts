// js-yaml ships no types; it is installed with eslint (@eslint/eslintrc), and the ops tests only parse with it.
declare module 'js-yaml' {
  const jsYaml: { load(text: string): unknown };
  export default jsYaml;
}
