/**
 * Notebook support: tables, the kernelspec, and the helpers notebooks call.
 *
 * @module
 */
export * from "./table.ts";
export * from "./display.ts";
export * from "./kernelspec.ts";
export * from "./lint.ts";
export * from "./demos.ts";
export * from "./setup.ts";
export * from "./quickstart.ts";
