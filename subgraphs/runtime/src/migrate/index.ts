export * from "./migrate-command.js";
