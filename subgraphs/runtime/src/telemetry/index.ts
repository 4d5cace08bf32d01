export * from "./operation-span-plugin.js";
export * from "./server-span.js";
export * from "./span-allow-list.js";
export * from "./spans.js";
export * from "./start-tracing.js";
export * from "./tracing-settings.js";
