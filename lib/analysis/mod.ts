/**
 * Numerical views of the method for notebooks and tests: quantizer and regularizer curves
 * computed through the library's own functions.
 *
 * @module
 */
export * from "./quantizer_curves.ts";
export * from "./regularizer_curves.ts";
