/**
 * The one place the library imports TensorFlow.js from, so every module shares one engine.
 *
 * @module
 */
export * as tf from "@tensorflow/tfjs";
