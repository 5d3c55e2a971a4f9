/** The examples as lazy imports, by id (see templatesPlugin in vite.config.ts). */
declare module 'virtual:stepflow-templates' {
  const templates: Record<string, () => Promise<unknown>>;
  export default templates;
}
