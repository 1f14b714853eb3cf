/**
 * The bench sections, in the order they run. Add one import line per new section module.
 *
 * @module
 */
import "./training.ts";
import "./parallel.ts";
import "./memory.ts";
import "./deploy.ts";
import "./data.ts";
import "./imagenet.ts";
import "./webgpu.ts";
