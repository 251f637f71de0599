/** `gatehouse/memory`: an in-process store for tests and demos (nothing survives a restart). */
export { memoryStore } from "./memory-store.js";
